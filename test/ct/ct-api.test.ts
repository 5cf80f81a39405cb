/**
 * The CT log over HTTP (RFC 6962 §4) on a live server: every endpoint's wire shape — decoded
 * and checked cryptographically, not just by field names — and the plain-text 4xx errors of the
 * Go CT front end. The prefix is configurable (SEALHOUSE_CT_PREFIX).
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { precertEntry } from '../../src/ct/ct-submission.js';
import { parseExtraData, verifyTreeHead } from '../../src/ct/ct-wire.js';
import { LeafDraft } from '../../src/ca/leaf-certificate.js';
import { merkleTreeLeaf, sctFromJson, verifySct } from '../../src/ct/sct.js';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { EMAIL_EXTENSIONS, keyPair } from '../ca/fixtures.js';

const b64 = (b: Buffer): string => b.toString('base64');
const unb64 = (s: string): Buffer => Buffer.from(s, 'base64');

interface Sth {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

describe('CT log HTTP API', () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer({ SEALHOUSE_CT_PREFIX: '/ctlog' });
    base = `${server.url}/ctlog/ct/v1`;
  });
  after(async () => server.close());

  const ca = () => server.running.ca.keys.ca;
  const newPrecert = (): Buffer => new LeafDraft(ca(), { publicKey: keyPair('P-256').spki, san: { type: 'email', value: 'ct@example.com' }, extensions: EMAIL_EXTENSIONS }).precertificate();
  const post = (path: string, body: unknown) => fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}/${path}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };
  const sthOf = (j: Sth) => ({ treeSize: j.tree_size, timestamp: j.timestamp, rootHash: unb64(j.sha256_root_hash), signature: unb64(j.tree_head_signature) });

  it('add-pre-chain returns an AddChainResponse whose SCT verifies with the CT key', async () => {
    const precert = newPrecert();
    const res = await post('add-pre-chain', { chain: [precert, ...ca().chain].map(b64) });
    assert.equal(res.status, 200);
    const json = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['extensions', 'id', 'sct_version', 'signature', 'timestamp']);
    assert.equal(json.id, b64(server.running.ca.ct.signer.logId));
    const sct = sctFromJson(json);
    assert.ok(verifySct(sct, precertEntry(precert, ca().certificate), server.running.ca.ct.signer.publicKey));
  });

  it('get-sth, get-entries, get-proof-by-hash, get-entry-and-proof and get-sth-consistency agree and verify', async () => {
    const first = sthOf(await get<Sth>('get-sth'));
    for (let i = 0; i < 3; i++) assert.equal((await post('add-pre-chain', { chain: [newPrecert(), ...ca().chain].map(b64) })).status, 200);
    const sth = sthOf(await get<Sth>('get-sth'));
    assert.ok(verifyTreeHead(sth, server.running.ca.ct.signer.publicKey));
    assert.equal(sth.treeSize, first.treeSize + 3);

    const { entries } = await get<{ entries: { leaf_input: string; extra_data: string }[] }>(`get-entries?start=0&end=${sth.treeSize - 1}`);
    assert.equal(entries.length, sth.treeSize);
    const last = entries[sth.treeSize - 1] as { leaf_input: string; extra_data: string };
    const [precert, ...rest] = parseExtraData('precert', unb64(last.extra_data));
    assert.deepEqual(rest, ca().chain);
    const leafInput = unb64(last.leaf_input);
    const timestamp = Number(leafInput.readBigUInt64BE(2));
    assert.deepEqual(leafInput, merkleTreeLeaf(precertEntry(precert as Buffer, ca().certificate), timestamp));

    const hash = leafHash(leafInput);
    const proof = await get<{ leaf_index: number; audit_path: string[] }>(`get-proof-by-hash?hash=${encodeURIComponent(b64(hash))}&tree_size=${sth.treeSize}`);
    assert.equal(proof.leaf_index, sth.treeSize - 1);
    verifyInclusion(nodeSha256, proof.leaf_index, sth.treeSize, hash, proof.audit_path.map(unb64), sth.rootHash);

    const both = await get<{ leaf_input: string; extra_data: string; audit_path: string[] }>(`get-entry-and-proof?leaf_index=0&tree_size=${sth.treeSize}`);
    verifyInclusion(nodeSha256, 0, sth.treeSize, leafHash(unb64(both.leaf_input)), both.audit_path.map(unb64), sth.rootHash);

    const { consistency } = await get<{ consistency: string[] }>(`get-sth-consistency?first=${first.treeSize}&second=${sth.treeSize}`);
    verifyConsistency(nodeSha256, first.treeSize, sth.treeSize, first.rootHash, sth.rootHash, consistency.map(unb64));
  });

  it('get-roots lists the CA root', async () => {
    const { certificates } = await get<{ certificates: string[] }>('get-roots');
    assert.deepEqual(certificates, [b64(ca().chain[ca().chain.length - 1] as Buffer)]);
  });

  it('answers bad requests with plain-text 4xx errors a person can act on', async () => {
    const cases: [Promise<Response>, number, RegExp][] = [
      [post('add-pre-chain', { chain: [] }), 400, /at least one certificate/],
      [post('add-pre-chain', { chain: ['%%%'] }), 400, /chain\[0\] must be standard base64/],
      [post('add-pre-chain', { chain: [b64(Buffer.from('junk'))] }), 400, /cannot be parsed/],
      [post('add-chain', { chain: [newPrecert(), ...ca().chain].map(b64) }), 400, /must be submitted with add-pre-chain/],
      [fetch(`${base}/get-entries?start=5&end=1`), 400, /must not be less than start/],
      [fetch(`${base}/get-entries?start=-1&end=1`), 400, /start must be a non-negative decimal integer/],
      [fetch(`${base}/get-entries?start=100000&end=100001`), 400, /beyond the last entry/],
      [fetch(`${base}/get-sth-consistency?first=1&second=99999`), 400, /beyond the current tree size/],
      [fetch(`${base}/get-proof-by-hash?hash=${encodeURIComponent(b64(Buffer.alloc(32)))}&tree_size=1`), 404, /no leaf with hash/],
      [fetch(`${base}/get-proof-by-hash?hash=AAAA&tree_size=1`), 400, /32 bytes/],
      [fetch(`${base}/add-chain`), 405, /add-chain takes POST/],
    ];
    for (const [pending, status, message] of cases) {
      const res = await pending;
      assert.equal(res.status, status, message.source);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await res.text(), message);
    }
  });
});
