-- Log shards: a log (the Rekor v1 log 'rekor', the Rekor v2 log 'rekor-v2', the CT log 'ct') is
-- a sequence of trees, each with its own signing key. Rotating a log's key freezes the tree in
-- use at its current size and starts a new, empty tree with the new key; the frozen tree stays
-- readable and verifiable with the old key, which stays in trusted_root.json with a closed
-- validFor. Same SQL on Postgres and PGlite.
--   log_name     which log ('rekor', 'rekor-v2', 'ct'); the first shard's tree has this log_name in trees
--   ordinal      1, 2, … in the order the shards were started
--   tree_id      the shard's tree
--   first_index  the global ("virtual") index of the shard's leaf 0: the sizes of the earlier shards
--                summed (Rekor v1's logIndex across shards; 0 for logs without global indexes)
--   active_from  when the shard started taking entries (the start of its key's validFor)
--   frozen_at    when it stopped (the end of its validFor); NULL for the shard in use
--   frozen_size  its size when frozen: never changes afterwards
CREATE TABLE log_shards (
  log_name     text NOT NULL,
  ordinal      integer NOT NULL CHECK (ordinal > 0),
  tree_id      bigint NOT NULL UNIQUE REFERENCES trees (tree_id),
  first_index  bigint NOT NULL CHECK (first_index >= 0),
  active_from  timestamptz NOT NULL,
  frozen_at    timestamptz,
  frozen_size  bigint CHECK (frozen_size >= 0),
  PRIMARY KEY (log_name, ordinal),
  CHECK ((frozen_at IS NULL) = (frozen_size IS NULL))
);
-- At most one shard of each log takes entries.
CREATE UNIQUE INDEX log_shards_active ON log_shards (log_name) WHERE frozen_at IS NULL;

-- A frozen tree refuses appends: the append path reads this with the head row it locks, so a
-- batch of a process that has not yet seen the rotation fails over to the new shard instead of
-- growing the frozen one.
ALTER TABLE trees ADD COLUMN frozen_at timestamptz;
