-- The CT log (RFC 6962) inside Sealhouse: its tree is a row of `trees` (log_name 'ct') with C2SP
-- tiles like the Rekor tree; this adds its entries and its signed tree heads. Same SQL on
-- Postgres and PGlite.

-- One row per logged (pre)certificate.
--   leaf_input     MerkleTreeLeaf (RFC 6962 §3.4), the bytes get-entries returns; the Merkle leaf
--                  hash is SHA-256(0x00 || leaf_input)
--   extra_data     the TLS-encoded chain: PrecertChainEntry for precerts, certificate_chain for
--                  certificates (§4.6)
--   identity_hash  SHA-256 of the entry without its timestamp, so a resubmitted (pre)certificate
--                  gets its original SCT back instead of a second leaf (as RFC 6962 §4.1 allows)
CREATE TABLE ct_entries (
  tree_id        bigint NOT NULL,
  idx            bigint NOT NULL CHECK (idx >= 0),
  leaf_hash      bytea NOT NULL CHECK (length(leaf_hash) = 32),
  identity_hash  bytea NOT NULL CHECK (length(identity_hash) = 32),
  timestamp_ms   bigint NOT NULL CHECK (timestamp_ms >= 0),
  leaf_input     bytea NOT NULL,
  extra_data     bytea NOT NULL,
  PRIMARY KEY (tree_id, idx)
);
CREATE UNIQUE INDEX ct_entries_identity ON ct_entries (tree_id, identity_hash);
CREATE INDEX ct_entries_leaf_hash ON ct_entries (tree_id, leaf_hash);

-- One signed tree head per committed batch (§3.5), as get-sth serves it.
CREATE TABLE ct_sths (
  tree_id       bigint NOT NULL REFERENCES trees (tree_id),
  tree_size     bigint NOT NULL CHECK (tree_size > 0),
  timestamp_ms  bigint NOT NULL CHECK (timestamp_ms >= 0),
  root_hash     bytea NOT NULL CHECK (length(root_hash) = 32),
  signature     bytea NOT NULL,
  PRIMARY KEY (tree_id, tree_size)
);
