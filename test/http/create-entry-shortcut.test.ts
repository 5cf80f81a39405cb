/**
 * The createLogEntry shortcut (src/http/rekor-api.ts) may only take bodies that openapi-backend's
 * validation of createLogEntry accepts unchanged; everything else must fall through to it, so
 * that 4xx wording stays the schema's. Checked against the real API definition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRekorApi, schemaCertainlyAccepts } from '../../src/http/rekor-api.js';
import type { RekorApiDeps } from '../../src/http/rekor-api.js';

const spec = { data: { hash: { algorithm: 'sha256', value: 'ab'.repeat(32) } }, signature: { content: 'c2ln', publicKey: { content: 'a2V5' } } };
const bodies: [string, unknown, boolean][] = [
  ['a hashedrekord', { kind: 'hashedrekord', apiVersion: '0.0.1', spec }, true],
  ['no apiVersion', { kind: 'hashedrekord', spec }, true],
  ['no spec', { kind: 'hashedrekord', apiVersion: '0.0.1' }, true],
  ['an extra member', { kind: 'dsse', apiVersion: '0.0.1', spec: {}, extra: [1, 'x'] }, true],
  ['kind a number', { kind: 5, apiVersion: '0.0.1', spec }, false],
  ['apiVersion a number', { kind: 'hashedrekord', apiVersion: 1, spec }, false],
  ['spec an array', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: [] }, false],
  ['spec a string', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: 'x' }, false],
  ['no kind', { apiVersion: '0.0.1', spec }, false],
  ['a null deep inside', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: { ...spec, data: null } }, false],
  ['a null in an array', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: { list: [1, { a: null }] } }, false],
  ['an array body', [{ kind: 'hashedrekord' }], false],
  ['a string body', 'hashedrekord', false],
  ['a null body', null, false],
  ['an own __proto__ member', JSON.parse('{"kind":"hashedrekord","__proto__":{"x":1}}'), true],
];

describe('createLogEntry shortcut', () => {
  it('takes only bodies the schema accepts, and the expected ones', async () => {
    const api = await createRekorApi({ log: {}, draining: () => false } as unknown as RekorApiDeps);
    const operation = api.getOperation('createLogEntry');
    assert.ok(operation !== undefined);
    for (const [name, body, expected] of bodies) {
      const req = { method: 'POST', originalUrl: '/api/v1/log/entries', body: structuredClone(body) };
      const taken = schemaCertainlyAccepts(req, { locals: {} });
      assert.equal(taken, expected, name);
      if (taken) {
        const copy = structuredClone(body);
        const result = api.validateRequest({ method: 'post', path: '/api/v1/log/entries', headers: { 'content-type': 'application/json' }, body: copy }, operation);
        assert.equal(result.valid, true, `${name}: the schema refuses a body the shortcut takes`);
        assert.deepEqual(copy, body, `${name}: validation changed the body (coercion), so the shortcut must not take it`);
      }
    }
  });

  it('leaves other paths, methods, query strings and unparsed bodies to the API router', () => {
    const body = { kind: 'hashedrekord', apiVersion: '0.0.1', spec };
    const at = (method: string, originalUrl: string, locals: Record<string, unknown> = {}): boolean => schemaCertainlyAccepts({ method, originalUrl, body }, { locals });
    assert.equal(at('POST', '/api/v1/log/entries'), true);
    assert.equal(at('POST', '/api/v1/log/entries?x=1'), false);
    assert.equal(at('POST', '/api/v1/log/entries/'), false);
    assert.equal(at('POST', '/API/v1/log/entries'), false);
    assert.equal(at('PUT', '/api/v1/log/entries'), false);
    assert.equal(at('POST', '/api/v1/log/entries', { bodyError: new Error('not JSON') }), false);
  });
});
