/**
 * Signature verification over a precomputed digest, for hashedrekord (rekor-api.md §2.1 step 3;
 * DESIGN.md §4). By default each key type takes its fastest measured path
 * (bench/verify-digest-bench.ts): ECDSA (DER or raw r‖s, high-S allowed) the native OpenSSL addon
 * when built, else @noble/curves; RSA PKCS#1 v1.5 crypto.publicDecrypt + DigestInfo (faster than
 * the addon, which must decode the SPKI each call); Ed25519 always Ed25519ph via @noble/curves
 * (Node's OpenSSL 3.0 has no Ed25519ph).
 *
 * Both back ends get identical normalised input, so they accept exactly the same signatures
 * (test/entries/digest-verify.test.ts checks this on a shared corpus).
 */
import { bufferOf } from '../buffer-view.js';
import { children, readOne, TAG } from '../core/der.js';
import type { DigestAlgorithm } from '../core/algorithms.js';
import { verifyEcdsaJs, verifyEd25519phJs, verifyRsaJs } from './digest-verify-js.js';
import { parseEcdsaSignature, toDer } from './ecdsa-signature.js';
import type { EcdsaCurve, PublicKeyInfo } from './keys.js';
import { nativeVerifier } from './native-verify.js';

/** `auto`: the fastest per key type; `native`/`js` force a back end (tests, benchmarks). */
export type VerifyBackend = 'auto' | 'native' | 'js';

/** What `auto` uses for ECDSA, the only type where the choice depends on the build. */
export function defaultBackend(): 'native' | 'js' {
  return nativeVerifier() === undefined ? 'js' : 'native';
}

/** The SEC1 point inside an EC SubjectPublicKeyInfo (its BIT STRING minus the unused-bits octet). */
function ecPoint(key: PublicKeyInfo): Buffer {
  if (key.ecPoint !== undefined) return key.ecPoint;
  try {
    key.ecPoint = bufferOf(children(readOne(key.spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo')[1]?.value.subarray(1) ?? new Uint8Array(0));
  } catch {
    key.ecPoint = Buffer.alloc(0);
  }
  return key.ecPoint;
}

/** What the native ECDSA verifier takes: the curve, the SEC1 point and a DER signature; undefined when `sig` cannot verify. */
function ecdsaInputs(key: PublicKeyInfo, sig: Buffer): { curve: EcdsaCurve; point: Buffer; der: Buffer } | undefined {
  const curve = key.curve;
  const parsed = curve === undefined ? undefined : parseEcdsaSignature(sig, curve);
  if (curve === undefined || parsed === undefined) return undefined;
  return { curve, point: ecPoint(key), der: toDer(parsed) };
}

/**
 * True when `sig` is a valid signature by `key` over `digest` (the output of `alg`). Never
 * throws on malformed signatures: they simply do not verify. Forcing `native` when the addon is
 * not built falls back to `js`.
 */
export function verifyDigest(
  key: PublicKeyInfo,
  alg: DigestAlgorithm,
  digest: Buffer,
  sig: Buffer,
  backend: VerifyBackend = 'auto',
): boolean {
  const native = backend === 'js' ? undefined : nativeVerifier();
  switch (key.algorithm) {
    case 'ecdsa': {
      if (native === undefined) {
        const parsed = key.curve === undefined ? undefined : parseEcdsaSignature(sig, key.curve);
        return key.curve !== undefined && parsed !== undefined && verifyEcdsaJs(key, key.curve, digest, parsed);
      }
      const inputs = ecdsaInputs(key, sig);
      return inputs !== undefined && native.verifyEcdsa(inputs.curve, inputs.point, digest, inputs.der);
    }
    case 'rsa':
      // Go's rsa.VerifyPKCS1v15 requires a signature exactly as long as the modulus.
      if (sig.length * 8 !== key.rsaBits) return false;
      return backend === 'native' && native !== undefined
        ? native.verifyDigest(key.spki, alg, digest, sig)
        : verifyRsaJs(key, alg, digest, sig);
    case 'ed25519':
      return alg === 'sha512' && verifyEd25519phJs(key, digest, sig);
  }
}

/**
 * verifyDigest, with native ECDSA verification run on libuv's thread pool (verifyEcdsaAsync in
 * native/verify_digest.c): the server's JavaScript thread is its limit and this verification was
 * its largest single item (≈ 130 µs per hashedrekord entry), while the second core had room.
 * The same inputs reach the same OpenSSL call, so it accepts exactly what verifyDigest accepts.
 * Other key types, the JS back end and an addon built before verifyEcdsaAsync existed verify
 * inline.
 */
export async function verifyDigestOffThread(
  key: PublicKeyInfo,
  alg: DigestAlgorithm,
  digest: Buffer,
  sig: Buffer,
  backend: VerifyBackend = 'auto',
): Promise<boolean> {
  const native = backend === 'js' || key.algorithm !== 'ecdsa' ? undefined : nativeVerifier();
  if (native?.verifyEcdsaAsync === undefined) return verifyDigest(key, alg, digest, sig, backend);
  const inputs = ecdsaInputs(key, sig);
  return inputs !== undefined && native.verifyEcdsaAsync(inputs.curve, inputs.point, digest, inputs.der);
}
