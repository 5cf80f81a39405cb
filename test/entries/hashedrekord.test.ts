/**
 * hashedrekord v0.0.1: every key/digest combination against Rekor's default allow-list, custom
 * allow-lists, RSA size limits, PEM re-encoding, certificate chains and index keys.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isSealhouseError } from '../../src/errors.js';
import { canonicalizeProposedEntry, type EntryOptions } from '../../src/entries/index.js';
import { b64, digestOf, freshKey, makeCert, signData, testKey, type KeySpec, type TestKey } from './fixtures.js';

type Alg = 'sha256' | 'sha384' | 'sha512';

function proposal(key: TestKey, alg: Alg, pem = key.pem, data = Buffer.from('artifact'), sig = signData(key, alg, data)): object {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: alg, value: digestOf(alg, data).toString('hex') } },
      signature: { content: b64(sig), publicKey: { content: b64(pem) } },
    },
  };
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isSealhouseError(err), `expected SealhouseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

const ALLOWED: Record<string, Alg[]> = {
  'P-256': ['sha256'],
  'P-384': ['sha384'],
  'P-521': ['sha512'],
  'RSA-2048': ['sha256'],
  'RSA-3072': ['sha256'],
  'RSA-4096': ['sha256'],
  Ed25519: ['sha512'],
};

describe('hashedrekord: keys, digests and the default allow-list', () => {
  for (const [spec, allowed] of Object.entries(ALLOWED)) {
    for (const alg of ['sha256', 'sha384', 'sha512'] as Alg[]) {
      const ok = allowed.includes(alg);
      it(`${spec} with ${alg}: ${ok ? 'accepted' : 'rejected'}`, async () => {
        const key = await testKey(spec as KeySpec);
        const p = canonicalizeProposedEntry(proposal(key, alg));
        if (ok) {
          const entry = await p;
          assert.deepEqual(entry.leafHash, createHash('sha256').update(Buffer.from([0])).update(entry.body).digest());
          assert.equal(entry.indexKeys[0], createHash('sha256').update(key.pem).digest('hex'));
          assert.equal(entry.indexKeys.at(-1), `${alg}:${digestOf(alg, Buffer.from('artifact')).toString('hex')}`);
        } else if (spec === 'Ed25519') {
          await rejects(p, 'invalid_input', /Ed25519 keys are verified as Ed25519ph, which needs a sha512 digest, got sha/);
        } else {
          await rejects(p, 'invalid_input', /^error processing entry: entry algorithms are not allowed: (ECDSA P-\d+|RSA \d+) with sha\d+/);
        }
      });
    }
  }

  it('a custom allow-list is matched exactly', async () => {
    const opts: EntryOptions = { allowedAlgorithms: ['ecdsa-sha2-512-nistp521', 'ecdsa-sha2-256-nistp384'] };
    await rejects(canonicalizeProposedEntry(proposal(await testKey('P-256'), 'sha256'), opts), 'invalid_input', /not allowed: ECDSA P-256 with sha256/);
    await canonicalizeProposedEntry(proposal(await testKey('P-384'), 'sha256'), opts);
    // Search skips the allow-list, like Rekor's searchLogQuery.
    await canonicalizeProposedEntry(proposal(await testKey('P-256'), 'sha512'), { purpose: 'search' });
  });

  it('RSA-1024 is rejected with a clear message', async () => {
    await rejects(canonicalizeProposedEntry(proposal(await freshKey('RSA-1024'), 'sha256')), 'invalid_input', /RSA key too small: 1024 bits \(minimum 2048\)/);
  });

  it('raw r||s and high-S ECDSA signatures are accepted and stored as sent', async () => {
    const key = await testKey('P-256');
    const data = Buffer.from('artifact');
    const raw = signData(key, 'sha256', data, true);
    const entry = await canonicalizeProposedEntry(proposal(key, 'sha256', key.pem, data, raw));
    assert.match(entry.body.toString(), new RegExp(`"content":"${b64(raw).replace(/[+/]/g, '\\$&')}"`));
  });

  it('CRLF, re-wrapped and prefixed PEM give the same leaf as Go-style PEM', async () => {
    const key = await testKey('P-384');
    const data = Buffer.from('artifact');
    const sig = signData(key, 'sha384', data);
    const base = await canonicalizeProposedEntry(proposal(key, 'sha384', key.pem, data, sig));
    const body = key.pem.split('\n').filter((l) => !l.startsWith('-----')).join('');
    const variants = [
      key.pem.replace(/\n/g, '\r\n'),
      `-----BEGIN PUBLIC KEY-----\n${body.match(/.{1,40}/g)?.join('\n')}\n-----END PUBLIC KEY-----`,
      `Public key of the release team:\n\n${key.pem}\n\n`,
    ];
    for (const pem of variants) {
      const entry = await canonicalizeProposedEntry(proposal(key, 'sha384', pem, data, sig));
      assert.deepEqual(entry.leafHash, base.leafHash, JSON.stringify(pem));
    }
  });
});

describe('hashedrekord: certificates and chains', () => {
  const hour = 3_600_000;
  const t0 = Date.now() - 48 * hour;

  async function pki() {
    const root = await makeCert({ cn: 'root', key: await testKey('P-384'), ca: true, notBefore: new Date(t0), notAfter: new Date(t0 + 1000 * hour) });
    const inter = await makeCert({ cn: 'intermediate', key: await testKey('P-521'), issuer: root, ca: true, notBefore: new Date(t0), notAfter: new Date(t0 + 500 * hour) });
    const leaf = await makeCert({
      cn: '',
      key: await testKey('P-256'),
      issuer: inter,
      notBefore: new Date(t0 + hour),
      notAfter: new Date(t0 + hour + 600_000), // expired long ago, like every Fulcio certificate
      sans: { dns: ['Build.Example.com'], email: ['ci@example.com'], ip: [Buffer.from([192, 0, 2, 1]), Buffer.from('20010db8000000000000000000000001', 'hex')], uri: ['https://github.com/o/r/.github/workflows/x.yml@refs/heads/main'], fulcioUsername: 'Alice' },
    });
    return { root, inter, leaf };
  }

  it('a single expired certificate is accepted; SANs are indexed in Rekor order', async () => {
    const { leaf } = await pki();
    const entry = await canonicalizeProposedEntry(proposal(leaf.key, 'sha256', leaf.pem));
    assert.deepEqual(entry.indexKeys.slice(1, -1), [
      'build.example.com',
      'ci@example.com',
      '192.0.2.1',
      '2001:db8::1',
      'https://github.com/o/r/.github/workflows/x.yml@refs/heads/main',
      'alice',
    ]);
  });

  it('a valid chain is verified at the leaf NotBefore and stored as concatenated Go PEM', async () => {
    const { root, inter, leaf } = await pki();
    const chain = [leaf.pem, inter.pem, root.pem].join('').replace(/\n/g, '\r\n');
    const entry = await canonicalizeProposedEntry(proposal(leaf.key, 'sha256', chain));
    const body = JSON.parse(entry.body.toString()) as { spec: { signature: { publicKey: { content: string } } } };
    assert.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), leaf.pem + inter.pem + root.pem);
  });

  it('invalid chains are rejected', async () => {
    const { root, inter, leaf } = await pki();
    const other = await makeCert({ cn: 'other root', key: await freshKey('P-256'), ca: true, notBefore: new Date(t0) });
    const notCa = await makeCert({ cn: 'not a CA', key: await testKey('P-521'), issuer: root, ca: false, notBefore: new Date(t0) });
    const leaf2 = await makeCert({ cn: '', key: await testKey('P-256'), issuer: notCa, notBefore: new Date(t0 + hour) });
    const late = await makeCert({ cn: 'intermediate', key: await testKey('P-521'), issuer: root, ca: true, notBefore: new Date(t0 + 2 * hour) });
    const cases: [string, string][] = [
      ['missing intermediate', leaf.pem + root.pem],
      ['wrong root', leaf.pem + inter.pem + other.pem],
      ['intermediate without CA flag', leaf2.pem + notCa.pem + root.pem],
      ['intermediate not yet valid at leaf NotBefore', leaf.pem + late.pem + root.pem],
    ];
    for (const [name, chain] of cases) {
      const key = name.includes('CA flag') ? leaf2.key : leaf.key;
      await rejects(canonicalizeProposedEntry(proposal(key, 'sha256', chain)), 'invalid_input', /certificate chain does not verify/).catch((e: unknown) => {
        throw new Error(`${name}: ${String(e)}`);
      });
    }
    await rejects(canonicalizeProposedEntry(proposal(leaf.key, 'sha256', leaf.pem.repeat(11))), 'invalid_input', /11 PEM blocks \(at most 10 allowed\)/);
  });

  it('the signature must be by the leaf key', async () => {
    const { root, leaf } = await pki();
    await rejects(canonicalizeProposedEntry(proposal(root.key, 'sha256', leaf.pem)), 'invalid_input', /ECDSA P-256 signature does not verify/);
  });
});
