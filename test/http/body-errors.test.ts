/**
 * A body that is not JSON, or too large, is answered by the API it was sent to, in that API's
 * error shape: Rekor {code, message}, Fulcio {code (gRPC), message, details}, CT plain text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('unparsable request bodies, per API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SEALHOUSE_MAX_BODY_BYTES: '4096' });
  });
  after(async () => server.close());

  const post = (path: string, body: string): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('Rekor: 400 / 413 with {code, message}', async () => {
    const bad = await post('/api/v1/log/entries', '{"kind":');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /not valid JSON/);
    const big = await post('/api/v1/log/entries', JSON.stringify({ kind: 'x'.repeat(10_000) }));
    assert.equal(big.status, 413);
    assert.deepEqual(await big.json(), { code: 413, message: 'Request Entity Too Large. Limit set to 4096' });
  });

  it('Fulcio: 400 / 413 with {code: <gRPC>, message, details}', async () => {
    const bad = await post('/api/v2/signingCert', '{"credentials":');
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { code: number; message: string; details: unknown[] };
    assert.equal(badBody.code, 3);
    assert.match(badBody.message, /not valid JSON/);
    assert.deepEqual(badBody.details, []);
    const big = await post('/api/v2/signingCert', JSON.stringify({ credentials: { oidcIdentityToken: 'x'.repeat(10_000) } }));
    assert.equal(big.status, 413);
    assert.deepEqual(await big.json(), { code: 8, message: 'Request Entity Too Large. Limit set to 4096', details: [] });
    const legacy = await post('/api/v1/signingCert', 'not json');
    assert.equal(legacy.status, 400);
    assert.equal(((await legacy.json()) as { code: number }).code, 3);
  });

  it('CT: 400 in plain text', async () => {
    const bad = await post('/ct/v1/add-chain', '{"chain":[');
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await bad.text(), /not valid JSON/);
  });

  it('keeps serving afterwards', async () => {
    assert.equal((await fetch(`${server.url}/api/v1/log`)).status, 200);
  });
});
