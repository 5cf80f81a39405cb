/**
 * Every `sealhouse` subcommand, in the order `sealhouse --help` lists them, each loaded only
 * when it runs (a verify-bundle in CI should not pay for loading the server). A new command is
 * a file in this directory and one entry here.
 */
import type { CommandEntry } from '../command.js';

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'start the Rekor-compatible log and the Fulcio-compatible CA on PORT (default 3000)', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'migrate', summary: 'apply database migrations and exit', load: async () => (await import('./migrate.js')).migrateCommand },
  { name: 'public-key', summary: "print the log's public key (PEM)", load: async () => (await import('./trust-documents.js')).publicKeyCommand },
  { name: 'trust-root', summary: 'print trusted_root.json (the same document GET /trusted_root.json serves)', load: async () => (await import('./trust-documents.js')).trustRootCommand },
  { name: 'signing-config', summary: 'print signing_config.json (the same document GET /signing_config.json serves)', load: async () => (await import('./trust-documents.js')).signingConfigCommand },
  { name: 'dev-token', summary: 'print an ID token from the development OIDC issuer (SEALHOUSE_DEV_OIDC=1 servers only)', load: async () => (await import('./dev-token.js')).devTokenCommand },
  { name: 'verify-bundle', summary: 'verify a sigstore bundle offline against a trusted root (sigstore-conformance protocol)', load: async () => (await import('./verify-bundle.js')).verifyBundleCommand },
  { name: 'sign-bundle', summary: 'sign a file keylessly with Fulcio + Rekor into a sigstore bundle (sigstore-conformance protocol)', load: async () => (await import('./sign-bundle.js')).signBundleCommand },
  { name: 'verify-entry', summary: 'verify a Rekor v1/v2 log entry offline: SET, inclusion proof, signed checkpoint, body', load: async () => (await import('./verify-entry.js')).verifyEntryCommand },
  { name: 'monitor', summary: 'verify a log stays append-only and report watched identities in new entries', load: async () => (await import('./monitor.js')).monitorCommand },
  { name: 'ca', summary: "a CA whose root key stays offline: make the root, the server's intermediate key, and sign it", load: async () => (await import('./ca.js')).caCommand },
  { name: 'rotate', summary: 'put a new timestamp authority or issuing CA into use; the old one stays trusted for what it signed', load: async () => (await import('./rotate.js')).rotateCommand },
  { name: 'tuf', summary: 'publish the trust documents as a TUF repository (init, update, refresh)', load: async () => (await import('./tuf.js')).tufCommand },
  { name: 'fsck', summary: 'recompute and check every stored tree, signature and index row', load: async () => (await import('./fsck.js')).fsckCommand },
];
