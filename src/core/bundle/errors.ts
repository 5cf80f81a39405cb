/**
 * Why a bundle did not verify, as data: each code names the step of the sigstore client
 * verification that failed, so the CLI, the UI and tests can branch on it without parsing
 * messages. The message says what was found, for a person.
 */
export type BundleFailure =
  | 'bundle-format' // not a bundle: JSON shape, base64, missing fields
  | 'media-type' // a bundle media type this verifier does not know
  | 'trusted-root' // the trusted root itself is malformed
  | 'policy' // the caller's options do not fit the bundle (no identity for a certificate, no key for a key bundle)
  | 'certificate-chain' // the leaf does not chain to a certificate authority of the trusted root
  | 'certificate-validity' // a certificate (or the CA's validFor) does not cover a verified time
  | 'certificate-usage' // key usage, extended key usage, basic constraints or path length
  | 'sct' // no embedded SCT verifies against the trusted root's ctlogs
  | 'tlog-missing' // no transparency log entry, or one without the proof its media type requires
  | 'tlog-key' // the entry's log is not in the trusted root, or its key was not valid then
  | 'set' // the signed entry timestamp (inclusion promise) does not verify
  | 'inclusion-proof' // the audit path does not lead to the checkpoint's root
  | 'checkpoint' // the checkpoint is malformed or its note signature does not verify
  | 'rfc3161' // an RFC 3161 timestamp does not verify against timestampAuthorities
  | 'timestamp-missing' // no verified time at all
  | 'body-mismatch' // the logged body does not describe this bundle's signature, key or digest
  | 'artifact-mismatch' // the artifact is not the one that was signed
  | 'signature' // the artifact or DSSE signature does not verify with the signer's key
  | 'public-key' // a key-signed bundle does not verify with the given key
  | 'identity' // the certificate's SAN does not match the identity policy
  | 'issuer'; // the certificate's OIDC issuer does not match the identity policy

export class BundleVerificationError extends Error {
  readonly code: BundleFailure;
  constructor(code: BundleFailure, message: string) {
    super(`${code}: ${message}`);
    this.name = 'BundleVerificationError';
    this.code = code;
  }
}

/** Throws a BundleVerificationError with `code` unless `ok`. */
export function need(ok: boolean, code: BundleFailure, message: string | (() => string)): asserts ok {
  if (!ok) throw new BundleVerificationError(code, typeof message === 'string' ? message : message());
}

/** Runs `fn`; any error that is not already a BundleVerificationError becomes one with `code`. */
export function as<T>(code: BundleFailure, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BundleVerificationError) throw err;
    throw new BundleVerificationError(code, `${what}: ${(err as Error).message}`);
  }
}
