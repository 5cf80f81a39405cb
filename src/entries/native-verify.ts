/**
 * Loader for the optional N-API addon in native/ (DESIGN.md §4): ECDSA and RSA PKCS#1 v1.5
 * verification over a given digest with the OpenSSL inside the running node binary. Built by
 * scripts/build-native.js; when it is absent or fails to load, callers fall back to the pure-JS
 * path (digest-verify-js.ts). The outcome is recorded for the composition root to log, and is
 * printed with NODE_DEBUG=sealhouse-native.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';

export interface NativeVerifier {
  /** EVP_PKEY_verify over a digest (ECDSA DER signature, or RSA PKCS#1 v1.5). */
  verifyDigest(spki: Uint8Array, digestName: string, digest: Uint8Array, signature: Uint8Array): boolean;
  /** Low-level ECDSA_verify with a SEC1 point: skips OpenSSL 3's slow SPKI decoder. */
  verifyEcdsa(curve: string, point: Uint8Array, digest: Uint8Array, derSignature: Uint8Array): boolean;
  /** verifyEcdsa on libuv's thread pool (inputs copied); absent from builds that predate it. */
  verifyEcdsaAsync?(curve: string, point: Uint8Array, digest: Uint8Array, derSignature: Uint8Array): Promise<boolean>;
}

export interface NativeVerifierStatus {
  loaded: boolean;
  /** The .node file that was loaded, or why none was. */
  detail: string;
}

const debug = debuglog('sealhouse-native');
const ADDON = 'native/build/Release/sealhouse_verify.node';
/** Written by scripts/build-native.js when it could not build the addon: the reason. */
const NOT_BUILT = 'native/build/not-built.txt';
// Compiled to dist/src/entries/, run from src/entries/ by ts loaders: try both depths.
const under = (file: string): string[] => ['../../../', '../../'].map((up) => fileURLToPath(new URL(`${up}${file}`, import.meta.url)));
const CANDIDATES = under(ADDON);

/**
 * Why the build script could not build the addon, if it said so. Undefined means the addon was
 * expected: `npm install` builds it wherever a compiler exists, so its absence is then a fault.
 */
export function nativeBuildSkipped(): string | undefined {
  const marker = under(NOT_BUILT).find((p) => existsSync(p));
  return marker === undefined ? undefined : readFileSync(marker, 'utf8').trim() || 'no reason recorded';
}

let cached: { addon: NativeVerifier | undefined; status: NativeVerifierStatus } | undefined;

function load(): { addon: NativeVerifier | undefined; status: NativeVerifierStatus } {
  if (process.env.SEALHOUSE_NATIVE_VERIFY === '0') {
    return { addon: undefined, status: { loaded: false, detail: 'disabled by SEALHOUSE_NATIVE_VERIFY=0' } };
  }
  const path = CANDIDATES.find((p) => existsSync(p));
  if (path === undefined) {
    const skipped = nativeBuildSkipped();
    const detail = skipped === undefined ? `${ADDON} not built (run node scripts/build-native.js)` : `${ADDON} could not be built: ${skipped}`;
    return { addon: undefined, status: { loaded: false, detail } };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as Partial<NativeVerifier>;
    if (typeof addon.verifyDigest !== 'function' || typeof addon.verifyEcdsa !== 'function') {
      throw new Error('stale build: verifyDigest/verifyEcdsa exports missing (rebuild with node scripts/build-native.js)');
    }
    return { addon: addon as NativeVerifier, status: { loaded: true, detail: path } };
  } catch (err) {
    return { addon: undefined, status: { loaded: false, detail: `${path} failed to load: ${(err as Error).message}` } };
  }
}

/** The addon, or undefined when unavailable (loads once). */
export function nativeVerifier(): NativeVerifier | undefined {
  if (cached === undefined) {
    cached = load();
    debug('native digest verifier: %s (%s)', cached.status.loaded ? 'loaded' : 'unavailable', cached.status.detail);
  }
  return cached.addon;
}

export function nativeVerifierStatus(): NativeVerifierStatus {
  nativeVerifier();
  return (cached as { status: NativeVerifierStatus }).status;
}
