/**
 * The log's ECDSA P-256 signing key: read from a PEM file (PKCS#8 or SEC1), or generated on
 * first start into the data directory (mode 0600) and reused ever after, so the public key,
 * logID and every client's trust survive restarts. Errors name the file, never its contents;
 * a file other users can read is refused.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealhouseError } from '../errors.js';
import { checkKeyFileMode } from '../private-files.js';

export interface LogKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Where it came from, for the start-up log line. */
  readonly source: string;
}

export const GENERATED_LOG_KEY_FILE = 'log-key.pem';

export function loadLogKey(path: string): LogKey {
  checkKeyFileMode(path, 'the log key');
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SealhouseError('malformed_key', `cannot read the log key file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new SealhouseError(
      'malformed_key',
      `the log key file ${path} is not an unencrypted PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY")`,
    );
  }
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new SealhouseError(
      'malformed_key',
      `the log key in ${path} is ${privateKey.asymmetricKeyType ?? 'unknown'}${details?.namedCurve ? ` ${details.namedCurve}` : ''}; ` +
        'Rekor clients only accept ECDSA P-256 log keys',
    );
  }
  return { privateKey, publicKey: createPublicKey(privateKey), source: path };
}

/** The configured key file, or the generated one in `dataDir` (created on first call). */
export function loadOrCreateLogKey(options: { keyPath?: string | undefined; dataDir: string }): LogKey {
  if (options.keyPath) return loadLogKey(options.keyPath);
  const path = join(options.dataDir, GENERATED_LOG_KEY_FILE);
  if (existsSync(path)) return loadLogKey(path);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    // 'wx' fails if the file exists, so a key is never overwritten, even by a concurrent start.
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return loadLogKey(path);
}
