/**
 * The one loader for Sealhouse's ECDSA P-256 key files: the Rekor log key, the CT log key
 * (RFC 6962 §2.1.4) and the development OIDC issuer's key. Each is read from a configured PEM
 * file (PKCS#8 or SEC1), or generated once into the data directory with mode 0600 and reused
 * ever after, so log IDs, issued tokens and every client's trust survive restarts, and the CLI
 * sees the server's key. Errors name the file, never its contents; a file other users can read
 * is refused (private-files.ts). The CA's own key (P-384, possibly encrypted, with a chain) has
 * a format of its own and is loaded by ca/ca-keys.ts, with the same mode check. The Rekor v2
 * log's checkpoint key is Ed25519 (C2SP notes, witness-compatible) and loads here too, with
 * `kind: 'ed25519'`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealhouseError } from './errors.js';
import { checkKeyFileMode } from './private-files.js';

export interface EcKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Where it came from, for the start-up log line. */
  readonly source: string;
}

export interface EcKeyUse {
  /** What the key is for, in error messages: "the CT log key". */
  readonly what: string;
  /** Why it must be P-256, appended to the wrong-curve message (default: "it must be ECDSA P-256"). */
  readonly why?: string;
  /** The key type: ECDSA P-256 (default) or Ed25519 (the Rekor v2 checkpoint key). */
  readonly kind?: 'p256' | 'ed25519';
}

export interface EcKeySpec extends EcKeyUse {
  /** Configured PEM file; wins over the generated one. */
  readonly path?: string | undefined;
  readonly dataDir: string;
  /** File name inside dataDir for the generated key, e.g. `ct-key.pem`. */
  readonly fileName: string;
}

/** Where `sealhouse rotate` writes a log's new generated key before the rotation is recorded: <name>.next.pem. */
export const nextKeyFile = (fileName: string): string => fileName.replace(/\.pem$/, '.next.pem');
/** Where it keeps a frozen shard's generated key (never needed again by the log; the operator's to archive or destroy). */
export const retiredKeyFile = (fileName: string, ordinal: number): string => fileName.replace(/\.pem$/, `.retired-${ordinal}.pem`);

/**
 * The files that may hold a rotating log key: the configured one, or the generated one and the
 * .next one `sealhouse rotate` writes before the rotation is recorded and renames after — a
 * process that meets the new shard between those steps finds the key under either name.
 */
export function rotatingKeyFiles(spec: { readonly path?: string | undefined; readonly dataDir: string; readonly fileName: string }): string[] {
  return spec.path ? [spec.path] : [join(spec.dataDir, spec.fileName), join(spec.dataDir, nextKeyFile(spec.fileName))];
}

/**
 * The key among `files` whose public key is `spki` (DER), or undefined while none holds it. A
 * file that does not load is passed over: during a rotation it may be half renamed, and the
 * caller says where it looked when nothing matched.
 */
export function findKeyFor(files: readonly string[], spki: Buffer, use: EcKeyUse): EcKey | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const key = loadEcKey(file, use);
      if (key.publicKey.export({ type: 'spki', format: 'der' }).equals(spki)) return key;
    } catch {
      // not this one (or not readable yet): try the next
    }
  }
  return undefined;
}

export function loadEcKey(path: string, use: EcKeyUse): EcKey {
  checkKeyFileMode(path, use.what);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SealhouseError('malformed_key', `cannot read ${use.what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new SealhouseError('malformed_key', `${use.what} file ${path} is not an unencrypted PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY")`);
  }
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (use.kind === 'ed25519') {
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new SealhouseError('malformed_key', `${use.what} in ${path} is ${privateKey.asymmetricKeyType ?? 'unknown'}${curve ? ` ${curve}` : ''}; ${use.why ?? 'it must be Ed25519'}`);
    }
  } else if (privateKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new SealhouseError(
      'malformed_key',
      `${use.what} in ${path} is ${privateKey.asymmetricKeyType ?? 'unknown'}${curve ? ` ${curve}` : ''}; ${use.why ?? 'it must be ECDSA P-256'}`,
    );
  }
  return { privateKey, publicKey: createPublicKey(privateKey), source: path };
}

/** The configured key file, or the generated one in `dataDir` (created on first call). */
export function loadOrCreateEcKey(spec: EcKeySpec): EcKey {
  if (spec.path) return loadEcKey(spec.path, spec);
  const path = join(spec.dataDir, spec.fileName);
  if (existsSync(path)) return loadEcKey(path, spec);
  mkdirSync(spec.dataDir, { recursive: true, mode: 0o700 });
  try {
    const { privateKey } = spec.kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // 'wx' fails if the file exists, so a key is never overwritten, even by a concurrent start.
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadEcKey(path, spec);
}
