/**
 * The watch config (rekor-monitor's format) and identity matching, on a real production
 * entry: test/vectors/rekor/entries/cpython-3.12.5-release.logentry.json (a Fulcio certificate
 * with a SAN and an OIDC issuer) and on bare keys.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { entryIdentities, matchIdentities } from '../../src/monitor/identities.js';
import { parseWatchConfig, WatchConfigError } from '../../src/monitor/watch-config.js';
import { readVectorJson } from '../helpers/vectors.js';

const cpython = Object.values(readVectorJson<Record<string, { body: string }>>('rekor/entries/cpython-3.12.5-release.logentry.json'))[0] as { body: string };
const cpythonBody = Buffer.from(cpython.body, 'base64');
const cpythonIds = entryIdentities(cpythonBody);
const [cert] = cpythonIds.certificates;

describe('watch config', () => {
  it('reads rekor-monitor\'s example shape, ignoring its output keys', () => {
    const c = parseWatchConfig(`startIndex: 1000
outputIdentities: identities.txt
monitoredValues:
  certIdentities:
    - certSubject: user@domain\\.com
    - certSubject: otheruser@domain\\.com
      issuers: [https://accounts\\.google\\.com, https://github\\.com/login]
  subjects: [subject@domain\\.com]
  fingerprints: [A0B1C2D3E4F5]
  fulcioExtensions:
    build-config-uri: [https://example.com/owner/repository/build-config.yml]
  customExtensions:
    - objectIdentifier: 1.3.6.1.4.1.57264.1.9
      extensionValues: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v1.4.0
`);
    assert.equal(c.certIdentities.length, 2);
    assert.equal(c.certIdentities[1]?.issuers.length, 2);
    assert.deepEqual(c.fingerprints, ['a0b1c2d3e4f5']);
    assert.deepEqual(c.extensions.map((e) => [e.name, e.oids]), [
      ['build-config-uri', ['1.3.6.1.4.1.57264.1.18']],
      ['1.3.6.1.4.1.57264.1.9', ['1.3.6.1.4.1.57264.1.9']],
    ]);
  });

  for (const [name, text, message] of [
    ['a misspelt key', 'monitoredValues:\n  fingerprint: [aa]\n', /unknown key\(s\) under monitoredValues: fingerprint/],
    ['a bad regexp', 'monitoredValues:\n  certIdentities:\n    - certSubject: "alice("\n', /certIdentities\[0\]\.certSubject is not a valid regular expression/],
    ['an unknown Fulcio extension', 'monitoredValues:\n  fulcioExtensions:\n    build-config: [x]\n', /unknown extension "build-config"/],
    ['an unquoted numeric fingerprint', 'monitoredValues:\n  fingerprints: [1234]\n', /read by YAML as the number 1234: quote it/],
    ['a non-hex fingerprint', 'monitoredValues:\n  fingerprints: ["SHA256:abc"]\n', /is not hex/],
    ['not YAML', 'monitoredValues: [\n', /is not YAML/],
    ['a list at the top', '- a\n', /must be a YAML mapping/],
  ] as const) {
    it(`refuses ${name} with a message naming it`, () => {
      assert.throws(() => parseWatchConfig(text), (err: unknown) => err instanceof WatchConfigError && message.test(err.message));
    });
  }
});

describe('identity matching on a production entry', () => {
  it('finds the signer\'s certificate with its SAN and issuer', () => {
    assert.equal(cpythonIds.kind, 'hashedrekord');
    assert.ok(cert, 'a certificate');
    assert.ok(cert.san.length > 0);
  });

  it('matches certSubject with and without an issuer constraint, and not with a wrong issuer', () => {
    const san = cert?.san[0]?.value ?? '';
    const issuer = cert?.fulcio.find((f) => f.arc === 8 || f.arc === 1)?.value ?? '';
    assert.ok(san && issuer, `SAN ${san}, issuer ${issuer}`);
    const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const rule = (issuers: string): string => `monitoredValues:\n  certIdentities:\n    - certSubject: '^${esc(san)}$'\n      issuers: ${issuers}\n`;
    assert.deepEqual(matchIdentities(cpythonIds, parseWatchConfig(rule(`['^${esc(issuer)}$']`))).map((m) => m.match), ['certIdentity']);
    assert.deepEqual(matchIdentities(cpythonIds, parseWatchConfig(rule('[]'))).map((m) => m.match), ['certIdentity']);
    assert.deepEqual(matchIdentities(cpythonIds, parseWatchConfig(rule("['^https://elsewhere\\.example$']"))), []);
    assert.deepEqual(matchIdentities(cpythonIds, parseWatchConfig(`monitoredValues:\n  subjects: ['${esc(san.slice(1))}']\n`)).map((m) => m.match), ['subject'], 'unanchored, as rekor-monitor');
  });

  it('matches the fingerprint of the certificate and of its key, and a Fulcio extension value', () => {
    const certPrint = createHash('sha256').update(cert?.der ?? new Uint8Array()).digest('hex');
    const keyPrint = createHash('sha256').update(cert?.publicKey.der ?? new Uint8Array()).digest('hex');
    const found = matchIdentities(cpythonIds, parseWatchConfig(`monitoredValues:\n  fingerprints: ['${certPrint}', '${keyPrint}']\n`));
    assert.deepEqual(found.map((m) => (m.match === 'fingerprint' ? m.of : m.match)), ['certificate', 'publicKey']);
    const issuerValue = cert?.fulcio.find((f) => f.arc === 8)?.value ?? '';
    const ext = matchIdentities(cpythonIds, parseWatchConfig(`monitoredValues:\n  fulcioExtensions:\n    issuer: ['${issuerValue}']\n`));
    assert.ok(ext.some((m) => m.match === 'extension' && m.oid === '1.3.6.1.4.1.57264.1.8' && m.value === issuerValue), JSON.stringify(ext));
    assert.deepEqual(matchIdentities(cpythonIds, parseWatchConfig("monitoredValues:\n  fulcioExtensions:\n    issuer: ['https://nobody.example']\n")), []);
  });

  it('a body that is not JSON carries no identities rather than failing the round', () => {
    assert.deepEqual(entryIdentities(Buffer.from('not json')), { kind: '(not JSON)', certificates: [], keys: [] });
  });
});
