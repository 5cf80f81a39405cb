/**
 * "Never let a TypeError escape on malformed input": every parser a request or a submitted chain
 * reaches is fed deterministically mutated and truncated DER, and must either succeed or throw a
 * SealhouseError with a code the HTTP layer can map to 4xx.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateCaChain } from '../../src/ca/ca-chain.js';
import { caFromPem } from '../../src/ca/ca-keys.js';
import { checkSubmittedChain, precertEntry, x509Entry } from '../../src/ct/ct-submission.js';
import { toPem } from '../../src/core/pem.js';
import { verifyCsrProof, verifyPublicKeyProof } from '../../src/ca/pop.js';
import { parseSctList } from '../../src/ct/sct.js';
import { readCertificate as parseCertificate, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { CoreError } from '../../src/core/errors.js';
import { SealhouseError } from '../../src/errors.js';

const ca = generateCaChain();
const caKeyPem = ca.intermediateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** A small LCG so any failure reproduces. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function mutate(input: Buffer, next: () => number): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(next() * 4);
  for (let j = 0; j < edits; j++) out[Math.floor(next() * out.length)] = Math.floor(next() * 256);
  return next() < 0.2 ? out.subarray(0, Math.floor(next() * out.length)) : out;
}

const parsers: Record<string, (der: Buffer) => unknown> = {
  parseCertificate: (der) => tbsWithoutExtension(parseCertificate(der).tbs, '1.2.3.4'),
  precertEntry: (der) => precertEntry(der, ca.root),
  x509Entry: (der) => x509Entry(der),
  checkSubmittedChain: (der) => checkSubmittedChain([der, ca.root], [ca.root]),
  parseSctList: (der) => parseSctList(der.subarray(0, 300)),
  verifyCsrProof: (der) => verifyCsrProof(toPem(der, 'CERTIFICATE REQUEST')),
  verifyPublicKeyProof: (der) => verifyPublicKeyProof({ publicKey: der, proofOfPossession: 'AAAA', challenges: ['x'] }),
  caFromPem: (der) => caFromPem(toPem(der) + toPem(ca.root), caKeyPem),
};

describe('malformed input never escapes as a TypeError', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(name, () => {
      const next = rng(name.length * 7919);
      for (let i = 0; i < 300; i++) {
        const input = mutate(ca.intermediate, next);
        try {
          parse(input);
        } catch (err) {
          // src/core refuses with a CoreError; the server's own parsers with a SealhouseError.
          assert.ok(err instanceof SealhouseError || err instanceof CoreError, `iteration ${i}: ${String(err)}`);
          assert.notEqual(err.code, 'internal');
        }
      }
    });
  }
});
