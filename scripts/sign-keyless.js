#!/usr/bin/env node
// Keyless signing against a Sealhouse instance with sigstore-js (the `sigstore` package): an
// ephemeral key, a certificate from Sealhouse's Fulcio API (proof of possession over the token's
// identity), a Rekor entry, and the resulting Sigstore bundle printed as JSON on stdout.
//
//   node scripts/sign-keyless.js <file> [--url http://localhost:3000] [--token <jwt>] [--attest <payloadType>]
//
// The token is --token or $SIGSTORE_ID_TOKEN (e.g. from `sealhouse dev-token --email …`). With
// --attest, <file> is a DSSE payload (an in-toto statement) of that payload type.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attest, sign } from 'sigstore';

const USAGE = 'usage: node scripts/sign-keyless.js <file> [--url <sealhouse url>] [--token <jwt> | SIGSTORE_ID_TOKEN=<jwt>] [--attest <payloadType>]';
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string', default: 'http://localhost:3000' }, token: { type: 'string' }, attest: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (err) {
  console.error(`sign-keyless: ${err.message}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [file] = positionals;
const identityToken = values.token ?? process.env.SIGSTORE_ID_TOKEN;
if (!file || !identityToken) {
  console.error(USAGE);
  process.exit(2);
}
const url = values.url.replace(/\/+$/, '');
// Sealhouse serves Fulcio and Rekor from one base URL; no retries, so errors surface at once.
const options = { fulcioURL: url, rekorURL: url, identityToken, retry: 0, timeout: 30_000 };
try {
  const payload = readFileSync(file);
  const bundle = values.attest ? await attest(payload, values.attest, options) : await sign(payload, options);
  process.stdout.write(`${JSON.stringify(bundle, null, 2)}\n`);
} catch (err) {
  // sigstore-js wraps transport failures (e.g. ECONNREFUSED on a wrong --url): show the cause too.
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  const unreachable = /ECONNREFUSED|ENOTFOUND|fetch failed/.test(cause) ? ` — is Sealhouse running at ${url}? (--url)` : '';
  console.error(`sign-keyless: ${err instanceof Error ? err.message : String(err)}${cause}${unreachable}`);
  process.exit(1);
}
