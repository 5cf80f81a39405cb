/**
 * Entries for the browser tests, logged through the live API like any client would: Fulcio-
 * profile certificates (issued with the test server's own CA and CT log key, read from its data
 * directory, through the real leaf builder, with an embedded SCT) for an email identity and a
 * GitHub-workflow identity with every 1.3.6.1.4.1.57264.1.x extension, a gitsign-style commit
 * signature, a DSSE in-toto attestation, and a bare key; and, from a throwaway CA the trusted
 * root does not list, a forged certificate for alice, as anyone may log one.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCaChain } from '../../../src/ca/ca-chain.js';
import { caFromPem, loadOrCreateCa, type CaMaterial } from '../../../src/ca/ca-keys.js';
import { precertEntry } from '../../../src/ct/ct-submission.js';
import type { San, SigstoreExtension } from '../../../src/ca/extensions.js';
import { LeafDraft } from '../../../src/ca/leaf-certificate.js';
import { toPem } from '../../../src/core/pem.js';
import { CtLogSigner, serializeSctList } from '../../../src/ct/sct.js';
import { CT_KEY_FILE } from '../../../src/server.js';

export const ISSUER = 'https://token.actions.githubusercontent.com';
export const ALICE = 'alice@example.com';
export const WORKFLOW = 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main';
export const COMMIT = '8f3d1c2b7a6e5d4c3b2a19f8e7d6c5b4a3928170';

export interface Logged {
  /** 80-hex entry ID */
  readonly id: string;
  readonly uuid: string;
  readonly index: number;
  readonly hash: string;
}

export interface Identity {
  readonly key: KeyObject;
  readonly certPem: string;
}

const raw = (n: number, value: string): SigstoreExtension => ({ oid: `1.3.6.1.4.1.57264.1.${n}`, value, encoding: 'raw' });
const utf8 = (n: number, value: string): SigstoreExtension => ({ oid: `1.3.6.1.4.1.57264.1.${n}`, value, encoding: 'utf8string' });

/** What Fulcio writes for a GitHub Actions token (fulcio-and-clients.md §2.3, github-workflow). */
export const WORKFLOW_EXTENSIONS: SigstoreExtension[] = [
  raw(1, ISSUER), raw(2, 'push'), raw(3, COMMIT), raw(4, 'release'), raw(5, 'octo-org/octo-repo'), raw(6, 'refs/heads/main'),
  utf8(8, ISSUER), utf8(9, WORKFLOW), utf8(10, COMMIT), utf8(11, 'github-hosted'),
  utf8(12, 'https://github.com/octo-org/octo-repo'), utf8(13, COMMIT), utf8(14, 'refs/heads/main'), utf8(15, '123456'),
  utf8(16, 'https://github.com/octo-org'), utf8(17, '7890'), utf8(18, WORKFLOW), utf8(19, COMMIT), utf8(20, 'push'),
  utf8(21, 'https://github.com/octo-org/octo-repo/actions/runs/42/attempts/1'), utf8(22, 'public'), utf8(23, 'production'),
  utf8(24, 'repo:octo-org/octo-repo:ref:refs/heads/main'),
];

/** The CA and CT log key a Sealhouse data directory holds (what its trusted_root.json lists). */
export async function serverIssuer(dataDir: string): Promise<{ ca: CaMaterial; ctKey: KeyObject }> {
  const ca = await loadOrCreateCa(join(dataDir, 'ca'));
  return { ca, ctKey: createPrivateKey(readFileSync(join(dataDir, CT_KEY_FILE), 'utf8')) };
}

/** A CA and CT log nobody trusts: what a forger has. */
export function throwawayIssuer(): { ca: CaMaterial; ctKey: KeyObject } {
  const g = generateCaChain();
  return {
    ca: caFromPem(toPem(g.intermediate) + toPem(g.root), g.intermediateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    ctKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  };
}

export class Seeder {
  private readonly ca: CaMaterial;
  private readonly ct: CtLogSigner;

  constructor(private readonly url: string, issuer: { ca: CaMaterial; ctKey: KeyObject }) {
    this.ca = issuer.ca;
    this.ct = new CtLogSigner(issuer.ctKey);
  }

  /** A fresh key and a 10-minute Fulcio-profile leaf for it, with an embedded SCT. */
  identity(san: San, extensions: SigstoreExtension[]): Identity {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const draft = new LeafDraft(this.ca, { publicKey: publicKey.export({ type: 'spki', format: 'der' }), san, extensions });
    const sct = this.ct.sign(precertEntry(draft.precertificate(), this.ca.certificate), Date.now());
    return { key: privateKey, certPem: toPem(draft.finalCertificate(serializeSctList([sct]))) };
  }

  async post(proposed: unknown): Promise<Logged> {
    const res = await fetch(`${this.url}/api/v1/log/entries`, { method: 'POST', body: JSON.stringify(proposed), headers: { 'content-type': 'application/json' } });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    const id = res.headers.get('etag') ?? '';
    const body = (await res.json()) as Record<string, { logIndex: number; body: string }>;
    const entry = body[id];
    if (!entry) throw new Error('seeding: no entry under the ETag');
    const spec = JSON.parse(Buffer.from(entry.body, 'base64').toString()).spec as { data?: { hash?: { value: string } }; payloadHash?: { value: string } };
    return { id, uuid: id.slice(-64), index: entry.logIndex, hash: `sha256:${spec.data?.hash?.value ?? spec.payloadHash?.value ?? ''}` };
  }

  /** hashedrekord over `artifact` (or over the commit SHA text, as gitsign does), signed with the identity. */
  hashedrekord(signer: { key: KeyObject; pem: string }, artifact: string): Promise<Logged> {
    return this.post({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: { content: sign('sha256', Buffer.from(artifact), signer.key).toString('base64'), publicKey: { content: Buffer.from(signer.pem).toString('base64') } },
      },
    });
  }

  /** dsse 0.0.1 around an in-toto statement about `subjectDigest`. */
  dsse(signer: Identity, subjectDigest: string): Promise<Logged> {
    const payloadType = 'application/vnd.in-toto+json';
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app.tar.gz', digest: { sha256: subjectDigest } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} };
    const payload = Buffer.from(JSON.stringify(statement));
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
    const envelope = { payloadType, payload: payload.toString('base64'), signatures: [{ sig: sign('sha256', pae, signer.key).toString('base64') }] };
    return this.post({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [Buffer.from(signer.certPem).toString('base64')] } },
    });
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface Seeded {
  readonly alice: Logged[];
  readonly workflow: Logged;
  readonly gitsign: Logged;
  readonly dsse: Logged & { subjectDigest: string };
  readonly plainKey: Logged;
}

/** The data set the search and entry tests share: more than a page of alice's entries (20 a page). */
export async function seedAll(url: string, dataDir: string, aliceCount = 23): Promise<Seeded> {
  const s = new Seeder(url, await serverIssuer(dataDir));
  const alice = s.identity({ type: 'email', value: ALICE }, [raw(1, 'https://accounts.example.com'), utf8(8, 'https://accounts.example.com'), utf8(24, 'alice-1234')]);
  const aliceSigner = { key: alice.key, pem: alice.certPem };
  // One at a time, so their log order is the order written here.
  const aliceEntries: Logged[] = [];
  for (let i = 0; i < aliceCount; i++) aliceEntries.push(await s.hashedrekord(aliceSigner, `alice's artifact ${i}`));
  const wf = s.identity({ type: 'uri', value: WORKFLOW }, WORKFLOW_EXTENSIONS);
  const workflow = await s.hashedrekord({ key: wf.key, pem: wf.certPem }, 'octo-repo release v1.0.0');
  // gitsign signs the commit SHA text; Rekor sees sha256 of it (rekor-api.md §9).
  const bob = s.identity({ type: 'email', value: 'bob@example.com' }, [raw(1, 'https://accounts.example.com'), utf8(8, 'https://accounts.example.com')]);
  const gitsign = await s.hashedrekord({ key: bob.key, pem: bob.certPem }, COMMIT);
  const subjectDigest = sha256Hex('app.tar.gz contents');
  const dsse = { ...(await s.dsse(wf, subjectDigest)), subjectDigest };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const plainKey = await s.hashedrekord({ key: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string }, 'signed with a bare key');
  return { alice: aliceEntries, workflow, gitsign, dsse, plainKey };
}

/**
 * alice@example.com in a certificate from a CA the trusted root does not list, logged as any
 * Rekor allows: the log's checks pass, the identity must not.
 */
export async function logForgedAlice(url: string, artifact = 'not really alice'): Promise<Logged> {
  const forger = new Seeder(url, throwawayIssuer());
  const fake = forger.identity({ type: 'email', value: ALICE }, [raw(1, 'https://accounts.example.com'), utf8(8, 'https://accounts.example.com')]);
  return forger.hashedrekord({ key: fake.key, pem: fake.certPem }, artifact);
}
