-- Cosignatures of the Rekor v2 log's checkpoints by C2SP tlog-witnesses (c2sp.org/tlog-witness),
-- kept so /checkpoint serves them after a restart and so the log knows each witness's last
-- cosigned size (the `old` size of its next add-checkpoint). Same SQL on Postgres and PGlite.
--   witness          the witness's vkey name and key ID, "<name>+<8 hex>", as signature lines name it
--   checkpoint_text  the cosigned note text (origin, size, root, extensions): a line is served only
--                    with exactly the text it was verified over
--   cosigned_at      the cosignature's own timestamp, POSIX seconds
--   line             the signature line as served: "— <name> <base64(key ID ‖ timestamp ‖ signature)>"
CREATE TABLE witness_cosignatures (
  tree_id          bigint NOT NULL REFERENCES trees (tree_id),
  tree_size        bigint NOT NULL CHECK (tree_size >= 0),
  witness          text NOT NULL,
  checkpoint_text  text NOT NULL,
  cosigned_at      bigint NOT NULL CHECK (cosigned_at > 0),
  line             text NOT NULL,
  PRIMARY KEY (tree_id, tree_size, witness)
);
-- The latest cosigned size of each witness.
CREATE INDEX witness_cosignatures_latest ON witness_cosignatures (tree_id, witness, tree_size DESC);
