/**
 * Turning an add-chain / add-pre-chain submission into the CtEntry the log signs, RFC 6962 §4.1–4.2
 * (https://www.rfc-editor.org/rfc/rfc6962#section-4.1): check the chain is signed link by link up
 * to an accepted root, then strip the poison from the precert's TBS without touching any other
 * byte (§3.2). Precertificate Signing Certificates (EKU 1.3.6.1.4.1.11129.2.4.4) are not
 * supported: our CA signs precerts with the issuing key itself, as Fulcio does.
 */
import { X509Certificate } from 'node:crypto';
import { checkSpki } from '../entries/spki-check.js';
import { coreCall, SealhouseError } from '../errors.js';
import { OID } from '../core/oids.js';
import { type CtEntry, sha256 } from './sct.js';
import { readCertificate, tbsWithoutExtension } from '../core/x509-raw.js';
import { bufferOf } from '../buffer-view.js';

const reject = (why: string): SealhouseError => new SealhouseError('invalid_input', why);

/** A real chain is leaf, an intermediate or two, root; each link costs one signature check. */
export const MAX_SUBMITTED_CHAIN = 10;

/**
 * Parses one submitted certificate, its public key read from the bytes first: OpenSSL is never
 * shown a hostile key (the EC point at infinity aborts Node when inspected).
 */
function submittedCertificate(der: Buffer, i: number): X509Certificate {
  let spki: Buffer;
  try {
    spki = bufferOf(readCertificate(der).spki);
  } catch (err) {
    throw reject(`chain[${i}] cannot be parsed: ${(err as Error).message}`);
  }
  const verdict = checkSpki(spki);
  if (!verdict.ok) throw reject(`chain[${i}] has an unusable public key: ${verdict.reason}`);
  try {
    return new X509Certificate(der);
  } catch {
    throw reject(`chain[${i}] cannot be parsed`);
  }
}

/**
 * `chain` is leaf (or precert) first, as in `{"chain": [b64 leaf, b64 intermediate, …]}`; it must
 * end at, or be issued by, one of `acceptedRoots` (DER). Returns the chain ending at its root
 * (appended when the submitter left it out), which is what extra_data records (§4.6).
 */
export function checkSubmittedChain(chain: readonly Buffer[], acceptedRoots: readonly Buffer[]): Buffer[] {
  if (chain.length === 0) throw reject('chain is empty');
  if (chain.length > MAX_SUBMITTED_CHAIN) throw reject(`chain has ${chain.length} certificates (at most ${MAX_SUBMITTED_CHAIN} allowed)`);
  const certs = chain.map(submittedCertificate);
  // The accepted roots are the operator's own configuration.
  const roots = acceptedRoots.map((der) => new X509Certificate(der));
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i] as X509Certificate, certs[i + 1] as X509Certificate];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) throw reject(`chain[${i}] is not signed by chain[${i + 1}]`);
  }
  const last = certs[certs.length - 1] as X509Certificate;
  if (roots.some((root) => root.raw.equals(last.raw))) return [...chain];
  const issuer = roots.find((root) => last.checkIssued(root) && last.verify(root.publicKey));
  if (!issuer) throw reject('chain does not lead to an accepted root');
  return [...chain, issuer.raw];
}

/** The precert_entry for a poisoned precertificate issued directly by `issuerDer`. */
export function precertEntry(precertDer: Buffer, issuerDer: Buffer): CtEntry {
  const precert = coreCall(() => readCertificate(precertDer));
  const poison = precert.extensions.filter((e) => e.oid === OID.ctPoison);
  if (poison.length !== 1 || !poison[0]?.critical || !bufferOf(poison[0].value).equals(Buffer.from([5, 0]))) {
    throw reject('chain[0] is not a precertificate (exactly one critical poison extension with NULL value required)');
  }
  return coreCall(() => ({ type: 'precert', issuerKeyHash: sha256(readCertificate(issuerDer).spki), tbs: bufferOf(tbsWithoutExtension(precert.tbs, OID.ctPoison)) }));
}

/** The x509_entry for an ordinary certificate; a poisoned one belongs in add-pre-chain. */
export function x509Entry(certDer: Buffer): CtEntry {
  const cert = coreCall(() => readCertificate(certDer));
  if (cert.extensions.some((e) => e.oid === OID.ctPoison)) throw reject('a precertificate must be submitted with add-pre-chain');
  return { type: 'x509', certificate: bufferOf(cert.der) };
}
