/**
 * Bad input over HTTP (DESIGN §5, rekor-api.md §1.0): every malformed, invalid or hostile
 * request gets the reference's 4xx and a `{code, message}` body whose message says what to fix —
 * never a 5xx — and the server keeps serving (and logs nothing) afterwards.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, create, dsseEntry, get, hashedrekord, intotoEntry, type EntrySigner, type ErrorBody, type HashedRekord } from './rekor-client.js';

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** The message (4xx bodies) or undefined for the empty-body 404s of the GET-entry endpoints. */
  readonly message?: RegExp;
}

let server: TestServer;
let valid: HashedRekord;
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const edit = (change: (e: HashedRekord) => void): HashedRekord => {
  const copy = structuredClone(valid);
  change(copy);
  return copy;
};
const withKey = (pair: { privateKey: EntrySigner['privateKey']; publicKey: { export(o: object): string | Buffer } }): EntrySigner => ({
  privateKey: pair.privateKey,
  pem: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
});

function cases(): Case[] {
  const json = JSON.stringify(valid);
  const dsse = dsseEntry(Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}'));
  const intoto = intotoEntry(Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}'));
  const other = hashedrekord('another artifact');
  return [
    { name: 'truncated JSON', body: json.slice(0, -7), status: 400, message: /^the request body is not valid JSON: / },
    { name: 'not JSON at all', body: 'kind=hashedrekord&apiVersion=0.0.1', status: 400, message: /^the request body is not valid JSON: / },
    { name: 'empty body', body: '', status: 422, message: /^the request body is empty; createLogEntry expects a JSON object$/ },
    { name: 'JSON array', body: '[]', status: 422, message: /the request body must be a JSON object, not an array$/ },
    { name: 'JSON string', body: '"hashedrekord"', status: 422, message: /the request body must be a JSON object, not a string$/ },
    { name: 'JSON null', body: 'null', status: 422, message: /the request body must be a JSON object, not null$/ },
    { name: '200k-deep nested arrays', body: `${'['.repeat(200_000)}${']'.repeat(200_000)}`, status: 422, message: /not an array$/ },
    { name: '2 MiB body', body: JSON.stringify({ ...valid, pad: 'x'.repeat(2 << 20) }), status: 413, message: /^Request Entity Too Large\. Limit set to 1048576$/ },
    { name: 'gzip bomb', body: gzipSync(Buffer.alloc(20 << 20, 0x20)), headers: { 'content-encoding': 'gzip' }, status: 413, message: /^Request Entity Too Large/ },
    { name: 'unknown content encoding', body: json, headers: { 'content-encoding': 'compress' }, status: 415, message: /^unsupported content encoding "compress"$/ },
    { name: 'kind of the wrong type', body: { ...valid, kind: 7 }, status: 422, message: /requestBody\.kind must be string/ },
    { name: 'no kind', body: { apiVersion: '0.0.1', spec: valid.spec }, status: 422, message: /required property 'kind'/ },
    { name: 'unknown kind', body: { ...valid, kind: 'sbom' }, status: 422, message: /^invalid kind value: "sbom"$/ },
    { name: 'Rekor-only kind', body: { ...valid, kind: 'rekord' }, status: 400, message: /^error processing entry: entry kind 'rekord' is not enabled for submission on this server \(supported: hashedrekord, dsse, intoto\)$/ },
    { name: 'unknown apiVersion (Rekor v2 shape)', body: { ...valid, apiVersion: '0.0.2' }, status: 422, message: /^invalid apiVersion value for kind "hashedrekord": "0\.0\.2" \(supported: 0\.0\.1\)$/ },
    { name: 'extra top-level property', body: { ...valid, attestation: {} }, status: 422, message: /^proposedEntry\.attestation in body is a forbidden property$/ },
    { name: 'spec of the wrong type', body: { ...valid, spec: 'x' }, status: 422, message: /requestBody\.spec must be object/ },
    { name: 'signature of the wrong type', body: edit((e) => void ((e.spec.signature as unknown as Record<string, unknown>).content = 12)), status: 422, message: /^spec\.signature\.content in body must be of type string: "integer"$/ },
    { name: 'digest algorithm md5', body: edit((e) => void (e.spec.data.hash.algorithm = 'md5')), status: 422, message: /^spec\.data\.hash\.algorithm in body should be one of \[sha256 sha384 sha512\]$/ },
    { name: 'bad base64 signature', body: edit((e) => void (e.spec.signature.content = 'MEUCIQ!!')), status: 400, message: /^error processing entry: spec\.signature\.content is not valid base64: illegal character "!" at offset 6$/ },
    { name: 'bad base64 key', body: edit((e) => void (e.spec.signature.publicKey.content = 'LS0tLS1CRUdJTi')), status: 400, message: /spec\.signature\.publicKey\.content is not valid base64: length 14 is not a multiple of 4/ },
    { name: 'bad hex digest', body: edit((e) => void (e.spec.data.hash.value = 'zz'.repeat(32))), status: 400, message: /^error processing entry: invalid value for hash: sha256 digest is not valid hex: illegal character "z" at offset 0$/ },
    { name: 'short digest', body: edit((e) => void (e.spec.data.hash.value = e.spec.data.hash.value.slice(2))), status: 400, message: /^error processing entry: invalid value for hash: sha256 digest must be 64 hex characters, got 62$/ },
    { name: 'sha384 with a sha256-sized digest', body: edit((e) => void (e.spec.data.hash.algorithm = 'sha384')), status: 400, message: /sha384 digest must be 96 hex characters, got 64/ },
    { name: 'not PEM', body: edit((e) => void (e.spec.signature.publicKey.content = b64('hello'))), status: 400, message: /^error processing entry: public key: no PEM block found \(expected PUBLIC KEY or CERTIFICATE\)$/ },
    { name: 'PEM with garbage DER', body: edit((e) => void (e.spec.signature.publicKey.content = b64('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'))), status: 400, message: /^error processing entry: public key: PUBLIC KEY is not well-formed DER$/ },
    { name: 'empty signature', body: edit((e) => void (e.spec.signature.content = '')), status: 400, message: /^error processing entry: missing signature: spec\.signature\.content is empty$/ },
    { name: 'signature that does not verify', body: edit((e) => void (e.spec.signature.content = other.spec.signature.content)), status: 400, message: /^error processing entry: verifying signature: the ECDSA P-256 signature does not verify over the given sha256 digest$/ },
    { name: 'signature by another key', body: edit((e) => void (e.spec.signature.publicKey.content = other.spec.signature.publicKey.content)), status: 400, message: /verifying signature: the ECDSA P-256 signature does not verify/ },
    { name: 'RSA-1024 key (too small)', body: hashedrekord('rsa', withKey(generateKeyPairSync('rsa', { modulusLength: 1024 }))), status: 400, message: /^error processing entry: public key: RSA key too small: 1024 bits \(minimum 2048\)$/ },
    { name: 'secp256k1 key', body: hashedrekord('k1', withKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }))), status: 400, message: /unsupported ECDSA curve secp256k1 \(use P-256, P-384 or P-521\)/ },
    { name: 'P-256 with sha512 (allow-list)', body: edit((e) => void (e.spec.data.hash.algorithm = 'sha512')), status: 400, message: /sha512 digest must be 128 hex characters/ },
    { name: 'dsse envelope that is not JSON', body: { ...dsse, spec: { proposedContent: { ...dsse.spec.proposedContent, envelope: '{"payload":' } } }, status: 400, message: /^error processing entry: DSSE envelope is not valid JSON: / },
    { name: 'dsse signature over another payload', body: { ...dsse, spec: { proposedContent: { ...dsse.spec.proposedContent, envelope: dsse.spec.proposedContent.envelope.replace(/"payload":"[^"]*"/, `"payload":"${b64('other')}"`) } } }, status: 400, message: /does not verify over the DSSE PAE/ },
    { name: 'intoto payload hash mismatch', body: { ...intoto, spec: { content: { ...intoto.spec.content, payloadHash: { algorithm: 'sha256', value: 'ab'.repeat(32) } } } }, status: 400, message: /^error processing entry: payloadHash does not match the envelope payload: sent (ab){32}, payload hashes to [0-9a-f]{64}$/ },
    { name: 'more than 10 items in a search', path: '/api/v1/log/entries/retrieve', body: { logIndexes: [0, 1, 2, 3, 4, 5], entryUUIDs: ['ab'.repeat(32), 'cd'.repeat(32), 'ef'.repeat(32), '01'.repeat(32), '23'.repeat(32)] }, status: 422, message: /^more than max allowed 10 entries in request$/ },
    { name: 'empty search body', path: '/api/v1/log/entries/retrieve', body: '', status: 422, message: /^the request body is empty; searchLogQuery expects a JSON object$/ },
    { name: 'empty index-search body', path: '/api/v1/index/retrieve', body: '', status: 422, message: /^the request body is empty; searchIndex expects a JSON object$/ },
    { name: 'a search body that is a string', path: '/api/v1/index/retrieve', body: '"alice@example.com"', status: 422, message: /the request body must be a JSON object, not a string$/ },
    { name: 'unsupported publicKey format (pgp)', path: '/api/v1/index/retrieve', body: { publicKey: { format: 'pgp', content: b64('x') } }, status: 400, message: /^the PKI format requested is not supported by this server: pgp/ },
    { name: 'unsupported publicKey format (minisign)', path: '/api/v1/index/retrieve', body: { publicKey: { format: 'minisign', content: b64('x') } }, status: 400, message: /not supported by this server: minisign/ },
    { name: 'unknown publicKey format', path: '/api/v1/index/retrieve', body: { publicKey: { format: 'openpgp', content: b64('x') } }, status: 422, message: /publicKey\.format must be equal to one of the allowed values/ },
    { name: '80-hex ID with an unknown tree', method: 'GET', path: `/api/v1/log/entries/${'7'.repeat(16)}${'ab'.repeat(32)}`, status: 404 },
    { name: '80-hex ID with tree 0', method: 'GET', path: `/api/v1/log/entries/${'0'.repeat(16)}${'ab'.repeat(32)}`, status: 400, message: /^validation error: tree ID 0/ },
    { name: 'negative logIndex', method: 'GET', path: '/api/v1/log/entries?logIndex=-5', status: 422, message: /query\.logIndex must be >= 0/ },
    { name: 'logIndex beyond int64', method: 'GET', path: '/api/v1/log/entries?logIndex=18446744073709551616', status: 422, message: /query\.logIndex must be at most 9223372036854775807 \(int64\)/ },
    { name: 'logIndex beyond 2^53', method: 'GET', path: '/api/v1/log/entries?logIndex=9007199254740993', status: 404 },
    { name: 'repeated logIndex', method: 'GET', path: '/api/v1/log/entries?logIndex=1&logIndex=2', status: 422, message: /query\.logIndex must be integer/ },
    { name: 'firstSize > lastSize', method: 'GET', path: '/api/v1/log/proof?firstSize=3&lastSize=2', status: 400, message: /^firstSize\(3\) must be less than lastSize\(2\)$/ },
    { name: 'lastSize beyond the tree', method: 'GET', path: '/api/v1/log/proof?lastSize=1000000', status: 400, message: /^the tree size requested\(1000000\) was greater than what is currently observable\(\d+\)$/ },
    { name: 'a method the API does not have', method: 'PUT', path: '/api/v1/log/entries', body: valid, status: 405, message: /^method PUT is not allowed on \/api\/v1\/log\/entries$/ },
  ];
}

before(async () => {
  server = await startTestServer();
  valid = hashedrekord('the one valid artifact');
  await create(server.url, hashedrekord('an entry so that proofs and indexes exist'));
});
after(() => server.close());

describe('bad input over HTTP', () => {
  it('answers each case with its 4xx and a message that says what to fix', async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      const reply = await call<ErrorBody>(server.url, c.method ?? 'POST', c.path ?? '/api/v1/log/entries', c.body, c.headers);
      const problems: string[] = [];
      if (reply.status !== c.status) problems.push(`status ${reply.status} (wanted ${c.status})`);
      if (c.message === undefined && reply.text !== '') problems.push(`a body on an empty-body answer: ${reply.text}`);
      if (c.message !== undefined && (reply.json?.code !== reply.status || !c.message.test(reply.json?.message ?? ''))) problems.push(`body ${reply.text}`);
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`);
    }
    assert.deepEqual(failures, []);
  });

  it('keeps serving afterwards, with nothing logged by the barrage', async () => {
    const { treeSize } = (await get<{ treeSize: number }>(server.url, '/api/v1/log')).json;
    assert.equal(treeSize, 1);
    await create(server.url, valid);
    assert.equal((await get<{ treeSize: number }>(server.url, '/api/v1/log')).json.treeSize, 2);
    assert.equal((await get(server.url, '/readyz')).status, 200);
  });
});
