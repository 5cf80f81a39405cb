-- A log shard served under a host name of its own, as rekor-tiles starts each new Rekor v2 log
-- on a new host (log2025-1.rekor.sigstore.dev, …): its public base URL, whose host name is also
-- its checkpoint origin — sigstore-go and sigstore-js check a v2 checkpoint against the host name
-- of the log's URL, so a new origin needs a new host. NULL (the default) for a shard served under
-- the instance's own URL (shard 1 at it, shard N at /shards/N), which keeps the log's origin.
-- Same SQL on Postgres and PGlite.
ALTER TABLE log_shards ADD COLUMN base_url text;
