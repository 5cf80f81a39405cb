/**
 * Disk per entry for real hashedrekord entries (issue 13 item 4: ≤ 1.3 × body + 150 B), on
 * Postgres and on embedded PGlite, for two body shapes: `key` — DISK_ENTRIES (default 20,000)
 * entries from bench/http-bench-pool.ts (unique artifacts, valid P-256 signatures, ~557-B
 * bodies) — and `cert` — the same with the public key replaced by a Fulcio-shaped leaf
 * certificate (email SAN, issuer extensions, signed by a sealhouse CA: ~1.4-KB bodies, the
 * shape of keyless signing). DISK_KINDS=key,cert picks them. Submitted through LogService
 * exactly as the API does (validation, canonical body, SETs, search keys, tiles, checkpoints),
 * then the bytes of every table with its indexes and TOAST, divided by the entries; for PGlite
 * also the growth of its data directory.
 *
 *   npm run bench:disk
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres DISK_ENTRIES=50000 node dist/bench/disk-bench.js
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRoot } from '../src/ca/ca-chain.js';
import { LeafDraft } from '../src/ca/leaf-certificate.js';
import { LogService } from '../src/log/log-service.js';
import { packBody, unpackBody } from '../src/storage/entry-body-codec.js';
import { migrate } from '../src/storage/migrate.js';
import { PgSql } from '../src/storage/pg-sql.js';
import { PgliteSql } from '../src/storage/pglite-sql.js';
import type { Sql } from '../src/storage/sql.js';
import { DEFAULT_BENCH_DATABASE, benchSchema, dirBytes, fmt } from './bench-util.js';
import { EntryPool } from './http-bench-pool.js';

const ENTRIES = Number(process.env.DISK_ENTRIES ?? 20_000);
const KINDS = (process.env.DISK_KINDS ?? 'key,cert').split(',');
const IN_FLIGHT = 2000;

interface BodySource {
  next(): Buffer;
}

/** hashedrekord bodies whose signer is a short-lived leaf certificate, as keyless clients send. */
class CertPool implements BodySource {
  private readonly signers: { key: KeyObject; pemB64: string }[] = [];
  private made = 0;
  private readonly salt = randomBytes(8).toString('hex');

  constructor(count = 64) {
    const root = generateRoot({ organization: 'disk-bench' });
    const ca = { subject: root.name, subjectKeyId: root.keyId, privateKey: root.key };
    for (let i = 0; i < count; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const draft = new LeafDraft(ca, {
        publicKey: publicKey.export({ format: 'der', type: 'spki' }),
        san: { type: 'email', value: `developer${i}@example.com` },
        extensions: [
          { oid: '1.3.6.1.4.1.57264.1.1', value: 'https://accounts.example.com', encoding: 'raw' },
          { oid: '1.3.6.1.4.1.57264.1.8', value: 'https://accounts.example.com', encoding: 'utf8string' },
        ],
      });
      // An SCT list's size (one SCT ≈ 120 B), so the certificate is as large as a CT-logged one.
      const der = draft.finalCertificate(Buffer.concat([Buffer.from([0, 121, 0, 119]), randomBytes(119)]));
      const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
      this.signers.push({ key: privateKey, pemB64: Buffer.from(pem).toString('base64') });
    }
  }

  next(): Buffer {
    const n = this.made++;
    const signer = this.signers[n % this.signers.length] as { key: KeyObject; pemB64: string };
    const artifact = Buffer.from(`sealhouse disk bench ${this.salt} artifact ${n}`);
    return Buffer.from(
      `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"${createHash('sha256').update(artifact).digest('hex')}"}},` +
        `"signature":{"content":"${sign('sha256', artifact, signer.key).toString('base64')}","publicKey":{"content":"${signer.pemB64}"}}}}`,
    );
  }
}

async function fill(sql: Sql, pool: BodySource): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const log = await LogService.open(sql, { key: { privateKey, publicKey, source: 'bench' }, host: 'disk.bench', maxBatch: 1000, maxDelayMs: 5, maxQueue: IN_FLIGHT * 2 });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ENTRIES) {
      next++;
      await log.submit(JSON.parse(pool.next().toString()));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await log.close();
}

interface Sizes {
  body: number;
  keysPerEntry: number;
  tables: { name: string; bytes: number }[];
  /** The heap, TOAST and each index of the two largest tables, to see where the bytes go. */
  parts: { name: string; bytes: number }[];
}

async function sizes(sql: Sql, schema: string): Promise<Sizes> {
  // The logical body size (the budget's), not the stored one: stored bodies are packed.
  const stored = await sql.query<{ body: Buffer }>('SELECT body FROM rekor_entries');
  const b = { body: stored.reduce((a, r) => a + unpackBody(Buffer.from(r.body)).length, 0) / Math.max(1, stored.length) };
  const rows = await sql.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`,
    [schema],
  );
  const [k] = await sql.query<{ n: number }>('SELECT (SELECT count(*) FROM rekor_index_keys)::float8 / greatest(1, (SELECT count(*) FROM rekor_entries)) AS n');
  const parts = await sql.query<{ name: string; bytes: string }>(
    `SELECT c.relname || ' (heap+TOAST)' AS name, (pg_relation_size(c.oid) + coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname IN ('rekor_entries', 'rekor_index_keys', 'tiles')
     UNION ALL
     SELECT i.relname, pg_relation_size(i.oid)::text FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname IN ('rekor_entries', 'rekor_index_keys', 'tiles')`,
    [schema],
  );
  return {
    body: b?.body ?? 0,
    keysPerEntry: k?.n ?? 0,
    tables: rows.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
    parts: parts.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
  };
}

function report(store: string, s: Sizes, extra?: string): void {
  const total = s.tables.reduce((a, t) => a + t.bytes, 0);
  const budget = 1.3 * s.body + 150;
  console.log(`\n${store}: ${ENTRIES} entries, mean canonical body ${fmt(s.body, 0)} B, budget 1.3×body+150 = ${fmt(budget, 0)} B/entry`);
  for (const t of s.tables.filter((x) => x.bytes / ENTRIES >= 1)) console.log(`  ${t.name.padEnd(20)} ${fmt(t.bytes / ENTRIES, 1).padStart(8)} B/entry`);
  console.log(`  ${'all tables'.padEnd(20)} ${fmt(total / ENTRIES, 1).padStart(8)} B/entry  (${fmt(total / ENTRIES / s.body, 2)}× body; ${total / ENTRIES <= budget ? 'within' : 'OVER'} budget)`);
  console.log(`  where: ${s.parts.map((p) => `${p.name} ${fmt(p.bytes / ENTRIES, 1)}`).join(', ')}; ${fmt(s.keysPerEntry, 2)} search keys per entry`);
  if (extra) console.log(`  ${extra}`);
}


/**
 * µs per body to pack (what the sequencer's insert adds on the server's main thread, including
 * the check that it unpacks exactly) and to unpack (every read), median of 9 passes over 2,000 bodies (CPU µs).
 */
function codecTiming(label: string, source: BodySource): void {
  const bodies = Array.from({ length: 2000 }, () => source.next());
  const packed = bodies.map(packBody);
  // CPU time of this thread, not wall time: on a shared machine wall time mostly measures the others.
  const pass = (fn: () => void): number => {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    return (d.user + d.system) / bodies.length;
  };
  const median = (xs: number[]): number => (xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number);
  const pack = median(Array.from({ length: 9 }, () => pass(() => bodies.forEach(packBody))));
  const unpack = median(Array.from({ length: 9 }, () => pass(() => packed.forEach(unpackBody))));
  const ratio = packed.reduce((a, p) => a + p.length, 0) / bodies.reduce((a, b) => a + b.length, 0);
  console.log(`\ncodec, ${label}: pack ${fmt(pack, 1)} CPU µs/body, unpack ${fmt(unpack, 1)} CPU µs/body, stored/body ${fmt(ratio, 3)} (load ${fmt(loadavg()[0] ?? 0, 1)})`);
}

console.log(`# disk benchmark, load ${loadavg().map((l) => fmt(l, 1)).join(' ')}`);
for (const kind of KINDS) {
  const source = (): BodySource => {
    if (kind === 'cert') return new CertPool();
    const pool = new EntryPool();
    pool.ensure(ENTRIES * 2);
    return pool;
  };
  const label = `${kind === 'cert' ? 'certificate' : 'public-key'} hashedrekord`;
  codecTiming(label, source());
  {
    const url = process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE;
    const { schema, drop } = await benchSchema(url);
    const sql = new PgSql({ connectionString: url, schema, maxConnections: 4 });
    try {
      await migrate(sql);
      await fill(sql, source());
      await sql.exec('VACUUM');
      report(`Postgres, ${label}`, await sizes(sql, schema));
    } finally {
      await sql.close();
      await drop();
    }
  }
  {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-disk-'));
    try {
      const sql = await PgliteSql.open(join(dir, 'pglite'), { fromTemplate: true });
      await migrate(sql);
      await sql.exec('CHECKPOINT');
      const before = dirBytes(join(dir, 'pglite'));
      await fill(sql, source());
      await sql.exec('VACUUM');
      await sql.exec('CHECKPOINT');
      const s = await sizes(sql, 'public');
      await sql.close();
      const after = dirBytes(join(dir, 'pglite'));
      report(`PGlite, ${label}`, s, `data directory grew ${fmt((after - before) / ENTRIES, 1)} B/entry (WAL segments included)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
