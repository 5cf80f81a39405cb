/**
 * Where a log shard is served and what it is called, for every log that shards: shard 1 keeps
 * the paths and names the log had before it ever rotated, so nothing a client already holds
 * changes; shard N ≥ 2 lives under "/shards/N" beside them. The trust documents, the routers and
 * the checkpoint signers all take their paths and names from here.
 */

/** The path suffix of shard `ordinal` under its log's base path: '' for the first, '/shards/N' after. */
export const shardPath = (ordinal: number): string => (ordinal === 1 ? '' : `/shards/${ordinal}`);

/**
 * Where a Rekor v2 shard is served and its checkpoint origin. sigstore-go (cosign v3) and
 * sigstore-js check a v2 checkpoint against the signer name url.Hostname() of the log's URL, so
 * the origin follows the host name:
 *   - a shard with a host name of its own (`sealhouse rotate rekor-v2 --url`, as rekor-tiles
 *     starts each new log on a new host): that URL, and its host name as the origin — a new log
 *     to witnesses too;
 *   - otherwise the instance's URL (shard N under /shards/N) and the log's configured origin for
 *     every shard, told apart by their log IDs (the note key ID hashes the key as well as the
 *     origin); a witness keeps one state per origin, so after such a rotation each witness must
 *     be told the new key (README, "Rotating keys").
 */
export function rekorV2ShardAddress(log: { readonly baseUrl: string; readonly origin: string }, shard: { readonly ordinal: number; readonly baseUrl?: string | undefined }): { baseUrl: string; origin: string } {
  if (shard.baseUrl) return { baseUrl: shard.baseUrl.replace(/\/+$/, ''), origin: new URL(shard.baseUrl).hostname };
  return { baseUrl: `${log.baseUrl}${shardPath(shard.ordinal)}`, origin: log.origin };
}
