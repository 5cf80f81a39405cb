/**
 * The page's verification code (src/core, run here in Node) against the shared public vectors:
 * every transparency-dev Merkle probe, the production Rekor checkpoints, entries and SETs
 * (valid ones verify, every tampered variant fails), and certificate decoding cross-checked
 * with node:crypto. The browser tests (search/entry/log) then show the same code in the page.
 */
import { nodeSha256 } from '../../src/node-crypto.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { base64ToBytes } from '../../src/core/bytes.js';
import { parseCheckpoint, verifyCheckpointSignature } from '../../src/core/checkpoint.js';
import { decodeBody, parseBodyJson } from '../../src/core/body.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/merkle.js';
import { commitShaHash, parseSearch } from '../../ui/query.js';
import { verifySet } from '../../src/core/set.js';
import { logFromPem, logFromSpki, logsFromTrustedRoot, type TrustedLog } from '../../src/core/trust.js';
import { verifyEntry, verifyLogCheckpoint, type LogEntryAnon } from '../../src/core/verify-entry.js';
import { nodeCrypto as crypto } from '../../src/node-crypto.js';
import { listJson, readVector, readVectorJson } from '../helpers/vectors.js';

const b64 = (s: string | null): Uint8Array => base64ToBytes(s ?? '');
const productionRoot = readVectorJson('rekor/production_trusted_root.json');
const production = logsFromTrustedRoot(crypto, productionRoot);
const [rekor] = production;
assert.ok(rekor);

const outcome = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

describe('browser Merkle verification: transparency-dev probes', () => {
  for (const file of listJson('merkle/transparency-dev-probes/inclusion')) {
    const p = readVectorJson<{ leafIdx: number; treeSize: number; root: string | null; leafHash: string | null; proof: string[] | null; wantErr: boolean; desc: string }>(file);
    it(`inclusion ${file.split('/').slice(-2).join('/')}: ${p.desc}`, () => {
      assert.equal(outcome(() => verifyInclusion(nodeSha256, p.leafIdx, p.treeSize, b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root))), !p.wantErr);
    });
  }
  for (const file of listJson('merkle/transparency-dev-probes/consistency')) {
    const p = readVectorJson<{ size1: number; size2: number; root1: string | null; root2: string | null; proof: string[] | null; wantErr: boolean; desc: string }>(file);
    it(`consistency ${file.split('/').slice(-2).join('/')}: ${p.desc}`, () => {
      assert.equal(outcome(() => verifyConsistency(nodeSha256, p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64))), !p.wantErr);
    });
  }
});

describe('browser checkpoint verification: production Rekor checkpoints', () => {
  const key = { logId: Buffer.from(rekor.logIdHex, 'hex'), spki: rekor.key.der, name: rekor.signerNames[0] };
  const manifest = readVectorJson<{ groups: { group: string; cases?: { file: string; expected: string }[] }[] }>('manifest.json');
  for (const c of manifest.groups.find((g) => g.group === 'checkpoints')?.cases ?? []) {
    it(`${c.file} is ${c.expected}`, () => {
      const text = readVector(c.file);
      if (c.expected === 'invalid-parse') return void assert.throws(() => parseCheckpoint(text));
      const verifies = outcome(() => verifyCheckpointSignature(crypto, parseCheckpoint(text), key));
      assert.equal(verifies, c.expected === 'valid');
    });
  }
});

describe('browser entry verification: production Rekor entries', () => {
  interface Meta { id: string; files: { logentry: string }; checked_result: { checks_run: string[] } }
  const manifest = readVectorJson<{ groups: { group: string; entries?: Meta[] }[] }>('manifest.json');
  const renamed: Record<string, string> = { 'entry-uuid': 'uuid' };
  for (const meta of manifest.groups.find((g) => g.group === 'rekor')?.entries ?? []) {
    const [[uuid, entry]] = Object.entries(readVectorJson<Record<string, LogEntryAnon>>(meta.files.logentry)) as [[string, LogEntryAnon]];
    it(`${meta.id}: verified, with the checks the manifest lists`, () => {
      const v = verifyEntry(uuid, entry, { logs: production, trustedRoot: productionRoot, crypto });
      assert.equal(v.verified, true, v.summary);
      const passed: string[] = v.checks.filter((c) => c.status === 'ok').map((c) => c.id);
      // An inclusion proof counts only against a signed checkpoint: without one it proves nothing.
      const expected = meta.checked_result.checks_run.filter((c) => c !== 'inclusion' || entry.verification?.inclusionProof?.checkpoint !== undefined);
      for (const want of expected) assert.ok(passed.includes(renamed[want] ?? want), `${want} passed (${JSON.stringify(v.checks)})`);
      // Production Fulcio certificates chain to the production root with production SCTs.
      assert.equal(v.identity.status, v.checks.some((c) => c.id === 'cert-time' && c.status === 'ok') ? 'verified' : 'none', v.identity.detail);
      assert.equal(v.checks.filter((c) => c.status === 'failed').length, 0);
    });
    it(`${meta.id}: tampering with the body, time, index or proof fails`, () => {
      const body = Buffer.from(entry.body, 'base64');
      body.writeUInt8(body.readUInt8(body.length - 3) ^ 1, body.length - 3);
      const variants: LogEntryAnon[] = [{ ...entry, body: body.toString('base64') }, { ...entry, integratedTime: entry.integratedTime + 1 }, { ...entry, logIndex: entry.logIndex + 1 }];
      const proof = entry.verification?.inclusionProof;
      if (proof && proof.hashes.length > 0) {
        const hashes = [...proof.hashes];
        hashes[0] = createHash('sha256').update('x').digest('hex');
        variants.push({ ...entry, verification: { ...entry.verification, inclusionProof: { ...proof, hashes } } });
      }
      for (const variant of variants) {
        const v = verifyEntry(uuid, variant, { logs: production, crypto });
        // integratedTime/logIndex are covered only by the SET; an entry without one cannot notice them.
        if (!entry.verification?.signedEntryTimestamp && variant.body === entry.body && variant.verification === entry.verification) continue;
        assert.equal(v.verified, false, `variant still verifies: ${JSON.stringify(variant).slice(0, 200)}`);
      }
    });
  }
  it('a certificate that does not chain to the trusted CA: the log checks pass, the identity is NOT verified', () => {
    const [uuid, entry] = Object.entries(readVectorJson<Record<string, LogEntryAnon>>('rekor/entries/cpython-3.12.5-release.logentry.json'))[0] as [string, LogEntryAnon];
    // The production root without its Fulcio CAs: the certificate has nothing to chain to.
    const withoutCas = { ...(productionRoot as Record<string, unknown>), certificateAuthorities: [] };
    const v = verifyEntry(uuid, entry, { logs: production, trustedRoot: withoutCas, crypto });
    assert.equal(v.verified, true, v.summary);
    assert.equal(v.identity.status, 'not-verified');
    assert.match(v.identity.detail, /^identity NOT verified: certificate does not chain to the trusted CA/);
    // With only the log key (no trusted root), nothing can vouch for the identity either.
    const keyOnly = verifyEntry(uuid, entry, { logs: production, crypto });
    assert.equal(keyOnly.verified, true);
    assert.equal(keyOnly.identity.status, 'not-verified');
    assert.match(keyOnly.identity.detail, /only the log key is trusted/);
  });

  it('a key that is not the log\'s fails with the reason', () => {
    const [uuid, entry] = Object.entries(readVectorJson<Record<string, LogEntryAnon>>('rekor/entries/cpython-3.12.5-release.logentry.json'))[0] as [string, LogEntryAnon];
    // The production CT log's key in the place of the Rekor key.
    const other = logsFromTrustedRoot(crypto, { ...(productionRoot as Record<string, unknown>), tlogs: [(productionRoot as { ctlogs: unknown[] }).ctlogs[0]] });
    const v = verifyEntry(uuid, entry, { logs: other, crypto });
    assert.equal(v.verified, false);
    assert.match(v.summary, /not a trusted log/);
  });
});

describe('browser SET verification: the walkthrough entry', () => {
  const doc = readVectorJson<{ cases: { id: string; expected: string; entry: LogEntryAnon; signedEntryTimestamp_b64: string }[] }>('rekor/walkthrough_entry_62432866.json');
  for (const c of doc.cases) {
    it(`${c.id} is ${c.expected}`, () => {
      const set = c.signedEntryTimestamp_b64;
      assert.equal(outcome(() => assert.ok(verifySet(crypto, c.entry, b64(set), rekor.key.der))), c.expected === 'valid');
    });
  }
});

describe('browser certificate and body decoding', () => {
  it('decodes a production Fulcio certificate the way node:crypto does, with its Fulcio extensions', () => {
    const entry = Object.values(readVectorJson<Record<string, LogEntryAnon>>('rekor/entries/cpython-3.12.5-release.logentry.json'))[0] as LogEntryAnon;
    const body = decodeBody(parseBodyJson(entry.body));
    assert.equal(body.kind, 'hashedrekord');
    const cert = body.kind === 'hashedrekord' ? body.signature.verifier.certificates[0] : undefined;
    assert.ok(cert);
    const node = new X509Certificate(Buffer.from(cert.der));
    assert.equal(cert.serialHex, node.serialNumber.toLowerCase());
    assert.equal(cert.notBefore.getTime(), new Date(node.validFrom).getTime());
    assert.equal(cert.notAfter.getTime(), new Date(node.validTo).getTime());
    assert.deepEqual(cert.san.map((s) => `${s.type === 'email' ? 'email' : 'URI'}:${s.value}`).join(', '), node.subjectAltName);
    assert.deepEqual(cert.keyUsage, ['Digital Signature']);
    assert.deepEqual(cert.extKeyUsage, ['Code Signing']);
    const issuer = cert.fulcio.find((f) => f.arc === 8) ?? cert.fulcio.find((f) => f.arc === 1);
    assert.match(issuer?.value ?? '', /^https:\/\//);
    assert.ok(cert.scts.length >= 1);
  });

  it('decodes an intoto 0.0.2 body: payload type, hashes and the signing certificate', () => {
    const entry = Object.values(readVectorJson<Record<string, LogEntryAnon>>('rekor/entries/npm-provenance-sigstore-go-example.logentry.json'))[0] as LogEntryAnon;
    const body = decodeBody(parseBodyJson(entry.body));
    assert.equal(body.kind, 'intoto');
    if (body.kind !== 'intoto') return;
    assert.equal(body.apiVersion, '0.0.2');
    assert.equal(body.payloadType, 'application/vnd.in-toto+json');
    assert.equal(body.payloadHash?.algorithm, 'sha256');
    assert.match(body.hash?.value ?? '', /^[0-9a-f]{64}$/);
    assert.equal(body.signatures.length, 1);
    assert.equal(body.signatures[0]?.verifier.error, undefined);
    assert.match(body.signatures[0]?.verifier.certificates[0]?.san[0]?.value ?? '', /^https:\/\/github\.com\//);
  });

  it('reads a PEM log key the way the trusted root names it', () => {
    const log = logFromPem(crypto, readVector('rekor/rekor.pub'));
    assert.equal(log.logIdHex, rekor.logIdHex);
    assert.equal(log.logIdHex, 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
  });
});

describe('search input', () => {
  it('finds a gitsign commit under sha256 of the commit SHA text', () => {
    const sha = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
    assert.equal(commitShaHash(sha), `sha256:${createHash('sha256').update(sha, 'utf8').digest('hex')}`);
    assert.deepEqual(parseSearch('commitSha', ` ${sha.toUpperCase()} `), { attribute: 'commitSha', value: sha, kind: 'index', request: { hash: commitShaHash(sha) }, note: `gitsign entries are logged under ${commitShaHash(sha)} (SHA-256 of the commit SHA text)` });
  });
  it('accepts a sha256 with or without its prefix, and explains what is wrong otherwise', () => {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(parseSearch('hash', hex), { attribute: 'hash', value: `sha256:${hex}`, kind: 'index', request: { hash: `sha256:${hex}` } });
    assert.deepEqual(parseSearch('hash', `SHA256:${hex.toUpperCase()}`), parseSearch('hash', hex));
    assert.throws(() => parseSearch('hash', 'ab'.repeat(20)), /Git commit SHA/);
    assert.throws(() => parseSearch('hash', 'xyz'), /not a SHA-256 hash/);
    assert.throws(() => parseSearch('email', 'alice'), /not an email address/);
    assert.throws(() => parseSearch('uuid', 'ab'.repeat(10)), /not an entry UUID/);
    assert.throws(() => parseSearch('logIndex', '-1'), /not a log index/);
    assert.throws(() => parseSearch('logIndex', ''), /Type something/);
  });
});

/**
 * Entries and checkpoints made here with a throwaway log key, for what production vectors
 * cannot show: an entry the log never signed for, checkpoints that differ from a verified one
 * only in the key hint or signer name, and a log served from a URL with a port.
 */
describe('entry verifier: only signed statements count', () => {
  const logKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = logKey.publicKey.export({ type: 'spki', format: 'der' });
  const logIdHex = createHash('sha256').update(spki).digest('hex');
  const trusted = (baseUrl = 'https://log.example:8000'): TrustedLog => logFromSpki(crypto, spki, { baseUrl });
  const leafOf = (body: string): Buffer => createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(body, 'base64')])).digest();
  const signNote = (text: string, name: string, key = logKey.privateKey, hint = Buffer.from(logIdHex.slice(0, 8), 'hex')): string =>
    `${text}\n\u2014 ${name} ${Buffer.concat([hint, sign('sha256', Buffer.from(text), key)]).toString('base64')}\n`;
  const noteFor = (size: number, root: Buffer, origin = 'log.example - 1'): string => `${origin}\n${size}\n${root.toString('base64')}\n`;

  /** A hashedrekord body signed with a bare key: its body checks pass, so only the log checks decide. */
  function bareKeyBody(): string {
    const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const artifact = Buffer.from(`artifact ${Math.random()}`);
    return Buffer.from(JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: { content: sign('sha256', artifact, signer.privateKey).toString('base64'), publicKey: { content: Buffer.from(signer.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64') } },
      },
    })).toString('base64');
  }

  /** A one-leaf tree whose root is the leaf: the proof is empty, so anyone can make it. */
  function neverLogged(checkpoint?: string): [string, LogEntryAnon] {
    const body = bareKeyBody();
    const leaf = leafOf(body);
    const entry: LogEntryAnon = {
      body,
      integratedTime: Math.floor(Date.now() / 1000),
      logID: logIdHex,
      logIndex: 0,
      verification: { inclusionProof: { logIndex: 0, treeSize: 1, rootHash: leaf.toString('hex'), hashes: [], ...(checkpoint !== undefined ? { checkpoint } : {}) } },
    };
    return [leaf.toString('hex'), entry];
  }
  const status = (v: { checks: { id: string; status: string }[] }, id: string): string | undefined => v.checks.find((c) => c.id === id)?.status;

  it('a never-logged entry (no SET, tree size 1, root = leaf, no checkpoint) is not verified', () => {
    const [uuid, entry] = neverLogged();
    const v = verifyEntry(uuid, entry, { logs: [trusted()], crypto });
    assert.equal(v.verified, false, v.summary);
    assert.equal(status(v, 'inclusion'), 'skipped');
    assert.match(v.summary, /neither a SET nor an inclusion proof to a signed checkpoint/);
  });

  it('the same entry with a checkpoint signed by another key is not verified', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const [uuid, entry] = neverLogged();
    const root = Buffer.from(entry.verification?.inclusionProof?.rootHash ?? '', 'hex');
    const forged = signNote(noteFor(1, root), 'log.example:8000', other);
    entry.verification!.inclusionProof!.checkpoint = forged;
    const v = verifyEntry(uuid, entry, { logs: [trusted()], crypto });
    assert.equal(v.verified, false, v.summary);
    assert.equal(status(v, 'checkpoint'), 'failed');
    assert.equal(status(v, 'inclusion'), 'skipped');
  });

  it('control: the same shape with a checkpoint the trusted key signed verifies', () => {
    const [uuid, entry] = neverLogged();
    const root = Buffer.from(entry.verification?.inclusionProof?.rootHash ?? '', 'hex');
    entry.verification!.inclusionProof!.checkpoint = signNote(noteFor(1, root), 'log.example:8000');
    const v = verifyEntry(uuid, entry, { logs: [trusted()], crypto });
    assert.equal(v.verified, true, v.summary);
    assert.equal(status(v, 'inclusion'), 'ok');
  });

  it('a proof whose unsigned rootHash differs from the signed checkpoint root fails', () => {
    const [uuid, entry] = neverLogged();
    entry.verification!.inclusionProof!.checkpoint = signNote(noteFor(1, Buffer.alloc(32, 7)), 'log.example:8000');
    const v = verifyEntry(uuid, entry, { logs: [trusted()], crypto });
    assert.equal(v.verified, false);
    assert.match(v.summary, /is not the proof's root/);
  });

  it('a note with a wrong key hint fails even after the genuine note was verified', () => {
    const log = trusted();
    const text = noteFor(5, Buffer.alloc(32, 1));
    const genuine = signNote(text, 'log.example:8000');
    assert.equal(verifyLogCheckpoint(parseCheckpoint(genuine), log, crypto), 'log.example:8000');
    // Same signed text and signature bytes; only the 4-byte key hint differs.
    const raw = Buffer.from(genuine.split(' ').pop()!.trim(), 'base64');
    raw[0] = (raw[0] as number) ^ 0xff;
    const wrongHint = `${text}\n\u2014 log.example:8000 ${raw.toString('base64')}\n`;
    assert.throws(() => verifyLogCheckpoint(parseCheckpoint(wrongHint), log, crypto), /key hint/);
    // And another signer name over the same signature.
    const renamed = genuine.replace('\u2014 log.example:8000 ', '\u2014 evil.example ');
    assert.throws(() => verifyLogCheckpoint(parseCheckpoint(renamed), log, crypto), /not as the trusted log/);
  });

  it('a log at host:8000 verifies whether it signs as "host:8000" or "host"; another name does not', () => {
    const log = trusted('http://log.example:8000');
    assert.deepEqual(log.signerNames, ['log.example:8000', 'log.example']);
    const text = noteFor(3, Buffer.alloc(32, 2));
    assert.equal(verifyLogCheckpoint(parseCheckpoint(signNote(text, 'log.example:8000')), log, crypto), 'log.example:8000');
    assert.equal(verifyLogCheckpoint(parseCheckpoint(signNote(text, 'log.example')), log, crypto), 'log.example');
    assert.throws(() => verifyLogCheckpoint(parseCheckpoint(signNote(text, 'other.example')), log, crypto), /not as the trusted log/);
  });

  it('a trusted root whose validFor.end is null or absent has an open end', () => {
    const start = '2024-01-01T00:00:00Z';
    const root = (validFor: unknown): unknown => ({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: 'https://log.example', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor }, logId: { keyId: Buffer.from(logIdHex, 'hex').toString('base64') } }],
    });
    for (const validFor of [{ start, end: null }, { start }]) {
      const [log] = logsFromTrustedRoot(crypto, root(validFor));
      assert.equal(log?.validTo, undefined);
      assert.equal(log?.validFrom?.toISOString(), '2024-01-01T00:00:00.000Z');
      assert.deepEqual(log?.signerNames, ['log.example']);
    }
    assert.throws(() => logsFromTrustedRoot(crypto, root({ start, end: 'soon' })), /validFor\.end/);
  });
});

describe('entry verifier: malformed answers are reasons, never crashes', () => {
  const [uuid, entry] = Object.entries(readVectorJson<Record<string, LogEntryAnon>>('rekor/entries/sigstore-python-no-signed-time.logentry.json'))[0] as [string, LogEntryAnon];
  const proof = entry.verification?.inclusionProof;
  assert.ok(proof);
  const bad: [string, unknown][] = [
    ['logID a number', { ...entry, logID: 42 }],
    ['verification null', { ...entry, verification: null }],
    ['hashes a string', { ...entry, verification: { inclusionProof: { ...proof, hashes: 'ab' } } }],
    ['hashes with a non-hex string', { ...entry, verification: { inclusionProof: { ...proof, hashes: ['zz'] } } }],
    ['treeSize a string', { ...entry, verification: { inclusionProof: { ...proof, treeSize: '7' } } }],
    ['checkpoint a number', { ...entry, verification: { inclusionProof: { ...proof, checkpoint: 7 } } }],
    ['rootHash missing', { ...entry, verification: { inclusionProof: { ...proof, rootHash: undefined } } }],
    ['body a number', { ...entry, body: 5 }],
    ['integratedTime a string', { ...entry, integratedTime: 'now' }],
  ];
  for (const [what, variant] of bad) {
    it(`${what}: not verified, with a reason`, () => {
      const v = verifyEntry(uuid, variant as LogEntryAnon, { logs: production, trustedRoot: productionRoot, crypto });
      assert.equal(v.verified, false, what);
      assert.ok(v.summary.length > 0);
    });
  }
});
