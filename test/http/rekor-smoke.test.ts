/** A first pass over the live API: every endpoint answers with the Rekor wire shape. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';

function hashedrekord(data: string): unknown {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } },
      signature: { content: sign('sha256', Buffer.from(data), privateKey).toString('base64'), publicKey: { content: Buffer.from(pem).toString('base64') } },
    },
  };
}

describe('Rekor API smoke test', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  it('creates an entry (201, ETag, Location), then rejects the duplicate (409, Location)', async () => {
    const proposed = hashedrekord('hello');
    const res = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(proposed), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201);
    const etag = res.headers.get('etag') ?? '';
    assert.match(etag, /^[0-9a-f]{80}$/);
    assert.equal(res.headers.get('location'), `/api/v1/log/entries/${etag}`);
    const body = (await res.json()) as Record<string, { logIndex: number; verification: { inclusionProof: { checkpoint: string } } }>;
    assert.deepEqual(Object.keys(body), [etag]);
    assert.equal(body[etag]?.logIndex, 0);

    const dup = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(proposed) });
    assert.equal(dup.status, 409);
    assert.equal(dup.headers.get('location'), `/api/v1/log/entries/${etag}`);
    const err = (await dup.json()) as { code: number; message: string };
    assert.equal(err.code, 409);
    assert.match(err.message, new RegExp(etag));

    const byId = await fetch(`${server.url}/api/v1/log/entries/${etag}`);
    assert.equal(byId.status, 200);
    const byIndex = await fetch(`${server.url}/api/v1/log/entries?logIndex=0`);
    assert.deepEqual(Object.keys((await byIndex.json()) as object), [etag]);
    const missing = await fetch(`${server.url}/api/v1/log/entries?logIndex=5`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), '');
  });
});
