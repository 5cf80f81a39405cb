/**
 * The timestamp authority of a live server: POST /api/v1/timestamp (DER and JSON) and
 * GET /api/v1/timestamp/certchain, proven by `openssl ts -verify` against the served chain, by
 * sigstore-js (@sigstore/sign's TSAWitness sends the JSON form; @sigstore/verify checks the token
 * with the served trusted_root.json and `timestampThreshold: 1`), and by our own core verifier;
 * refusals answer 400/415 in the API's `{code, message}` shape, never a 5xx. The trust documents
 * list the TSA, and `sealhouse trust-root` prints the same document the server serves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { PublicKey, TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { verifyTimestampToken } from '../../src/core/bundle/rfc3161.js';
import { parseTrustedRoot } from '../../src/core/bundle/trusted-root.js';
import { certificatesFromPem, toPem } from '../../src/core/pem.js';
import { nodeCrypto } from '../../src/node-crypto.js';
import { parseJsonTimestampRequest } from '../../src/tsa/timestamp-request.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTsa, opensslQuery, opensslVerify } from '../tsa/fixtures.js';

const artifact = Buffer.from('data a TSA client timestamps\n');

describe('TSA HTTP API', { timeout: 120_000 }, () => {
  let server: TestServer;
  let chainPem: string;
  let rootPem: string;
  let trustedRootText: string;
  const tsaUrl = (): string => `${server.url}/api/v1/timestamp`;

  before(async () => {
    server = await startTestServer();
    chainPem = await (await fetch(`${tsaUrl()}/certchain`)).text();
    const certs = certificatesFromPem(chainPem);
    rootPem = toPem(certs[certs.length - 1] as Uint8Array);
    trustedRootText = await (await fetch(`${server.url}/trusted_root.json`)).text();
  });
  after(() => server?.close());

  const postDer = (body: Uint8Array, type = 'application/timestamp-query'): Promise<Response> =>
    fetch(tsaUrl(), { method: 'POST', headers: { 'content-type': type }, body });
  const postJson = (body: unknown): Promise<Response> => fetch(tsaUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function reply(res: Response): Promise<Buffer> {
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/timestamp-reply');
    return Buffer.from(await res.arrayBuffer());
  }

  it('serves the chain [TSA certificate, root] as application/pem-certificate-chain, the chain the trust documents list', async () => {
    const res = await fetch(`${tsaUrl()}/certchain`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pem-certificate-chain');
    const served = certificatesFromPem(await res.text()).map((c) => Buffer.from(c).toString('base64'));
    assert.equal(served.length, 2);
    const root = JSON.parse(trustedRootText) as { timestampAuthorities: { uri: string; certChain: { certificates: { rawBytes: string }[] } }[] };
    assert.deepEqual(root.timestampAuthorities.map((a) => a.certChain.certificates.map((c) => c.rawBytes)), [served]);
    assert.match(root.timestampAuthorities[0]?.uri ?? '', /\/api\/v1\/timestamp$/);
    const signing = (await (await fetch(`${server.url}/signing_config.json`)).json()) as { tsaUrls: { url: string; majorApiVersion: number }[] };
    assert.deepEqual(signing.tsaUrls.map((s) => [s.url, s.majorApiVersion]), [[root.timestampAuthorities[0]?.uri, 1]]);
  });

  it('answers DER queries from openssl (with nonce and certReq, and without) with tokens `openssl ts -verify` accepts against the served chain', async () => {
    const withAll = opensslQuery(artifact, ['-sha256', '-cert']);
    const bare = opensslQuery(artifact, ['-sha512', '-no_nonce']);
    const files = {
      'data': artifact,
      'root.pem': rootPem,
      'chain.pem': chainPem,
      'a.tsq': withAll,
      'a.tsr': await reply(await postDer(withAll)),
      'b.tsq': bare,
      'b.tsr': await reply(await postDer(bare)),
    };
    const sha512 = createHash('sha512').update(artifact).digest('hex');
    for (const args of [
      (d: string) => ['-in', `${d}/a.tsr`, '-queryfile', `${d}/a.tsq`, '-CAfile', `${d}/root.pem`],
      (d: string) => ['-in', `${d}/a.tsr`, '-data', `${d}/data`, '-CAfile', `${d}/root.pem`],
      (d: string) => ['-in', `${d}/b.tsr`, '-queryfile', `${d}/b.tsq`, '-CAfile', `${d}/root.pem`, '-untrusted', `${d}/chain.pem`],
      (d: string) => ['-in', `${d}/b.tsr`, '-digest', sha512, '-CAfile', `${d}/root.pem`, '-untrusted', `${d}/chain.pem`],
    ]) {
      const result = opensslVerify(files, args);
      assert.ok(result.ok, result.output);
    }
    // The nonce is checked against the query: another query's nonce does not verify.
    const other = opensslQuery(artifact, ['-sha256', '-cert']);
    assert.ok(!opensslVerify({ ...files, 'o.tsq': other }, (d) => ['-in', `${d}/a.tsr`, '-queryfile', `${d}/o.tsq`, '-CAfile', `${d}/root.pem`]).ok);
  });

  it('reads a gzip-compressed DER query (the size limit applies to the inflated bytes)', async () => {
    const q = opensslQuery(artifact, ['-sha256', '-cert']);
    const res = await fetch(tsaUrl(), { method: 'POST', headers: { 'content-type': 'application/timestamp-query', 'content-encoding': 'gzip' }, body: gzipSync(q) });
    const result = opensslVerify({ 'q.tsq': q, 'r.tsr': await reply(res), 'root.pem': rootPem }, (d) => ['-in', `${d}/r.tsr`, '-queryfile', `${d}/q.tsq`, '-CAfile', `${d}/root.pem`]);
    assert.ok(result.ok, result.output);
  });

  it('answers the JSON form (certificates, nonce, our policy) with a token openssl accepts over the digest', async () => {
    const digest = createHash('sha384').update(artifact).digest();
    const token = await reply(await postJson({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha384', certificates: true, nonce: 42, tsaPolicyOID: '1.3.6.1.4.1.57264.2' }));
    const result = opensslVerify({ 't.tsr': token, 'root.pem': rootPem }, (d) => ['-in', `${d}/t.tsr`, '-digest', digest.toString('hex'), '-CAfile', `${d}/root.pem`]);
    assert.ok(result.ok, result.output);
  });

  it('sigstore-js: TSAWitness gets a timestamp over the signature, and @sigstore/verify accepts it with the served trusted root (timestampThreshold 1), refusing another TSA\'s', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const hint = 'sealhouse-tsa-test-key';
    const builder = new MessageSignatureBundleBuilder({
      signer: { sign: async (data: Buffer) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string, hint } }) },
      witnesses: [new TSAWitness({ tsaBaseURL: tsaUrl() })],
    });
    const bundle = bundleToJSON(await builder.create({ data: artifact }));
    assert.equal(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length, 1);
    const keys = { [hint]: PublicKey.fromJSON({ rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } }) };
    const verifier = (rootJson: unknown) => new Verifier(toTrustMaterial(TrustedRoot.fromJSON(rootJson), keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 });
    const served = JSON.parse(trustedRootText) as Record<string, unknown>;
    verifier(served).verify(toSignedEntity(bundleFromJSON(bundle), artifact));

    // Our core verifier agrees, over the same signature bytes.
    const token = Buffer.from(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0]?.signedTimestamp ?? '', 'base64');
    const signature = Buffer.from(bundle.messageSignature?.signature ?? '', 'base64');
    assert.ok(verifyTimestampToken(nodeCrypto, token, signature, parseTrustedRoot(served)).time instanceof Date);

    // The same bundle with a timestamp from another TSA key: neither verifier accepts it.
    const other = makeTsa();
    const foreign = other.signer.issue(parseJsonTimestampRequest({ artifactHash: createHash('sha256').update(signature).digest('base64'), hashAlgorithm: 'sha256' })).response;
    const forged = structuredClone(bundle);
    (forged.verificationMaterial.timestampVerificationData?.rfc3161Timestamps[0] as { signedTimestamp: string }).signedTimestamp = foreign.toString('base64');
    assert.throws(() => verifier(served).verify(toSignedEntity(bundleFromJSON(forged), artifact)), (err: { code?: string }) => err.code === 'TIMESTAMP_ERROR');
    assert.throws(() => verifyTimestampToken(nodeCrypto, foreign, signature, parseTrustedRoot(served)), /does not verify against the trusted timestamp authorities/);
  });

  const refusals: [string, () => Promise<Response>, number, RegExp][] = [
    ['a SHA-1 DER query', () => postDer(opensslQuery(artifact, ['-sha1'])), 400, /SHA-1 message imprints are refused as too weak/],
    ['a SHA-1 JSON request', () => postJson({ artifactHash: createHash('sha1').update(artifact).digest('base64'), hashAlgorithm: 'sha1' }), 400, /SHA-1/],
    ['an unknown hash algorithm', () => postJson({ artifactHash: createHash('md5').update(artifact).digest('base64'), hashAlgorithm: 'md5' }), 400, /unsupported hash algorithm "md5"/],
    ['a digest of the wrong length', () => postJson({ artifactHash: Buffer.alloc(20).toString('base64'), hashAlgorithm: 'sha256' }), 400, /20 bytes, but a SHA-256 digest is 32/],
    ['an unknown policy', () => postDer(opensslQuery(artifact, ['-sha256', '-tspolicy', '1.2.3.4'])), 400, /unaccepted policy 1\.2\.3\.4/],
    ['bad DER', () => postDer(Buffer.from('definitely not DER')), 400, /not a DER TimeStampReq/],
    ['an empty DER body', () => postDer(new Uint8Array(0)), 400, /body is empty/],
    ['a huge DER body', () => postDer(Buffer.alloc(200_000, 0x30)), 400, /the timestamp request is too large/],
    ['a JSON body over the server limit', () => postJson({ artifactHash: 'A'.repeat(2 * 1024 * 1024), hashAlgorithm: 'sha256' }), 400, /the timestamp request is too large/],
    ['malformed JSON', () => fetch(tsaUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"artifactHash":' }), 400, /not valid JSON/],
    ['a body that is not the gzip it claims', () => fetch(tsaUrl(), { method: 'POST', headers: { 'content-type': 'application/timestamp-query', 'content-encoding': 'gzip' }, body: Buffer.from('xx') }), 400, /not valid gzip data/],
    ['a text/plain body', () => postDer(Buffer.from('x'), 'text/plain'), 415, /Content-Type must be application\/timestamp-query .* or application\/json/],
    ['a body without Content-Type', () => fetch(tsaUrl(), { method: 'POST', body: new Uint8Array([0x30, 0x00]) }), 415, /Content-Type must be/],
  ];
  for (const [name, send, status, pattern] of refusals) {
    it(`refuses ${name}: ${status} {code, message}`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as { code: number; message: string };
      assert.equal(body.code, status);
      assert.match(body.message, pattern);
    });
  }

  it('counts issued tokens by request form in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /sealhouse_timestamps_issued_total\{form="der"\} [1-9]/);
    assert.match(text, /sealhouse_timestamps_issued_total\{form="json"\} [1-9]/);
  });

  it('`sealhouse trust-root` prints the trusted root the server serves, TSA included', async () => {
    await server.stop();
    const cli = await runCli(['trust-root'], { env: { ...process.env, ...server.env } });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout, trustedRootText);
  });
});
