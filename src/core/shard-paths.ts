/**
 * Where a log shard is served and what it is called, for every log that shards: shard 1 keeps
 * the paths and names the log had before it ever rotated, so nothing a client already holds
 * changes; shard N ≥ 2 lives under "/shards/N" beside them. The trust documents, the routers and
 * the checkpoint signers all take their paths and names from here.
 */

/** The path suffix of shard `ordinal` under its log's base path: '' for the first, '/shards/N' after. */
export const shardPath = (ordinal: number): string => (ordinal === 1 ? '' : `/shards/${ordinal}`);

/**
 * The Rekor v2 checkpoint origin of shard `ordinal`: the configured origin, for every shard.
 * sigstore-go (cosign v3) and sigstore-js check a v2 checkpoint against the signer name
 * url.Hostname() of the log's baseUrl, so "<host>/shards/N" is refused by them; the shards
 * are told apart by their log IDs (the note key ID hashes the key as well as the origin).
 * The cost: a witness keeps its state per origin, so after a rotation each witness must be
 * told the new key (README, "Rotating keys"). A shard of its own under a host name of its own,
 * as rekor-tiles does, would need a hostname (DNS, TLS) per shard.
 */
export const rekorV2ShardOrigin = (origin: string, _ordinal: number): string => origin;
