/**
 * Issue 8, hostile keys and chains on the Rekor side, against a running server: a certificate
 * whose EC key is the point at infinity (it used to abort the whole Node 20 process inside
 * `asymmetricKeyDetails`) in a hashedrekord and in index/retrieve, and the repeated-CA "chain"
 * that made path building try every ordering (P-256 8.9 s, P-521 > 60 s). Each must be a quick
 * 400 with a readable reason, and the server must serve the next request.
 *
 * The direct parser checks run in a child process: if the abort ever comes back, that child dies
 * (and the test says so) instead of the test runner.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkSpki } from '../../src/entries/spki-check.js';
import { hashedrekord, infinityCertificate, INFINITY_SPKI, pem, repeatedCaChain, tlv } from '../helpers/hostile-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const GARBAGE_SIG = Buffer.from('3006020101020101', 'hex');

describe('public keys are read from their bytes before node:crypto sees them', () => {
  it('refuses the point at infinity and other broken keys in a child process that survives', () => {
    const keys = new URL('../../src/entries/keys.js', import.meta.url).href;
    const ca = new URL('../../src/ca/public-key.js', import.meta.url).href;
    const helpers = new URL('../helpers/hostile-keys.js', import.meta.url).href;
    const script = `
      const { parseVerifierMaterial } = await import(${JSON.stringify(keys)});
      const { parsePublicKey } = await import(${JSON.stringify(ca)});
      const h = await import(${JSON.stringify(helpers)});
      const out = [];
      const attempt = (f) => { try { f(); out.push('accepted'); } catch (e) { out.push(e.message); } };
      for (const curve of ['P-256', 'P-384', 'P-521']) {
        attempt(() => parseVerifierMaterial(Buffer.from(h.pem('PUBLIC KEY', h.INFINITY_SPKI[curve])), 'public key'));
        attempt(() => parseVerifierMaterial(Buffer.from(h.pem('CERTIFICATE', h.infinityCertificate(curve))), 'public key'));
        attempt(() => parsePublicKey(h.INFINITY_SPKI[curve]));
      }
      console.log(JSON.stringify(out));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
    assert.equal(child.status, 0, `the child process died (signal ${child.signal ?? 'none'}): ${child.stderr.slice(0, 400)}`);
    const results = JSON.parse(child.stdout) as string[];
    assert.equal(results.length, 9);
    for (const r of results) assert.match(r, /point at infinity/);
  });

  it('refuses compressed, off-curve, small-order, oversized and odd keys with a reason', () => {
    const ecPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
    const offCurve = Buffer.concat([ecPrefix, Buffer.from([4]), Buffer.alloc(64, 1)]);
    const ed = (key: Buffer): Buffer => tlv(0x30, tlv(0x30, Buffer.from('06032b6570', 'hex')), tlv(0x03, Buffer.from([0]), key));
    const identity = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);
    const rsa = (n: Buffer, e: Buffer): Buffer =>
      tlv(0x30, Buffer.from('300d06092a864886f70d0101010500', 'hex'), tlv(0x03, Buffer.from([0]), tlv(0x30, tlv(0x02, n), tlv(0x02, e))));
    const odd = (bytes: number): Buffer => Buffer.concat([Buffer.from([0x00, 0xc1]), Buffer.alloc(bytes - 3, 0x11), Buffer.from([0x01])]);
    const cases: [Buffer, RegExp][] = [
      [INFINITY_SPKI['P-256'], /point at infinity/],
      [offCurve, /not on the curve/],
      [Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.from([2]), Buffer.alloc(32, 7)]), /uncompressed point/],
      [ed(identity), /small-order/],
      [ed(Buffer.alloc(31, 9)), /32 bytes, got 31/],
      [rsa(odd(1100), Buffer.from([1, 0, 1])), /RSA key too large: 8792 bits \(maximum 8192\)/],
      [rsa(odd(257), Buffer.from([1])), /exponent 1 is not allowed/],
      [rsa(odd(257), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff])), /exponent is too large/],
      [rsa(Buffer.concat([Buffer.from([0, 0x81]), Buffer.alloc(255, 2)]), Buffer.from([1, 0, 1])), /modulus is even/],
      [generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'der' }), /unsupported public key type ed448/],
      [Buffer.from('3003020101', 'hex'), /not a DER SubjectPublicKeyInfo/],
    ];
    for (const [der, reason] of cases) {
      const verdict = checkSpki(der);
      assert.equal(verdict.ok, false, `accepted ${der.toString('hex').slice(0, 40)}…`);
      if (!verdict.ok) assert.match(verdict.reason, reason);
    }
    for (const good of [
      generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
    ]) {
      const der = good.export({ type: 'spki', format: 'der' });
      const verdict = checkSpki(der);
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.reason);
      assert.deepEqual(verdict.key.der, der, 'accepted DER is what OpenSSL would re-export');
    }
  });
});

describe('hostile keys and chains against a running Rekor server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; message: string; ms: number }> {
    const t = performance.now();
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { message?: string };
    return { status: res.status, message: json.message ?? '', ms: performance.now() - t };
  }

  async function assertAlive(): Promise<void> {
    const res = await fetch(`${server.url}/api/v1/log`);
    assert.equal(res.status, 200, 'the server still answers');
    await res.arrayBuffer();
  }

  it('answers a hashedrekord whose certificate key is the point at infinity with 400, and keeps serving', async () => {
    const r = await post('/api/v1/log/entries', hashedrekord(pem('CERTIFICATE', infinityCertificate()), GARBAGE_SIG));
    assert.equal(r.status, 400, r.message);
    assert.match(r.message, /^error processing entry: public key: invalid certificate: public key: the EC point is the point at infinity$/);
    assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
    await assertAlive();
  });

  it('answers index/retrieve with the same certificate (and the bare key) with 400, and keeps serving', async () => {
    for (const text of [pem('CERTIFICATE', infinityCertificate()), pem('PUBLIC KEY', INFINITY_SPKI['P-384'])]) {
      const r = await post('/api/v1/index/retrieve', { publicKey: { format: 'x509', content: Buffer.from(text).toString('base64') } });
      assert.equal(r.status, 400, r.message);
      assert.match(r.message, /^public key provided could not be parsed: .*the EC point is the point at infinity$/);
      assert.ok(r.ms < 5_000, `took ${r.ms} ms`);
    }
    await assertAlive();
  });

  for (const curve of ['P-256', 'P-521'] as const) {
    it(`refuses the repeated-CA ${curve} chain quickly, with a garbage or a valid entry signature`, async () => {
      const chain = repeatedCaChain(curve);
      const garbage = await post('/api/v1/log/entries', hashedrekord(chain.pem, GARBAGE_SIG));
      assert.equal(garbage.status, 400, garbage.message);
      assert.match(garbage.message, new RegExp(`verifying signature: the ECDSA ${curve} signature does not verify`), 'the cheap check comes first');
      assert.ok(garbage.ms < 3_000, `took ${garbage.ms} ms`);
      // A valid signature by the CA key gets as far as chain building: bounded too.
      const hash = curve === 'P-521' ? 'sha512' : 'sha256';
      const valid = await post('/api/v1/log/entries', hashedrekord(chain.pem, sign(hash, Buffer.from('hostile artifact'), chain.caKey), 'hostile artifact', hash));
      assert.equal(valid.status, 400, valid.message);
      assert.match(valid.message, /certificate chain does not verify: no path from the leaf to the last certificate/);
      assert.ok(valid.ms < 3_000, `took ${valid.ms} ms`);
      await assertAlive();
    });
  }
});
