/**
 * Verifications per second over a given digest, per back end (DESIGN.md §4): P-256 DER
 * signatures, RSA-2048 PKCS#1 v1.5 and Ed25519ph, plus node:crypto's ordinary (message-hashing)
 * verify as a reference and a whole hashedrekord canonicalization. Prints the median of RUNS
 * runs of ~RUN_MS each. Run: npx tsc -p . && node dist/bench/verify-digest-bench.js
 */
import { verify } from 'node:crypto';
import { canonicalizeProposedEntry } from '../src/entries/registry.js';
import { defaultBackend, verifyDigest, type VerifyBackend } from '../src/entries/digest-verify.js';
import { nativeVerifierStatus } from '../src/entries/native-verify.js';
import { parseVerifierMaterial } from '../src/entries/keys.js';
import { b64, digestOf, signData, testKey, type KeySpec } from '../test/entries/fixtures.js';

const RUNS = Number(process.env.RUNS ?? 5);
const RUN_MS = Number(process.env.RUN_MS ?? 1000);

async function rate(fn: () => unknown): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(RUN_MS) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 16; i++) await fn();
      n += 16;
      now = process.hrtime.bigint();
    }
    rates.push(n / (Number(now - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] as number;
}

async function row(label: string, fn: () => unknown): Promise<void> {
  const ok = await fn();
  if (ok !== true && typeof ok !== 'object') throw new Error(`${label}: sample does not verify`);
  console.log(`${label.padEnd(52)} ${Math.round(await rate(fn)).toString().padStart(8)} /s`);
}

async function digestCase(spec: KeySpec, backend: VerifyBackend): Promise<() => boolean> {
  const tk = await testKey(spec);
  const key = parseVerifierMaterial(Buffer.from(tk.pem), 'bench key').key;
  const alg = spec === 'Ed25519' ? 'sha512' : 'sha256';
  const data = Buffer.from('benchmark artifact');
  const digest = digestOf(alg, data);
  const sig = signData(tk, alg, data);
  return () => verifyDigest(key, alg, digest, sig, backend);
}

const status = nativeVerifierStatus();
console.log(`# node ${process.version}, native addon: ${status.loaded ? 'loaded' : 'unavailable'} (${status.detail})`);
console.log(`# median of ${RUNS} runs x ${RUN_MS} ms, one core; default back end: ${defaultBackend()}`);
if (status.loaded) {
  await row('P-256 DER, native OpenSSL addon (default when built)', await digestCase('P-256', 'native'));
  await row('RSA-2048, native OpenSSL addon (EVP, SPKI per call)', await digestCase('RSA-2048', 'native'));
}
await row('P-256 DER, @noble/curves (fallback)', await digestCase('P-256', 'js'));
await row('RSA-2048, crypto.publicDecrypt + DigestInfo (default)', await digestCase('RSA-2048', 'js'));
await row('Ed25519ph, @noble/curves (default, only path)', await digestCase('Ed25519', 'js'));

const p256 = await testKey('P-256');
const msg = Buffer.from('reference message');
const refSig = signData(p256, 'sha256', msg);
await row('reference: node:crypto verify P-256 (hashes message)', () => verify('sha256', msg, p256.publicKey, refSig));

const data = Buffer.from('artifact');
const proposed = {
  apiVersion: '0.0.1',
  kind: 'hashedrekord',
  spec: {
    data: { hash: { algorithm: 'sha256', value: digestOf('sha256', data).toString('hex') } },
    signature: { content: b64(signData(p256, 'sha256', data)), publicKey: { content: b64(p256.pem) } },
  },
};
await row(`hashedrekord canonicalize, P-256 key (${defaultBackend()})`, () => canonicalizeProposedEntry(proposed));
