#!/usr/bin/env node
// Verifying a Sigstore bundle offline against a private trusted root with @sigstore/verify, at
// the library's default thresholds: one SCT from a trusted CT log, one transparency-log entry
// (SET, inclusion proof and signed checkpoint), a certificate chaining to a trusted CA at the
// log's integrated time, the artifact signature, and the identity/issuer policy.
//
//   node scripts/verify-bundle.js --bundle bundle.json --trusted-root trusted_root.json \
//        --identity alice@example.com --issuer http://localhost:3000/dev-oidc [<file>]
//
// --trusted-root may also be a URL (http://localhost:3000/trusted_root.json). <file> is the
// signed artifact for message-signature bundles; DSSE bundles (attestations) carry their payload.
// --identity is matched exactly unless --identity-regexp is given instead.
/* global fetch */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

const USAGE = 'usage: node scripts/verify-bundle.js --bundle <file> --trusted-root <file|url> (--identity <san> | --identity-regexp <re>) --issuer <url> [<artifact>]';
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      bundle: { type: 'string' },
      'trusted-root': { type: 'string' },
      identity: { type: 'string' },
      'identity-regexp': { type: 'string' },
      issuer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  console.error(`verify-bundle: ${err.message}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const root = values['trusted-root'];
if (!values.bundle || !root || !(values.identity || values['identity-regexp']) || !values.issuer) {
  console.error(USAGE);
  process.exit(2);
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

try {
  const rootJson = /^https?:\/\//.test(root) ? await (await fetch(root)).json() : JSON.parse(readFileSync(root, 'utf8'));
  const bundle = bundleFromJSON(JSON.parse(readFileSync(values.bundle, 'utf8')));
  const artifact = positionals[0] ? readFileSync(positionals[0]) : undefined;
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(rootJson)));
  // @sigstore/verify matches the SAN as a regular expression; an exact identity is anchored and escaped.
  const san = values['identity-regexp'] ?? `^${escape(values.identity)}$`;
  const signer = verifier.verify(toSignedEntity(bundle, artifact), { subjectAlternativeName: san, extensions: { issuer: values.issuer } });
  console.log(`Verified OK: signed by ${signer.identity?.subjectAlternativeName} (issuer ${signer.identity?.extensions?.issuer})`);
} catch (err) {
  console.error(`verify-bundle: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
