/**
 * `sealhouse verify-entry` on production Rekor entries, offline: the v1 {uuid: entry} answers in
 * test/vectors/rekor/entries (the bare entry too), and TransparencyLogEntry objects taken from
 * real bundles (Rekor v1 with SET + proof, Rekor v2 with a checkpoint-signed proof). Each
 * tampered copy (body, SET, audit path, checkpoint) is exit 1 naming the failed check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { listJson, readVectorJson, vectorPath } from '../helpers/vectors.js';

const V1_ROOT = vectorPath('rekor/production_trusted_root.json');
const PRODUCTION = vectorPath('bundles/trusted_root.production.json');
const STAGING = vectorPath('bundles/trusted_root.staging.json');

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.SEALHOUSE_TRUSTED_ROOT;
  return e;
}
const cli = (args: string[], input?: string): Promise<CliResult> => runCli(['verify-entry', ...args], { env: env(), ...(input !== undefined ? { input } : {}) });

/** Flip one bit of a base64 field's decoded bytes. */
const flipB64 = (b64: string, at = 10): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return bytes.toString('base64');
};
const flipHex = (hex: string): string => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

interface V1Entry {
  body: string;
  logIndex: number;
  verification: { signedEntryTimestamp?: string; inclusionProof?: { hashes: string[]; checkpoint?: string } };
}

describe('sealhouse verify-entry: Rekor v1 entries as GET /api/v1/log/entries/{uuid} answers them', () => {
  const files = listJson('rekor/entries').filter((f) => f.endsWith('.logentry.json'));
  const work = mkdtempSync(join(tmpdir(), 'sealhouse-verify-entry-'));

  it(`every production entry verifies (${files.length} files), reading the file and standard input`, async () => {
    assert.ok(files.length >= 4);
    for (const f of files) {
      const r = await cli(['--trusted-root', V1_ROOT, '--entry', vectorPath(f)]);
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
      assert.match(r.stdout, /^Rekor entry [0-9a-f]{64,80} at log index \d+ against trusted root /m);
      assert.match(r.stdout, /^ {2}✓ Entry UUID is the hash of the body: /m);
      assert.match(r.stdout, /^OK: entry \d+ is in the log: /m);
    }
    const piped = await cli(['--trusted-root', V1_ROOT], readFileSync(vectorPath(files[0] ?? ''), 'utf8'));
    assert.equal(piped.status, 0, piped.stderr);
  });

  it('the bare entry (no UUID key) verifies, named by the hash of its body', async () => {
    const [[uuid, entry]] = Object.entries(readVectorJson<Record<string, V1Entry>>(files[0] ?? '')) as [[string, V1Entry]];
    const r = await cli(['--trusted-root', V1_ROOT], JSON.stringify(entry));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\(bare; body hashes to ${uuid.slice(-64)}\\)`));
  });

  it('tampered copies fail with the check that caught them', async () => {
    for (const f of files) {
      const [[uuid, entry]] = Object.entries(readVectorJson<Record<string, V1Entry>>(f)) as [[string, V1Entry]];
      const variants: [string, V1Entry, RegExp][] = [[`body`, { ...entry, body: flipB64(entry.body, 40) }, /✗ Entry UUID is the hash of the body: the body hashes to/]];
      if (entry.verification.signedEntryTimestamp) {
        variants.push(['SET', { ...entry, verification: { ...entry.verification, signedEntryTimestamp: flipB64(entry.verification.signedEntryTimestamp, 20) } }, /✗ Signed entry timestamp \(SET\): /]);
        variants.push(['log index', { ...entry, logIndex: entry.logIndex + 1 }, /✗ Signed entry timestamp \(SET\): /]);
      }
      const proof = entry.verification.inclusionProof;
      if (proof?.checkpoint && proof.hashes.length > 0) {
        variants.push(['audit path', { ...entry, verification: { ...entry.verification, inclusionProof: { ...proof, hashes: [flipHex(proof.hashes[0] ?? ''), ...proof.hashes.slice(1)] } } }, /✗ Inclusion proof/]);
      }
      for (const [what, variant, message] of variants) {
        const path = join(work, 'variant.json');
        writeFileSync(path, JSON.stringify({ [uuid]: variant }));
        const r = await cli(['--trusted-root', V1_ROOT, '--entry', path]);
        assert.equal(r.status, 1, `${f} with a tampered ${what} still verifies:\n${r.stdout}`);
        assert.match(r.stderr, message, `${f} ${what}`);
        assert.match(r.stderr, /^NOT verified: /m);
      }
    }
  });

  it('an entry of another log: not a trusted log', async () => {
    const r = await cli(['--trusted-root', STAGING, '--entry', vectorPath(files[0] ?? '')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a trusted log/);
  });

  it('usage and input mistakes: exit 2 for flags and operands, one line and exit 1 for files and JSON', async () => {
    const usage = [await cli(['--trusted-root', V1_ROOT, '--bogus']), await cli(['--trusted-root', V1_ROOT, 'entry.json']), await cli(['--entry', vectorPath(files[0] ?? '')])];
    for (const r of usage) {
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /usage: sealhouse verify-entry/);
    }
    assert.match(usage[2]?.stderr ?? '', /no trusted root/);
    writeFileSync(join(work, 'broken.json'), '{"a":');
    writeFileSync(join(work, 'odd.json'), '{"not-a-uuid": {"x": 1}}');
    const inputs: [string[], RegExp][] = [
      [['--trusted-root', V1_ROOT, '--entry', join(work, 'missing.json')], /^sealhouse: cannot read log entry .*missing\.json: no such file$/],
      [['--trusted-root', V1_ROOT, '--entry', join(work, 'broken.json')], /^sealhouse: log entry .*broken\.json is not valid JSON/],
      [['--trusted-root', V1_ROOT, '--entry', join(work, 'odd.json')], /^sealhouse: not a Rekor log entry: .*"not-a-uuid"/],
      [['--trusted-root', join(work, 'broken.json'), '--entry', vectorPath(files[0] ?? '')], /^sealhouse: trusted root .*broken\.json is not valid JSON/],
    ];
    for (const [args, message] of inputs) {
      const r = await cli(args);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.trim(), message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    rmSync(work, { recursive: true, force: true });
  });
});

describe('sealhouse verify-entry: TransparencyLogEntry from real bundles', () => {
  interface TlogEntry { inclusionProof: { hashes: string[]; checkpoint: { envelope: string } }; inclusionPromise?: { signedEntryTimestamp: string }; canonicalizedBody: string }
  const entryOf = (rel: string): TlogEntry => (JSON.parse(readFileSync(vectorPath(`bundles/${rel}`), 'utf8')) as { verificationMaterial: { tlogEntries: TlogEntry[] } }).verificationMaterial.tlogEntries[0] as TlogEntry;
  const v1 = entryOf('python/bundle_v3_github.whl.sigstore');
  const v2 = entryOf('python/staging-rekor-v2.txt.sigstore.json');

  it('Rekor v1 (SET and checkpoint-signed proof) and Rekor v2 (Ed25519 checkpoint, no SET) verify', async () => {
    const one = await cli(['--trusted-root', PRODUCTION], JSON.stringify(v1));
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /signed entry timestamp and inclusion proof and signed checkpoint verified/);
    const two = await cli(['--trusted-root', STAGING], JSON.stringify(v2));
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stdout, /✓ Trusted log: https:\/\/log2025-alpha1\.rekor\.sigstage\.dev \(PKIX_ED25519\)/);
    assert.match(two.stdout, /- Signed entry timestamp: the entry carries none/);
  });

  it('tampered: audit path, checkpoint signature, body, SET; and a root without that log', async () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['v2 audit path', { ...v2, inclusionProof: { ...v2.inclusionProof, hashes: [flipB64(v2.inclusionProof.hashes[0] ?? '', 3), ...v2.inclusionProof.hashes.slice(1)] } }, STAGING, /inclusion-proof: the audit path leads to/],
      ['v2 checkpoint signature', { ...v2, inclusionProof: { ...v2.inclusionProof, checkpoint: { envelope: v2.inclusionProof.checkpoint.envelope.replace(/\n— (\S+) (\S{12})/, (_m, n: string, s: string) => `\n— ${n} ${s.slice(0, 8)}${s[8] === 'A' ? 'B' : 'A'}${s.slice(9)}`) } } }, STAGING, /checkpoint: /],
      ['v2 body', { ...v2, canonicalizedBody: flipB64(v2.canonicalizedBody, 30) }, STAGING, /inclusion-proof: /],
      ['v1 SET', { ...v1, inclusionPromise: { signedEntryTimestamp: flipB64(v1.inclusionPromise?.signedEntryTimestamp ?? '', 20) } }, PRODUCTION, /set: the signed entry timestamp does not verify/],
      ['v2 against production', v2, PRODUCTION, /tlog-key: .* is not a transparency log of the trusted root/],
    ];
    for (const [what, entry, root, message] of cases) {
      const r = await cli(['--trusted-root', root], JSON.stringify(entry));
      assert.equal(r.status, 1, `${what} still verifies:\n${r.stdout}`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /^NOT verified: /m);
    }
  });
});
