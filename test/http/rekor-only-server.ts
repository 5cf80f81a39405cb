/**
 * A Rekor-API-only server built from the same parts src/main.ts composes (LogService,
 * createRekorApi, createApp), for settings the configuration does not expose yet — the
 * hashedrekord algorithm allow-list, Rekor's `--client-signing-algorithms` (rekor-api.md §2.1
 * item 4). Same stores as test/helpers/server.ts: a fresh Postgres schema or an in-memory PGlite.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { EntryOptions } from '../../src/entries/index.js';
import { createApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { createRekorApi } from '../../src/http/rekor-api.js';
import { LogService } from '../../src/log/log-service.js';
import { openTestDatabase } from '../helpers/db.js';

export interface RekorOnlyServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startRekorOnlyServer(entryOptions: EntryOptions): Promise<RekorOnlyServer> {
  const db = await openTestDatabase();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const log = await LogService.open(db.sql, {
    key: { privateKey, publicKey, source: 'generated for this test' },
    host: '127.0.0.1',
    maxBatch: 100,
    maxDelayMs: 2,
    maxQueue: 1000,
    entryOptions,
  });
  const rekor = await createRekorApi({ log, draining: () => false });
  const app = createApp({ rekor, metrics: new Metrics(), logger: pino({ level: 'silent' }), maxBodyBytes: 1024 * 1024, ready: async () => true });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
      await db.close();
    },
  };
}
