/**
 * Hostile dsse / intoto entries against a running server (issue 8): too many signatures or
 * verifiers are refused before any key is parsed, matching never tries the full cross
 * product, and a 25,000-subject statement is logged with a capped index. Each case asserts the
 * status and message, a time bound, that the server still answers, and what was (not) stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TYPE = 'application/vnd.in-toto+json';
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const sha256hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const pae = (type: string, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);

interface Key { privateKey: KeyObject; pem: string }
const newKey = (namedCurve = 'P-256'): Key => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const sigOver = (key: Key, payload: Buffer): string => b64(sign('sha256', pae(TYPE, payload), key.privateKey));

function dsse(payload: Buffer, signers: Key[], verifiers: Key[]): unknown {
  const envelope = JSON.stringify({ payloadType: TYPE, payload: b64(payload), signatures: signers.map((k) => ({ keyid: '', sig: sigOver(k, payload) })) });
  return { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope, verifiers: verifiers.map((k) => b64(k.pem)) } } };
}

function intoto(payload: Buffer, signers: Key[]): unknown {
  const signatures = signers.map((k) => ({ sig: b64(sigOver(k, payload)), publicKey: b64(k.pem) }));
  return {
    kind: 'intoto',
    apiVersion: '0.0.2',
    spec: { content: { envelope: { payloadType: TYPE, payload: b64(b64(payload)), signatures }, hash: { algorithm: 'sha256', value: sha256hex('x') }, payloadHash: { algorithm: 'sha256', value: sha256hex(payload) } } },
  };
}

const statement = (subject: unknown[]): Buffer => Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'x', predicate: {} }));

describe('hostile dsse and intoto entries', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  const treeSize = async (): Promise<number> => ((await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number }).treeSize;
  async function post(body: unknown): Promise<{ status: number; message: string; ms: number; bytes: number }> {
    const text = JSON.stringify(body);
    const start = performance.now();
    const res = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    const json = (await res.json()) as { message?: string };
    // HOSTILE_TIMINGS=1 prints each request's time (for the before/after table).
    if (process.env.HOSTILE_TIMINGS) console.log(`# ${res.status} in ${(performance.now() - start).toFixed(0)} ms, ${text.length} bytes`);
    return { status: res.status, message: json.message ?? '', ms: performance.now() - start, bytes: text.length };
  }
  async function assertAlive(): Promise<void> {
    const res = await fetch(`${server.url}/api/v1/log`);
    assert.equal(res.status, 200, 'the server still answers');
  }
  async function refused(body: unknown, message: RegExp, limitMs = 3000): Promise<void> {
    const before = await treeSize();
    const r = await post(body);
    assert.equal(r.status, 400, r.message);
    assert.match(r.message, message);
    assert.ok(r.ms < limitMs, `answered in ${r.ms.toFixed(0)} ms (${r.bytes} bytes)`);
    await assertAlive();
    assert.equal(await treeSize(), before, 'nothing was logged');
  }

  it('refuses a dsse entry with 300 signatures × 300 verifiers at once', async () => {
    const payload = statement([{ name: 'a', digest: { sha256: sha256hex('a') } }]);
    const keys = Array.from({ length: 300 }, () => newKey());
    await refused(dsse(payload, keys, keys), /spec\.proposedContent has 300 verifiers; at most 8 are accepted/);
    await refused(dsse(payload, keys, keys.slice(0, 1)), /DSSE envelope has 300 signatures; at most 8 are accepted/);
  });

  it('refuses a dsse entry with 300 verifiers before parsing them', async () => {
    const payload = statement([]);
    const signer = newKey();
    await refused(dsse(payload, [signer], [...Array.from({ length: 299 }, () => newKey()), signer]), /spec\.proposedContent has 300 verifiers; at most 8 are accepted/);
  });

  it('refuses intoto 0.0.2 with 300 signatures, each with its own key', async () => {
    const payload = statement([]);
    await refused(intoto(payload, Array.from({ length: 300 }, () => newKey())), /spec\.content\.envelope has 300 signatures; at most 8 are accepted/);
  });

  it('8 × 8 P-256 signatures and verifiers that never match: the 64 checks fit the budget, then a 400', async () => {
    const payload = statement([]);
    const strangers = Array.from({ length: 8 }, () => newKey());
    await refused(dsse(payload, strangers, Array.from({ length: 8 }, () => newKey())), /all signatures must have a key that verifies it: signature 1 of 8/, 2000);
  });

  it('8 P-521 signatures whose verifiers are listed in reverse: refused once the check budget is spent', async () => {
    // Every signature fails on its same-position verifier and most others: ~64 costly pairs.
    const keys = Array.from({ length: 8 }, () => newKey('P-521'));
    await refused(dsse(statement([]), [...keys].reverse(), keys), /exceeds this server's signature-check budget; list the verifiers in signature order/, 2000);
  });

  it('accepts 8 P-521 signatures, each checked against its own key first (intoto 0.0.2) or the same position (dsse)', async () => {
    const keys = Array.from({ length: 8 }, () => newKey('P-521'));
    const v2 = await post(intoto(statement([{ digest: { sha256: sha256hex('p521 v2') } }]), keys));
    assert.equal(v2.status, 201, v2.message);
    const d = await post(dsse(statement([{ digest: { sha256: sha256hex('p521 dsse') } }]), keys, keys));
    assert.equal(d.status, 201, d.message);
    assert.ok(v2.ms < 3000 && d.ms < 3000, `${v2.ms} ms, ${d.ms} ms`);
  });

  it('accepts 8 signatures with their verifiers in another order, and intoto 0.0.2 with 8 keys', async () => {
    const payload = statement([{ digest: { sha256: sha256hex('eight') } }]);
    const keys = Array.from({ length: 8 }, () => newKey());
    const r = await post(dsse(payload, keys, [...keys].reverse()));
    assert.equal(r.status, 201, r.message);
    assert.ok(r.ms < 3000, `${r.ms} ms`);
    const v2 = await post(intoto(statement([{ digest: { sha256: sha256hex('v2') } }]), keys));
    assert.equal(v2.status, 201, v2.message);
  });

  it('logs a dsse statement with 25,000 subjects but indexes only the first 1,024 digests', async () => {
    const first = sha256hex('subject 0');
    const late = sha256hex('subject 20000');
    const subjects = Array.from({ length: 25_000 }, (_, i) => ({ digest: i === 0 ? { sha256: first } : i === 20_000 ? { sha256: late } : { x: String(i) } }));
    const key = newKey();
    const before = await treeSize();
    const r = await post(dsse(statement(subjects), [key], [key]));
    assert.equal(r.status, 201, r.message);
    assert.ok(r.ms < 5000, `${r.ms} ms for ${r.bytes} bytes`);
    assert.equal(await treeSize(), before + 1);
    const search = async (hash: string): Promise<string[]> =>
      (await (await fetch(`${server.url}/api/v1/index/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hash: `sha256:${hash}` }) })).json()) as string[];
    assert.equal((await search(first)).length, 1, 'the first subject is indexed');
    assert.deepEqual(await search(late), [], 'subject 20,000 is beyond the cap');
    await assertAlive();
  });
});
