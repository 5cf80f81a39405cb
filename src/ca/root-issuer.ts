/**
 * A root CA certificate and its key, read back from files as the Issuer that signs an
 * intermediate (`sealhouse ca sign-intermediate`): the intermediate names the root's subject
 * byte for byte and points at the root's own subject key identifier, whichever tool made it.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { children, readOne, TAG } from '../core/der.js';
import { certificatesFromPem } from '../core/pem.js';
import { coreCall, SealhouseError } from '../errors.js';
import type { Issuer } from './ca-chain.js';
import { keyIdentifier, OID } from './extensions.js';

const fail = (message: string): SealhouseError => new SealhouseError('malformed_key', message);

export function rootIssuer(rootPem: string, key: KeyObject): Issuer {
  const [der, ...more] = coreCall(() => certificatesFromPem(rootPem, 'the root certificate'));
  if (!der || more.length > 0) throw fail('the root certificate file must hold exactly one certificate');
  const cert = new X509Certificate(der);
  if (!cert.ca || !cert.checkIssued(cert) || !cert.verify(cert.publicKey)) throw fail('the root certificate is not a self-signed CA certificate');
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(spki)) throw fail("the root key is not the root certificate's key");
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, …
  const tbs = coreCall(() => children(readOne(der, TAG.SEQUENCE, 'certificate'), 'certificate'))[0];
  const subject = tbs && coreCall(() => children(tbs, 'TBSCertificate'))[5];
  if (!subject) throw fail('the root certificate has no subject');
  const ski = pkijs.Certificate.fromBER(der).extensions?.find((e) => e.extnID === OID.subjectKeyId);
  const keyId = ski ? Buffer.from(ski.extnValue.valueBlock.valueHexView).subarray(2) : keyIdentifier(spki);
  return { key, certificate: Buffer.from(der), name: Buffer.from(subject.raw), keyId, notAfter: new Date(cert.validTo) };
}
