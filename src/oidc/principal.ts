/**
 * What an OIDC identity becomes in a Fulcio certificate, as the oidc room hands it to the CA:
 * the one subject alternative name and the sigstore OID extensions (arc 1.3.6.1.4.1.57264.1,
 * Fulcio docs/oid-info.md, https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
 * Defined here, not in ca/, because the oidc room produces them and must not import the CA.
 */

/** The subject alternative name: exactly one, of one of the three kinds Fulcio issues. */
export interface San {
  readonly type: 'email' | 'uri' | 'otherName';
  readonly value: string;
}

/** A sigstore extension: .1–.6 carry raw UTF-8, .8 onward a DER UTF8String. */
export interface SigstoreExtension {
  readonly oid: string;
  readonly value: string;
  readonly encoding: 'raw' | 'utf8string';
}

/** `1.3.6.1.4.1.57264.1.<n>`: .1 issuer, .8 issuer v2, .24 token subject, … */
export const sigstoreOid = (n: number): string => `1.3.6.1.4.1.57264.1.${n}`;
