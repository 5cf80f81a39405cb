/**
 * Many byte strings as ONE bytea parameter plus offsets, unpacked in SQL with substring().
 *
 * Why: node-postgres sends a Buffer parameter in binary, but a Buffer[] as a text array of
 * hex-escaped strings — for a batch of 1,000 entries that is megabytes of hex to build and
 * parse. Sending one binary blob and slicing it server-side halves the commit time.
 * PGlite (in-process) accepts the same SQL.
 *
 *   SELECT substring($1::bytea FROM o + 1 FOR l) FROM unnest($2::int[], $3::int[]) AS t(o, l)
 */
export interface PackedBytes {
  readonly blob: Buffer;
  readonly offsets: number[];
  readonly lengths: number[];
}

export function packBytes(parts: readonly Buffer[]): PackedBytes {
  const offsets = new Array<number>(parts.length);
  const lengths = new Array<number>(parts.length);
  let offset = 0;
  parts.forEach((p, i) => {
    offsets[i] = offset;
    lengths[i] = p.length;
    offset += p.length;
  });
  return { blob: Buffer.concat(parts as Buffer[], offset), offsets, lengths };
}
