/**
 * Names for the object identifiers a sigstore certificate carries: RFC 5280 extensions and
 * name attributes, RFC 5758/8410 algorithms, RFC 6962 CT extensions, and the Fulcio arc
 * 1.3.6.1.4.1.57264.1 (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md;
 * fulcio-and-clients.md §2.2).
 */
export const FULCIO_ARC = '1.3.6.1.4.1.57264.1.';

/** Fulcio extensions by arc number; .1–.6 carry raw UTF-8, .8 onward a DER UTF8String. */
export const FULCIO_EXTENSIONS: Readonly<Record<number, string>> = {
  1: 'OIDC Issuer (deprecated)',
  2: 'GitHub Workflow Trigger (deprecated)',
  3: 'GitHub Workflow SHA (deprecated)',
  4: 'GitHub Workflow Name (deprecated)',
  5: 'GitHub Workflow Repository (deprecated)',
  6: 'GitHub Workflow Ref (deprecated)',
  7: 'OtherName SAN',
  8: 'OIDC Issuer',
  9: 'Build Signer URI',
  10: 'Build Signer Digest',
  11: 'Runner Environment',
  12: 'Source Repository URI',
  13: 'Source Repository Digest',
  14: 'Source Repository Ref',
  15: 'Source Repository Identifier',
  16: 'Source Repository Owner URI',
  17: 'Source Repository Owner Identifier',
  18: 'Build Config URI',
  19: 'Build Config Digest',
  20: 'Build Trigger',
  21: 'Run Invocation URI',
  22: 'Source Repository Visibility At Signing',
  23: 'Deployment Environment',
  24: 'Token Subject',
};

export const OID = {
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
} as const;

export const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID.subjectKeyId]: 'Subject Key Identifier',
  [OID.keyUsage]: 'Key Usage',
  [OID.subjectAltName]: 'Subject Alternative Name',
  [OID.basicConstraints]: 'Basic Constraints',
  [OID.authorityKeyId]: 'Authority Key Identifier',
  [OID.extKeyUsage]: 'Extended Key Usage',
  [OID.sctList]: 'CT Precertificate SCTs',
  [OID.ctPoison]: 'CT Precertificate Poison',
  '2.5.29.31': 'CRL Distribution Points',
  '2.5.29.32': 'Certificate Policies',
  '1.3.6.1.5.5.7.1.1': 'Authority Information Access',
};

export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export const ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'ECDSA with SHA-256',
  '1.2.840.10045.4.3.3': 'ECDSA with SHA-384',
  '1.2.840.10045.4.3.4': 'ECDSA with SHA-512',
  '1.2.840.113549.1.1.11': 'RSA PKCS#1 v1.5 with SHA-256',
  '1.2.840.113549.1.1.12': 'RSA PKCS#1 v1.5 with SHA-384',
  '1.2.840.113549.1.1.13': 'RSA PKCS#1 v1.5 with SHA-512',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  [OID.ed25519]: 'Ed25519',
  [OID.ecPublicKey]: 'EC public key',
  [OID.rsaEncryption]: 'RSA',
};

export const CURVE_NAMES: Readonly<Record<string, string>> = {
  [OID.p256]: 'P-256',
  [OID.p384]: 'P-384',
  [OID.p521]: 'P-521',
};

export const KEY_PURPOSES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'Server Authentication',
  '1.3.6.1.5.5.7.3.2': 'Client Authentication',
  '1.3.6.1.5.5.7.3.3': 'Code Signing',
  '1.3.6.1.5.5.7.3.4': 'Email Protection',
  '1.3.6.1.5.5.7.3.8': 'Time Stamping',
};

/** KeyUsage bits in BIT STRING order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  'Digital Signature',
  'Content Commitment',
  'Key Encipherment',
  'Data Encipherment',
  'Key Agreement',
  'Certificate Sign',
  'CRL Sign',
  'Encipher Only',
  'Decipher Only',
] as const;

export const nameOf = (table: Readonly<Record<string, string>>, oid: string): string => table[oid] ?? oid;
