/**
 * fast-check arbitraries for the parser fuzz: arbitrary bytes and text, and structured mutations
 * of valid inputs (flip, truncate, extend, splice, and DER length-field rewrites) so that most
 * inputs get past the first length check and reach the deeper code.
 */
import fc from 'fast-check';

type Op =
  | { op: 'flip'; at: number; mask: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'extend'; bytes: Uint8Array }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'duplicate'; at: number; count: number }
  | { op: 'length'; at: number; form: number[] };

/** Positions are fractions of the input length so one op fits inputs of any size. */
const pos = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

// DER length forms that stress a reader: long forms, non-minimal, indefinite, huge.
const LENGTH_FORMS: number[][] = [[0x00], [0x7f], [0x80], [0x81, 0x00], [0x81, 0x7f], [0x81, 0xff], [0x82, 0x00, 0x80], [0x82, 0xff, 0xff],
  [0x83, 0xff, 0xff, 0xff], [0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0x7f, 0xff, 0xff, 0xff], [0x85, 1, 0, 0, 0, 0], [0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0xff]];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: pos, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('set' as const), at: pos, value: fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x30, 0x31, 0x7f, 0x80, 0x81, 0xa0, 0xa3, 0xff) }),
  fc.record({ op: fc.constant('truncate' as const), at: pos }),
  fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: pos, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: pos, count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('length' as const), at: pos, form: fc.constantFrom(...LENGTH_FORMS) }),
);

function apply(input: Buffer, o: Op): Buffer {
  const at = 'at' in o ? Math.floor(o.at * (input.length + 1)) : 0;
  switch (o.op) {
    case 'flip':
    case 'set': {
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      const i = Math.min(at, out.length - 1);
      out[i] = o.op === 'flip' ? (out[i] as number) ^ o.mask : o.value;
      return out;
    }
    case 'truncate':
      return input.subarray(0, at);
    case 'extend':
      return Buffer.concat([input, o.bytes]);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), o.bytes, input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + o.count)]);
    case 'duplicate':
      return Buffer.concat([input.subarray(0, at + o.count), input.subarray(at)]);
    case 'length': {
      // Replace the byte after a tag (where a DER length lives) with another length form.
      const i = Math.min(at + 1, input.length);
      const old = input[i] ?? 0;
      const oldLen = old & 0x80 ? 1 + (old & 0x7f) : 1;
      return Buffer.concat([input.subarray(0, i), Buffer.from(o.form), input.subarray(Math.min(i + oldLen, input.length))]);
    }
  }
}

/** Valid `seeds` with 1–4 mutations applied (sometimes none, so the happy path is walked too). */
export function mutatedBytes(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(opArb, { minLength: 0, maxLength: 4 }))
    .map(([seed, ops]) => ops.reduce(apply, Buffer.from(seed)));
}

/** Arbitrary bytes, and mutations of the seeds, in equal measure. */
export function bytesInput(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((u) => Buffer.from(u)),
    mutatedBytes(seeds),
  );
}

/** Text: arbitrary strings (full Unicode, lone surrogates) and mutated seeds read as latin1/utf8. */
export function textInput(seeds: readonly string[]): fc.Arbitrary<string> {
  const buffers = seeds.map((s) => Buffer.from(s, 'utf8'));
  return fc.oneof(
    fc.string({ maxLength: 300, unit: 'binary' }),
    fc.string({ maxLength: 300, unit: fc.constantFrom('-', 'B', 'E', 'G', 'I', 'N', ' ', '\n', '\r', '=', '/', '+', 'A', '0', '\u2014', ':', '.', 'x', 'p') }),
    mutatedBytes(buffers).map((b) => b.toString('utf8')),
    mutatedBytes(buffers).map((b) => b.toString('latin1')),
    // Long repetitions of structural tokens: what makes a scanner quadratic (a lazy BEGIN…END
    // regex took seconds on these); the per-input time budget catches it.
    fc.tuple(fc.constantFrom(...REPEATED), fc.integer({ min: 1_000, max: 40_000 })).map(([t, n]) => t.repeat(n)),
  );
}

const REPEATED = ['-----BEGIN CERTIFICATE-----\n', '-----BEGIN ', '-----END A-----', '\n\n', '\u2014 a ', 'x001/', 'A=', '\n', '{"a":'];

/** JSON-ish values, plus mutations of valid documents (a field swapped for any JSON value). */
export function jsonInput(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const replaced = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(pos, anyJson), { minLength: 1, maxLength: 3 })).map(([seed, edits]) => {
    const doc = structuredClone(seed);
    for (const [where, value] of edits) replaceSomewhere(doc, where, value);
    return doc;
  });
  const textMutated = mutatedBytes(seeds.map((s) => Buffer.from(JSON.stringify(s)))).map((b) => {
    try {
      return JSON.parse(b.toString('utf8')) as unknown;
    } catch {
      return b.toString('utf8');
    }
  });
  return fc.oneof(anyJson, replaced, textMutated, fc.constantFrom(...seeds));
}

/** Replace the n-th (by `where` ∈ [0,1)) nested property or item of `doc` with `value`. */
function replaceSomewhere(doc: unknown, where: number, value: unknown): void {
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        slots.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(doc);
  const slot = slots[Math.floor(where * slots.length)];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = value;
}
