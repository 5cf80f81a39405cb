/**
 * The Rekor log's signing key: an ECDSA P-256 key file (key-file.ts), configured or generated
 * into the data directory as `log-key.pem`. P-256 because clients reject any other SET key.
 */
import { type EcKey, loadEcKey, loadOrCreateEcKey } from '../key-file.js';

export type LogKey = EcKey;

export const GENERATED_LOG_KEY_FILE = 'log-key.pem';

export const LOG_KEY_USE = { what: 'the log key', why: 'Rekor clients only accept ECDSA P-256 log keys' } as const;

export function loadLogKey(path: string): LogKey {
  return loadEcKey(path, LOG_KEY_USE);
}

/** The configured key file, or the generated one in `dataDir` (created on first call). */
export function loadOrCreateLogKey(options: { keyPath?: string | undefined; dataDir: string }): LogKey {
  return loadOrCreateEcKey({ ...LOG_KEY_USE, path: options.keyPath, dataDir: options.dataDir, fileName: GENERATED_LOG_KEY_FILE });
}
