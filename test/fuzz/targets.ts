/**
 * Every parser that takes outside bytes, as a fuzz target: an input arbitrary, the call, and
 * which errors count as typed. A target passes when, for every input, the parser returns or
 * throws a typed error (SealhouseError) — never a TypeError/RangeError/other, never runs past
 * the per-input time budget. run-target.ts runs one target in a child process, so an input that
 * aborts Node is reported as a failure instead of killing the test runner.
 */
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isSealhouseError, SealhouseError } from '../../src/errors.js';
import { decodeBase64, tryDecodeBase64, type Base64Policy } from '../../src/core/base64.js';
import * as der from '../../src/core/der.js';
import { CoreError } from '../../src/core/errors.js';
import { pemBlocks, certificatesFromPem, toPem } from '../../src/core/pem.js';
import { parseVerifierMaterial } from '../../src/entries/keys.js';
import { parsePublicKey } from '../../src/ca/public-key.js';
import { parseCertificate as parseDisplayCertificate } from '../../src/core/x509.js';
import { loadCertificate } from '../../src/entries/certificate.js';
import { readCertificate, tbsWithoutExtension } from '../../src/core/x509-raw.js';
import { verifyCsr } from '../../src/ca/csr.js';
import { verifyPublicKeyProof } from '../../src/ca/pop.js';
import { parseExtraData } from '../../src/ct/ct-wire.js';
import { parseSctList, sctFromJson } from '../../src/ct/sct.js';
import { checkSubmittedChain, precertEntry, x509Entry } from '../../src/ct/ct-submission.js';
import { parseTilePath } from '../../src/merkle/tiles.js';
import { parseSignedNote } from '../../src/note/signed-note.js';
import { parseCheckpoint, parseRekorOrigin, verifyCheckpoint, signCheckpoint } from '../../src/note/checkpoint.js';
import { ed25519NoteSigner, ed25519NoteVerifier, generateEd25519NoteKey } from '../../src/note/ed25519-note.js';
import { base64Field, hexField } from '../../src/entries/fields.js';
import { parseEnvelopeJson } from '../../src/entries/dsse-envelope.js';
import { canonicalizeProposedEntry, decodeCanonicalBody } from '../../src/entries/registry.js';
import { listJson, readVector, readVectorJson, vectorPath } from '../helpers/vectors.js';
import { makeCa, keyPair, openssl } from '../ca/fixtures.js';
import { bytesInput, jsonInput, textInput } from './mutate.js';

export interface Target {
  readonly name: string;
  /** The input arbitrary; built lazily because seeds cost key generation. */
  arbitrary(): fc.Arbitrary<unknown>;
  run(input: unknown): unknown;
  /** Whether a thrown value is an acceptable, typed refusal. */
  typed?(err: unknown): boolean;
}

/** src/core refuses with CoreErrors (the server turns them into SealhouseErrors at its boundary). */
const sealhouse = (err: unknown): boolean => err instanceof SealhouseError || err instanceof CoreError;
const neverThrows = (): boolean => false;

// ---- seeds: real vectors and freshly made keys/certificates --------------------------------

/** A value built on first use: each child process only pays for the seeds its target needs. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Entries from the Rekor vectors, the certificates and keys inside them. */
const vectors = lazy(() => {
  const proposed: unknown[] = [];
  const certPems: string[] = [];
  for (const rel of listJson('rekor/entries').filter((f) => f.endsWith('.logentry.json'))) {
    for (const e of Object.values(readVectorJson<Record<string, { body: string }>>(rel))) {
      const body = JSON.parse(Buffer.from(e.body, 'base64').toString('utf8')) as Record<string, unknown>;
      proposed.push(body);
      collectPems(body, certPems);
    }
  }
  const walkthrough = readVectorJson<{ decoded_body: Record<string, unknown> }>('rekor/walkthrough_entry_62432866.json');
  proposed.push(walkthrough.decoded_body);
  collectPems(walkthrough.decoded_body, certPems);
  return { proposed, certPems, envelopes: proposed.flatMap((p) => findEnvelopes(p)) };
});

/** Fresh keys of every accepted kind, a CA chain, CSRs and proofs of possession. */
const crypto = lazy(() => {
  const { certPems } = vectors();
  const ca = makeCa();
  const keys = (['P-256', 'P-384', 'P-521', 'ed25519', 'rsa2048'] as const).map((k) => keyPair(k));
  // The P-256 point at infinity (BIT STRING 00 00), which once aborted Node inside asymmetricKeyDetails.
  const infinity = toPem(Buffer.from('301930130607' + '2a8648ce3d0201' + '0608' + '2a8648ce3d030107' + '03020000', 'hex'), 'PUBLIC KEY');
  const keyPems = [readVector('rekor/rekor.pub'), infinity, ...keys.map((k) => k.pem)];
  const certDers = [ca.generated.intermediate, ca.generated.root, ...certPems.filter((p) => p.includes('BEGIN CERTIFICATE')).flatMap((p) => certificatesFromPem(p).map((d) => Buffer.from(d)))];
  const allPems = [...keyPems, ...certPems, toPem(ca.generated.intermediate), toPem(ca.generated.root)];
  const challenge = 'fuzz@example.com';
  const pops = keys.slice(0, 4).map((k) => ({
    publicKey: k.pem,
    proofOfPossession: sign(k.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from(challenge), k.privateKey).toString('base64'),
  }));
  return { keys, keyPems, certDers, allPems, challenge, pops, roots: [ca.generated.root] };
});

const csrs = lazy(() =>
  [0, 1, 3].map((i) =>
    openssl((d) => ['req', '-new', '-key', `${d}/key.pem`, '-subj', '/CN=fuzz'], { 'key.pem': crypto().keys[i]!.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
  ),
);

/** Signed checkpoints (ours and production Rekor's) and the C2SP example note. */
const notes = lazy(() => {
  const noteKey = generateEd25519NoteKey('fuzz.example');
  const noteSigner = ed25519NoteSigner(noteKey.skey);
  const checkpoints = [
    signCheckpoint({ origin: 'fuzz.example - 42', size: 7, rootHash: Buffer.alloc(32, 7), extensions: [] }, noteSigner),
    signCheckpoint({ origin: 'fuzz.example - 1', size: 0, rootHash: Buffer.alloc(32), extensions: ['Timestamp: 1'] }, noteSigner),
    readFileSync(vectorPath('checkpoints/production_rekor_checkpoint_from_sigstore-python.txt'), 'utf8'),
  ];
  const c2sp = readVectorJson<{ signed_note_example: { vkey: string; note: string } }>('notes/c2sp_examples.json').signed_note_example;
  return { noteKey, checkpoints, c2sp };
});

/** Every base64 PEM inside an entry body (publicKey.content, verifiers), decoded. */
function collectPems(v: unknown, out: string[]): void {
  if (typeof v === 'string') {
    const text = Buffer.from(v, 'base64').toString('latin1');
    if (text.startsWith('-----BEGIN')) out.push(text);
  } else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectPems(x, out);
}

function findEnvelopes(v: unknown): string[] {
  if (v !== null && typeof v === 'object') {
    const env = (v as { envelope?: unknown }).envelope;
    if (typeof env === 'string') return [env];
    return Object.values(v).flatMap(findEnvelopes);
  }
  return [];
}

// ---- DER walker ------------------------------------------------------------------------

/** Walk every TLV of `buf` recursively with src/core/der.ts; anything but a DerError is a bug. */
function walkDer(buf: Buffer): void {
  const visit = (tlv: der.Tlv, depth: number): void => {
    if (tlv.raw.length < tlv.value.length + 2 || tlv.raw.byteOffset + tlv.raw.length > buf.byteOffset + buf.length) throw new Error('TLV out of bounds');
    if (tlv.tag === der.TAG.OID) {
      const oid = der.decodeOid(tlv.value);
      if (!/^[0-9]+(\.[0-9]+)+$/.test(oid)) throw new Error(`decodeOid gave ${oid}`);
    }
    if (tlv.tag === der.TAG.UTC_TIME || tlv.tag === der.TAG.GENERALIZED_TIME) der.decodeTime(tlv);
    if (depth < 64 && (tlv.tag & 0x20) !== 0) for (const c of der.children(tlv, 'fuzz')) visit(c, depth + 1);
  };
  try {
    der.readOne(buf, der.TAG.SEQUENCE, 'fuzz');
  } catch (err) {
    if (!sealhouse(err)) throw err;
  }
  visit(der.readTlv(buf, 0, 'fuzz'), 0);
}

const BASE64_POLICIES: readonly Base64Policy[] = ['standard', 'canonical', 'go-std', 'unpadded', 'url-unpadded', 'pem', 'dsse', 'protojson'];

// ---- the targets -------------------------------------------------------------------------

const asText = (b: unknown): string => String(b);
const derSeeds = (): Buffer[] => [...crypto().certDers, ...crypto().allPems.flatMap((p) => pemBlocks(p).map((b) => Buffer.from(b.der)))];

export const TARGETS: readonly Target[] = [
  { name: 'core/der walk', arbitrary: () => bytesInput(derSeeds()), run: (b) => walkDer(b as Buffer) },
  { name: 'core/der decodeOid', arbitrary: () => bytesInput([Buffer.from('2a864886f70d010101', 'hex'), Buffer.from('2b0601040183bf3001', 'hex')]),
    run: (b) => {
      const oid = der.decodeOid(b as Buffer);
      if (!/^[0-9]+(\.[0-9]+)+$/.test(oid)) throw new Error(`decodeOid gave ${JSON.stringify(oid)}`);
    } },
  { name: 'core/pem pemBlocks (strict)', arbitrary: () => textInput(crypto().allPems),
    run: (s) => {
      for (const b of pemBlocks(asText(s), { strict: true })) toPem(b.der, b.label);
    } },
  { name: 'core/pem certificatesFromPem', arbitrary: () => textInput(crypto().allPems), run: (s) => certificatesFromPem(asText(s)) },
  { name: 'entries/keys parseVerifierMaterial', arbitrary: () => bytesInput(crypto().allPems.map((p) => Buffer.from(p))),
    run: (b) => parseVerifierMaterial(b as Buffer, 'fuzz') },
  { name: 'entries/keys parseVerifierMaterial (DER in PEM)', arbitrary: () => fc.tuple(fc.boolean(), bytesInput(derSeeds())).map(([cert, d]) => Buffer.from(toPem(d, cert ? 'CERTIFICATE' : 'PUBLIC KEY'))),
    run: (b) => parseVerifierMaterial(b as Buffer, 'fuzz') },
  { name: 'entries/certificate loadCertificate', arbitrary: () => bytesInput(crypto().certDers), run: (b) => loadCertificate(b as Buffer, 'fuzz') },
  { name: 'core/x509 parseCertificate', arbitrary: () => bytesInput(crypto().certDers), run: (b) => parseDisplayCertificate(b as Buffer) },
  { name: 'ca/public-key parsePublicKey', arbitrary: () => bytesInput([...crypto().keyPems.map((p) => Buffer.from(p)), ...derSeeds()]),
    run: (b) => parsePublicKey(b as Buffer) },
  { name: 'ca/public-key parsePublicKey (text)', arbitrary: () => textInput(crypto().keyPems), run: (s) => parsePublicKey(asText(s)) },
  { name: 'core/x509-raw readCertificate', arbitrary: () => bytesInput(crypto().certDers),
    run: (b) => {
      const c = readCertificate(b as Buffer);
      tbsWithoutExtension(c.tbs, '1.3.6.1.4.1.11129.2.4.3');
    } },
  { name: 'ca/csr verifyCsr', arbitrary: () => bytesInput([...csrs().map((p) => Buffer.from(p)), ...csrs().flatMap((p) => pemBlocks(p).map((b) => Buffer.from(toPem(b.der, 'CERTIFICATE REQUEST'))))]),
    run: (b) => verifyCsr(b as Buffer) },
  { name: 'ca/csr verifyCsr (DER in PEM)', arbitrary: () => bytesInput(csrs().flatMap((p) => pemBlocks(p).map((b) => Buffer.from(b.der)))).map((d) => toPem(d, 'CERTIFICATE REQUEST')),
    run: (s) => verifyCsr(asText(s)) },
  { name: 'ca/pop verifyPublicKeyProof', arbitrary: () => bytesInput(crypto().pops.flatMap((p) => [Buffer.from(p.publicKey), ...pemBlocks(p.publicKey).map((b) => Buffer.from(b.der))])),
    run: (b) => verifyPublicKeyProof({ publicKey: b as Buffer, proofOfPossession: crypto().pops[0]!.proofOfPossession, challenges: [crypto().challenge] }) },
  { name: 'ca/ct-wire parseExtraData', arbitrary: () => bytesInput([Buffer.from('000006000003abcdef', 'hex'), Buffer.from('000003aabbcc000000', 'hex')]),
    run: (b) => {
      parseExtraData('x509', b as Buffer);
      parseExtraData('precert', b as Buffer);
    } },
  { name: 'ca/sct parseSctList', arbitrary: () => bytesInput([Buffer.from('000a0008' + '00'.repeat(8), 'hex')]), run: (b) => parseSctList(b as Buffer) },
  { name: 'ca/sct sctFromJson', arbitrary: () => jsonInput([{ sct_version: 0, id: Buffer.alloc(32).toString('base64'), timestamp: 1, extensions: '', signature: 'BAMARjBEAiA=' }]),
    run: (j) => sctFromJson(j) },
  { name: 'ca/ct-submission add-chain', arbitrary: () => bytesInput(crypto().certDers),
    run: (b) => {
      for (const f of [() => x509Entry(b as Buffer), () => precertEntry(b as Buffer, crypto().roots[0]!), () => checkSubmittedChain([b as Buffer], crypto().roots)]) {
        try {
          f();
        } catch (err) {
          if (!sealhouse(err)) throw err;
        }
      }
    } },
  { name: 'merkle/tiles parseTilePath', arbitrary: () => textInput(['tile/0/x001/x234/067.p/7', 'tile/entries/000', 'tile/1/255', 'tile/63/x999/x999/x999/x999/x999/999.p/255']), run: (s) => parseTilePath(asText(s)) },
  { name: 'core/base64 canonical (notes)', arbitrary: () => textInput(['IbC2+n9aYhFlm5nFwkp+j7/Hc9XuYWxyE5OlXIoIijY=', 'YQ==']), run: (s) => tryDecodeBase64(asText(s), 'canonical'), typed: neverThrows },
  { name: 'note/signed-note parseSignedNote (text)', arbitrary: () => textInput([...notes().checkpoints, notes().c2sp.note]), run: (s) => parseSignedNote(asText(s)) },
  { name: 'note/signed-note parseSignedNote (bytes)', arbitrary: () => bytesInput([...notes().checkpoints, notes().c2sp.note].map((s) => Buffer.from(s))), run: (b) => parseSignedNote(b as Buffer) },
  { name: 'note/checkpoint parseCheckpoint', arbitrary: () => textInput(notes().checkpoints.map((c) => c.slice(0, c.indexOf('\n\n') + 1))),
    run: (s) => {
      parseCheckpoint(asText(s));
      try {
        parseCheckpoint(asText(s), { lenient: true });
      } catch (err) {
        if (!sealhouse(err)) throw err;
      }
    } },
  { name: 'note/checkpoint verifyCheckpoint', arbitrary: () => textInput(notes().checkpoints),
    run: (s) => verifyCheckpoint(asText(s), [ed25519NoteVerifier(notes().noteKey.vkey), ed25519NoteVerifier(notes().c2sp.vkey)]) },
  { name: 'note/checkpoint parseRekorOrigin', arbitrary: () => textInput(['rekor.sigstore.dev - 1193050959916656506', 'a - 0']), run: (s) => parseRekorOrigin(asText(s)) },
  { name: 'note/ed25519-note vkey', arbitrary: () => textInput([notes().noteKey.vkey, notes().c2sp.vkey]), run: (s) => ed25519NoteVerifier(asText(s)) },
  { name: 'note/ed25519-note skey', arbitrary: () => textInput([notes().noteKey.skey]), run: (s) => ed25519NoteSigner(asText(s)) },
  { name: 'core/base64 every policy, entries hex', arbitrary: () => textInput(['YQ==', 'MEUCIQ+/', 'deadBEEF', 'a-_b']),
    run: (s) => {
      const calls = [...BASE64_POLICIES.map((p) => () => decodeBase64(asText(s), p)), () => base64Field(asText(s), 'fuzz'), () => hexField(asText(s), 'fuzz')];
      for (const f of calls) {
        try {
          f();
        } catch (err) {
          if (!sealhouse(err)) throw err;
        }
      }
    } },
  { name: 'entries/dsse-envelope parseEnvelopeJson', arbitrary: () => textInput(vectors().envelopes.length > 0 ? vectors().envelopes : ['{"payload":"","payloadType":"x","signatures":[]}']),
    run: (s) => parseEnvelopeJson(asText(s), 'fuzz') },
  { name: 'entries/registry decodeCanonicalBody', arbitrary: () => bytesInput(vectors().proposed.map((p) => Buffer.from(JSON.stringify(p)))), run: (b) => decodeCanonicalBody(b as Buffer) },
  { name: 'entries/registry canonicalizeProposedEntry', arbitrary: () => jsonInput(vectors().proposed), run: (j) => canonicalizeProposedEntry(j),
    // The registry wraps anything unexpected into a SealhouseError as a safety net; reaching it is a bug.
    typed: (err) => isSealhouseError(err) && !(err.cause !== undefined && !(err.cause instanceof SealhouseError) && /unexpected /.test(err.message)) },
];

/** Builds every seed group, so a broken vector or key fails loudly rather than as a fuzz result. */
export function seedCount(): number {
  return vectors().proposed.length + crypto().certDers.length + crypto().allPems.length + csrs().length + notes().checkpoints.length;
}
