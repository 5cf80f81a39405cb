-- The certificate authorities an instance has used, in order, so that the trust documents keep
-- listing a retired one (with its validFor closed) and a start with a different one than the
-- database recorded is noticed instead of silently disowning what the old one signed.
-- Same SQL on Postgres and PGlite.
--   kind         which authority: 'ca' (the issuing CA, intermediate first) or 'tsa' (the RFC 3161 timestamp authority)
--   epoch        1, 2, … in the order they were put into use
--   chain        the DER certificates, signer first and root last, concatenated (DER is self-delimiting)
--   fingerprint  SHA-256 of the signer's certificate: what "the same authority" means
--   valid_from   the start of its validFor in trusted_root.json
--   valid_until  the end of it; NULL for the authority in use
CREATE TABLE authority_epochs (
  kind         text NOT NULL,
  epoch        integer NOT NULL CHECK (epoch > 0),
  chain        bytea NOT NULL,
  fingerprint  bytea NOT NULL,
  valid_from   timestamptz NOT NULL,
  valid_until  timestamptz,
  PRIMARY KEY (kind, epoch),
  CHECK (valid_until IS NULL OR valid_until > valid_from)
);
-- At most one authority of each kind is in use.
CREATE UNIQUE INDEX authority_epochs_current ON authority_epochs (kind) WHERE valid_until IS NULL;
