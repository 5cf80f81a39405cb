/**
 * Where a log shard is served and what it is called, for every log that shards: shard 1 keeps
 * the paths and names the log had before it ever rotated, so nothing a client already holds
 * changes; shard N ≥ 2 lives under "/shards/N" beside them. The trust documents, the routers and
 * the checkpoint signers all take their paths and names from here.
 */

/** The path suffix of shard `ordinal` under its log's base path: '' for the first, '/shards/N' after. */
export const shardPath = (ordinal: number): string => (ordinal === 1 ? '' : `/shards/${ordinal}`);

/** The Rekor v2 checkpoint origin of shard `ordinal`: the configured origin, then "<origin>/shards/N". */
export const rekorV2ShardOrigin = (origin: string, ordinal: number): string => `${origin}${shardPath(ordinal)}`;
