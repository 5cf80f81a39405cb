/**
 * Public surface of the entries room (DESIGN.md §2): Rekor v1 entry types — validate, canonical
 * body, leaf hash, index keys — and verification over a given digest.
 * https://github.com/sigstore/rekor/tree/main/pkg/types
 */
export type { CanonicalEntry, EntryOptions, EntryType } from './entry-type.js';
export { canonicalizeProposedEntry, decodeCanonicalBody, ENTRY_TYPES } from './registry.js';
export { REKOR_DEFAULT_ALGORITHMS as DEFAULT_ALLOWED_ALGORITHMS, KNOWN_ALGORITHMS, validateAlgorithmNames, type DigestAlgorithm } from '../core/algorithms.js';
export { defaultBackend, verifyDigest, type VerifyBackend } from './digest-verify.js';
export { nativeVerifierStatus, type NativeVerifierStatus } from './native-verify.js';
export { parseVerifierMaterial, type PublicKeyInfo, type VerifierMaterial } from './keys.js';
