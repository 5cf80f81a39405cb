/**
 * What the browser can check about an entry's content, beyond the log's proofs: the integrated
 * time lies inside the signing certificate's validity (what sigstore verifiers require for a
 * Fulcio certificate, rekor-api.md §5.2), and a hashedrekord signature verifies over its digest
 * with the logged key (ECDSA only; the server checks every key type at submission).
 */
import { base64ToBytes, hexToBytes } from './bytes.js';
import { decodeBody, parseBodyJson, type DecodedBody } from './body.js';
import { verifyEcdsa } from './ecdsa.js';
import { run, type Check } from './checks.js';

const DIGEST_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function certTimeCheck(decoded: DecodedBody, integratedTime: number): Check {
  const certs = decoded.kind === 'hashedrekord' ? [decoded.signature] : decoded.kind === 'other' ? [] : decoded.signatures;
  const leaves = certs.flatMap((s) => s.verifier.certificates.slice(0, 1));
  const title = 'Integrated while the certificate was valid';
  if (leaves.length === 0) return run('cert-time', title, 'the entry is signed with a bare public key, not a certificate');
  return run('cert-time', title, () => {
    const t = new Date(integratedTime * 1000);
    for (const c of leaves) {
      if (t < c.notBefore || t > c.notAfter) {
        throw new Error(`integrated at ${t.toISOString()}, outside the certificate's validity ${c.notBefore.toISOString()} – ${c.notAfter.toISOString()}`);
      }
    }
    return `${t.toISOString()} is within ${leaves.map((c) => `${c.notBefore.toISOString()} – ${c.notAfter.toISOString()}`).join(', ')}`;
  });
}

function signatureCheck(decoded: DecodedBody): Check {
  const title = 'Artifact signature over the digest';
  if (decoded.kind !== 'hashedrekord') return run('signature', title, `a ${decoded.kind === 'other' ? decoded.name : decoded.kind} entry logs only hashes of the signed envelope`);
  const { hash, signature } = decoded;
  const key = signature.verifier.publicKey;
  if (!key) return run('signature', title, () => {
    throw new Error(signature.verifier.error ?? 'the entry has no readable key');
  });
  if (key.algorithm !== 'ecdsa' || !key.curve) return run('signature', title, `the browser checks ECDSA signatures only; this key is ${key.description}`);
  const curve = key.curve;
  return run('signature', title, () => {
    if (!hash || DIGEST_BYTES[hash.algorithm] === undefined) throw new Error('the entry has no sha256/sha384/sha512 digest');
    const digest = hexToBytes(hash.value);
    if (digest.length !== DIGEST_BYTES[hash.algorithm]) throw new Error(`the ${hash.algorithm} digest has ${digest.length} bytes`);
    if (!verifyEcdsa(curve, base64ToBytes(signature.signature), digest, key.keyBytes, { prehashed: true, allowRaw: true })) {
      throw new Error(`the signature does not verify over ${hash.algorithm}:${hash.value} with the logged ${key.description} key`);
    }
    return `${key.description} signature over ${hash.algorithm}:${hash.value}`;
  });
}

export function bodyChecks(bodyB64: string, integratedTime: number): Check[] {
  let decoded: DecodedBody;
  try {
    decoded = decodeBody(parseBodyJson(bodyB64));
  } catch (err) {
    return [run('signature', 'Entry body', () => {
      throw err;
    })];
  }
  return [certTimeCheck(decoded, integratedTime), signatureCheck(decoded)];
}
