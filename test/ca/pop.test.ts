/** Proof of possession: signatures over the challenge, CSRs, weak keys and the algorithm allow-list. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { verifyCsrProof, verifyPublicKeyProof } from '../../src/ca/pop.js';
import { pemBlocks, toPem } from '../../src/core/pem.js';
import { isSealhouseError } from '../../src/errors.js';
import { keyPair, openssl } from './fixtures.js';

const CHALLENGE = 'alice@example.com';

function signWithDefault(key: KeyObject, message: string): string {
  const data = Buffer.from(message);
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const hash = type === 'ed25519' ? null : curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
  return sign(hash, data, key).toString('base64');
}

/** Fails with invalid_input and a message starting with Fulcio's client text. */
function rejects(fn: () => unknown, prefix: string, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSealhouseError(err, 'invalid_input'), String(err));
    assert.ok(err.message.startsWith(prefix), err.message);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

const BAD_SIG = 'The signature supplied in the request could not be verified';
const INSECURE = 'The public key supplied in the request is insecure';
const UNPARSABLE_KEY = 'The public key supplied in the request could not be parsed';
const UNPARSABLE_CSR = 'The certificate signing request could not be parsed';

describe('public key + signature over the challenge', () => {
  const expected = {
    'P-256': 'ecdsa-sha2-256-nistp256',
    'P-384': 'ecdsa-sha2-384-nistp384',
    'P-521': 'ecdsa-sha2-512-nistp521',
    rsa2048: 'rsa-sign-pkcs1-2048-sha256',
    ed25519: 'ed25519',
  } as const;
  for (const [kind, algorithm] of Object.entries(expected) as [keyof typeof expected, string][]) {
    it(`${kind}: the key's default verifier accepts a signature over the right string only`, () => {
      const k = keyPair(kind);
      const proven = verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: signWithDefault(k.privateKey, CHALLENGE), challenges: [CHALLENGE] });
      assert.equal(proven.algorithm, algorithm);
      assert.deepEqual(proven.spki, k.spki);
      rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: signWithDefault(k.privateKey, 'someone-else'), challenges: [CHALLENGE] }), BAD_SIG);
    });
  }

  it('P-384 signed with SHA-256 is not the default verifier and fails', () => {
    const k = keyPair('P-384');
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: sign('sha256', Buffer.from(CHALLENGE), k.privateKey).toString('base64'), challenges: [CHALLENGE] }), BAD_SIG);
  });

  it('accepts DER bytes, base64 DER and raw signature bytes; any listed challenge', () => {
    const k = keyPair('P-256');
    const sig = signWithDefault(k.privateKey, 'user-1234');
    verifyPublicKeyProof({ publicKey: k.spki, proofOfPossession: Buffer.from(sig, 'base64'), challenges: [CHALLENGE, 'user-1234'] });
    verifyPublicKeyProof({ publicKey: k.spki.toString('base64'), proofOfPossession: sig, challenges: [CHALLENGE, 'user-1234'] });
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: sig, challenges: [CHALLENGE] }), BAD_SIG);
  });

  it('refuses weak and unsupported keys', () => {
    for (const [key, why] of [
      [keyPair('P-224').publicKey, /secp224r1/],
      [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, /secp256k1/],
      [keyPair('rsa1024').publicKey, /1024/],
      [generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey, /65537/],
      [generateKeyPairSync('ed448').publicKey, /ed448/],
    ] as [KeyObject, RegExp][]) {
      rejects(() => verifyPublicKeyProof({ publicKey: key.export({ type: 'spki', format: 'pem' }) as string, proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), INSECURE, why);
    }
  });

  it('reports unparsable keys and signatures without throwing TypeErrors', () => {
    const k = keyPair('P-256');
    rejects(() => verifyPublicKeyProof({ publicKey: '', proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), UNPARSABLE_KEY);
    rejects(() => verifyPublicKeyProof({ publicKey: 'not a key', proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), UNPARSABLE_KEY);
    rejects(() => verifyPublicKeyProof({ publicKey: '-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----', proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), UNPARSABLE_KEY);
    rejects(() => verifyPublicKeyProof({ publicKey: toPem(k.spki, 'CERTIFICATE'), proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), UNPARSABLE_KEY);
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: '%%%', challenges: [CHALLENGE] }), BAD_SIG, /base64/);
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: '', challenges: [CHALLENGE] }), BAD_SIG, /empty/);
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: 'MAYCAQECAQE=', challenges: [CHALLENGE] }), BAD_SIG);
    // Wrong JSON types from a careless caller are input errors too, never TypeErrors.
    rejects(() => verifyPublicKeyProof({ publicKey: 42 as unknown as string, proofOfPossession: 'AAAA', challenges: [CHALLENGE] }), UNPARSABLE_KEY);
    rejects(() => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: { x: 1 } as unknown as string, challenges: [CHALLENGE] }), BAD_SIG);
    rejects(() => verifyCsrProof(null as unknown as string), UNPARSABLE_CSR);
  });

  it('enforces the algorithm allow-list', () => {
    const k = keyPair('ed25519');
    assert.throws(
      () => verifyPublicKeyProof({ publicKey: k.pem, proofOfPossession: signWithDefault(k.privateKey, CHALLENGE), challenges: [CHALLENGE] }, ['ecdsa-sha2-256-nistp256']),
      /signing algorithm not permitted: ed25519/,
    );
  });
});

describe('certificate signing requests', () => {
  function csr(key: KeyObject, digest = 'sha256'): string {
    const args = (d: string): string[] => ['req', '-new', '-key', `${d}/key.pem`, '-subj', '/CN=ignored', ...(key.asymmetricKeyType === 'ed25519' ? [] : [`-${digest}`])];
    return openssl(args, { 'key.pem': key.export({ type: 'pkcs8', format: 'pem' }) as string });
  }

  it('accepts a valid CSR (PEM text or base64 of PEM) and takes the hash from its signature algorithm', () => {
    const k = keyPair('P-256');
    const pem = csr(k.privateKey);
    assert.equal(verifyCsrProof(pem).algorithm, 'ecdsa-sha2-256-nistp256');
    assert.deepEqual(verifyCsrProof(Buffer.from(pem).toString('base64')).spki, k.spki);
    assert.equal(verifyCsrProof(csr(keyPair('ed25519').privateKey)).algorithm, 'ed25519');
    assert.equal(verifyCsrProof(csr(keyPair('rsa2048').privateKey)).algorithm, 'rsa-sign-pkcs1-2048-sha256');
    assert.equal(verifyCsrProof(csr(keyPair('P-384').privateKey, 'sha384')).algorithm, 'ecdsa-sha2-384-nistp384');
  });

  it('refuses a P-256 CSR signed with SHA-384 by the default allow-list', () => {
    assert.throws(() => verifyCsrProof(csr(keyPair('P-256').privateKey, 'sha384')), /signing algorithm not permitted: ecdsa-sha2-384-nistp256/);
  });

  it('refuses a CSR whose self-signature does not verify', () => {
    const [block] = pemBlocks(csr(keyPair('P-256').privateKey));
    assert.ok(block);
    const der = Buffer.from(block.der);
    der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
    rejects(() => verifyCsrProof(toPem(der, 'CERTIFICATE REQUEST')), BAD_SIG);
  });

  it('refuses malformed CSRs and weak CSR keys', () => {
    rejects(() => verifyCsrProof('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), UNPARSABLE_CSR);
    rejects(() => verifyCsrProof('garbage'), UNPARSABLE_CSR);
    rejects(() => verifyCsrProof(keyPair('P-256').pem), UNPARSABLE_CSR);
    const [block] = pemBlocks(csr(keyPair('P-256').privateKey));
    rejects(() => verifyCsrProof(toPem(Buffer.concat([block?.der ?? Buffer.alloc(0), Buffer.from([0])]), 'CERTIFICATE REQUEST')), UNPARSABLE_CSR);
    rejects(() => verifyCsrProof(csr(keyPair('rsa1024').privateKey)), INSECURE);
    rejects(() => verifyCsrProof(csr(keyPair('P-224').privateKey)), INSECURE);
  });
});
