-- The Rekor v2 log (C2SP tlog-tiles, sigstore/rekor-tiles) inside Sealhouse: its tree is a row of
-- `trees` (log_name 'rekor-v2') with C2SP tiles like the v1 tree, and its signed checkpoints go
-- to `checkpoints` under its own tree_id. This adds its entries. Same SQL on Postgres and PGlite.

-- One row per logged entry.
--   body       the canonicalized body (RFC 8785 JCS of the protojson Entry), the Merkle leaf
--              data and what /tile/entries serves; the leaf hash is SHA-256(0x00 || body)
--   leaf_hash  unique per tree: an equivalent entry is answered 409 with its index
-- No integrated time and no SET: Rekor v2 has neither. No foreign key to trees, as for
-- rekor_entries: the tree_id always comes from the locked trees row.
CREATE TABLE rekor_v2_entries (
  tree_id    bigint NOT NULL,
  idx        bigint NOT NULL CHECK (idx >= 0),
  leaf_hash  bytea NOT NULL CHECK (length(leaf_hash) = 32),
  body       bytea NOT NULL,
  PRIMARY KEY (tree_id, idx)
);
CREATE UNIQUE INDEX rekor_v2_entries_leaf_hash ON rekor_v2_entries (tree_id, leaf_hash);
