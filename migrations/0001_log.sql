-- The transparency log core: trees, their C2SP tiles, signed checkpoints, and Rekor entries with
-- their search-index keys. Same SQL on Postgres and PGlite.

-- One row per Merkle tree (the Rekor log's shard, later the CT log). Every append locks this row
-- (SELECT … FOR UPDATE), which is what keeps several processes from forking a tree.
-- public_key (DER SPKI) is recorded by the first process that signs for the tree; a process
-- started with another key refuses to run instead of signing checkpoints clients cannot verify.
CREATE TABLE trees (
  tree_id     bigint PRIMARY KEY CHECK (tree_id > 0),
  log_name    text NOT NULL UNIQUE,
  public_key  bytea,
  tree_size   bigint NOT NULL CHECK (tree_size >= 0),
  root_hash   bytea NOT NULL CHECK (length(root_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- C2SP tlog-tiles: up to 256 hashes of tree level 8·level. Only the rightmost tile of a level is
-- partial; it grows in place and never changes once it holds 256 hashes.
CREATE TABLE tiles (
  tree_id  bigint NOT NULL REFERENCES trees (tree_id),
  level    smallint NOT NULL CHECK (level >= 0 AND level < 64),
  idx      bigint NOT NULL CHECK (idx >= 0),
  hashes   bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (tree_id, level, idx)
);

-- One signed checkpoint per committed batch, exactly as served to clients.
CREATE TABLE checkpoints (
  tree_id     bigint NOT NULL REFERENCES trees (tree_id),
  tree_size   bigint NOT NULL CHECK (tree_size > 0),
  root_hash   bytea NOT NULL CHECK (length(root_hash) = 32),
  note        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tree_id, tree_size)
);

-- Rekor entries. `body` is the canonical entry (the Merkle leaf data); `set_signature` the
-- signed entry timestamp, signed and committed with the entry. No foreign key to trees: these
-- are the hottest inserts and the tree_id always comes from the locked trees row.
CREATE TABLE rekor_entries (
  tree_id          bigint NOT NULL,
  idx              bigint NOT NULL CHECK (idx >= 0),
  leaf_hash        bytea NOT NULL CHECK (length(leaf_hash) = 32),
  body             bytea NOT NULL,
  integrated_time  bigint NOT NULL,
  set_signature    bytea NOT NULL,
  PRIMARY KEY (tree_id, idx)
);
CREATE UNIQUE INDEX rekor_entries_leaf_hash ON rekor_entries (tree_id, leaf_hash);

-- Search index (POST /api/v1/index/retrieve), written in the same transaction as the entry so
-- it can never miss a committed entry. A key is stored as the first 16 bytes of
-- SHA-256(lower-cased key): a fixed, short B-tree key instead of 70-byte hex strings and
-- e-mail addresses, which made index writes the largest share of a batch commit.
CREATE TABLE rekor_index_keys (
  key_hash  bytea NOT NULL CHECK (length(key_hash) = 16),
  tree_id   bigint NOT NULL,
  idx       bigint NOT NULL,
  PRIMARY KEY (key_hash, tree_id, idx)
);
