/**
 * Real canonical bodies for the body-codec tests: the public vectors' logged entries (keyless
 * hashedrekord, intoto 0.0.2 with certificates and with keys) and bodies canonicalized here for
 * every entry kind the log accepts (hashedrekord with keys of each type and with a certificate,
 * dsse, intoto 0.0.1 and 0.0.2).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pae } from '../../src/entries/dsse-envelope.js';
import { canonicalizeProposedEntry } from '../../src/entries/index.js';
import { VECTORS_DIR } from '../helpers/vectors.js';
import { b64, makeCert, signData, testKey, type KeySpec, type TestKey } from '../entries/fixtures.js';

const VECTORS = join(VECTORS_DIR, 'rekor');
const TYPE = 'application/vnd.in-toto+json';

function bodyIn(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const o = doc as Record<string, unknown>;
  if (typeof o.body === 'string') return o.body;
  if (typeof o.canonicalizedBody === 'string') return o.canonicalizedBody;
  for (const v of Object.values(o)) {
    const found = bodyIn(v);
    if (found) return found;
  }
  return undefined;
}

/** name → body, from test/vectors/rekor (entries/*.logentry.json and the walkthrough entry). */
export function vectorBodies(): Map<string, Buffer> {
  const files = [...readdirSync(join(VECTORS, 'entries')).filter((f) => f.endsWith('.logentry.json')).map((f) => join(VECTORS, 'entries', f)), join(VECTORS, 'walkthrough_entry_62432866.json')];
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const body = bodyIn(JSON.parse(readFileSync(f, 'utf8')));
    if (body) out.set(f.slice(f.lastIndexOf('/') + 1), Buffer.from(body, 'base64'));
  }
  return out;
}

function dsseSig(key: TestKey, payload: Buffer): string {
  return b64(signData(key, 'sha256', pae(TYPE, payload)));
}

/** name → canonical body, made through canonicalizeProposedEntry as the API does. */
export async function canonicalBodies(): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const data = Buffer.from('sealhouse codec artifact');
  const digest = (await import('node:crypto')).createHash('sha256').update(data).digest('hex');
  for (const spec of ['P-256', 'P-384', 'RSA-2048', 'Ed25519'] as KeySpec[]) {
    const key = await testKey(spec);
    const sig = spec === 'Ed25519' ? signData(key, 'sha256', data) : signData(key, 'sha256', data);
    const proposal = spec === 'Ed25519'
      ? { apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha512', value: (await import('node:crypto')).createHash('sha512').update(data).digest('hex') } }, signature: { content: b64(sig), publicKey: { content: b64(key.pem) } } } }
      : { apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: digest } }, signature: { content: b64(sig), publicKey: { content: b64(key.pem) } } } };
    try {
      out.set(`hashedrekord ${spec}`, (await canonicalizeProposedEntry(proposal)).body);
    } catch {
      // a key type the default allow-list refuses for this digest: not a body the log stores
    }
  }
  const leafKey = await testKey('P-256');
  const cert = await makeCert({ cn: 'codec', key: leafKey, sans: { email: ['someone@example.com'] } });
  out.set('hashedrekord certificate', (await canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: digest } }, signature: { content: b64(signData(leafKey, 'sha256', data)), publicKey: { content: b64(cert.pem) } } } })).body);

  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'cd'.repeat(32) } }] }));
  const k = await testKey('P-256');
  const envelope = JSON.stringify({ payload: b64(payload), payloadType: TYPE, signatures: [{ sig: dsseSig(k, payload), keyid: '' }] });
  out.set('dsse', (await canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [b64(k.pem)] } } })).body);
  const intotoEnvelope = JSON.stringify({ payloadType: TYPE, payload: b64(payload), signatures: [{ sig: dsseSig(k, payload) }] });
  out.set('intoto 0.0.1', (await canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'intoto', spec: { content: { envelope: intotoEnvelope, hash: { algorithm: 'sha256', value: '00'.repeat(32) } }, publicKey: b64(k.pem) } })).body);
  out.set('intoto 0.0.2', (await canonicalizeProposedEntry({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: { content: { envelope: { payloadType: TYPE, payload: b64(b64(payload)), signatures: [{ sig: b64(dsseSig(k, payload)), publicKey: b64(k.pem) }] }, hash: { algorithm: 'sha256', value: 'ab'.repeat(32) } } },
  })).body);
  return out;
}
