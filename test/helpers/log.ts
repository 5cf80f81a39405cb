/** Building log services and synthetic entries for tests. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leafHash } from '../../src/merkle/hash.js';
import type { LogKey } from '../../src/log/log-key.js';
import { LogService, type LogServiceOptions } from '../../src/log/log-service.js';
import type { PendingEntry } from '../../src/log/sequencer.js';
import type { Sql } from '../../src/storage/sql.js';

export function freshLogKey(): LogKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, source: 'test' };
}

/** A fresh P-256 key written to a temporary PEM file (for child processes). */
export function logKeyFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-key-'));
  const path = join(dir, 'log-key.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  return path;
}

export async function openLog(sql: Sql, overrides: Partial<LogServiceOptions> = {}): Promise<LogService> {
  return LogService.open(sql, {
    key: freshLogKey(),
    host: 'log.test.example',
    maxBatch: 64,
    maxDelayMs: 2,
    maxQueue: 100_000,
    ...overrides,
  });
}

/** A synthetic entry: any bytes are a valid Merkle leaf for the core (no entry-type checks here). */
export function syntheticEntry(label: string): PendingEntry {
  const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'synthetic', spec: { label } }));
  const digest = createHash('sha256').update(label).digest('hex');
  return { body, leafHash: leafHash(body), indexKeys: [`sha256:${digest}`, `label:${label}`] };
}
