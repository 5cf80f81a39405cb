/**
 * Scale benchmark (issue 13 item 4): entry + inclusion-proof reads by random index on a tree of
 * 10^7 entries, cold and warm, and the disk it takes per entry.
 *
 *   npm run bench:scale                       # 10^7 entries (builds once, ~minutes; reused after)
 *   SCALE_ENTRIES=1000000 npm run bench:scale # a smaller tree (its own cluster directory)
 *
 * It runs its own Postgres 15 cluster (initdb into .cache/scale-pg-<N>-<body>, or under
 * SCALE_CACHE_DIR to share a built tree between checkouts; port 5544, as the
 * `postgres` OS user when run as root), so a cold measurement can stop it, drop the OS page cache
 * (root only; otherwise it says so and "cold" means a restarted Postgres and a fresh process)
 * and start it again.
 *
 * The tree is built in bulk but in our own format, through our own code: the migrations create
 * the tables; the entry rows (synthetic bodies of SCALE_BODY_BYTES, leaf_hash = SHA-256(0x00 ||
 * body), a 64-byte stand-in SET) are generated server-side by one INSERT … SELECT per million;
 * the tiles are what src/merkle/integrate.ts computes for those leaf hashes (with their inner
 * levels), and the head row is its root. The build then checks sample proofs against the root
 * with core's verifier and the root recomputed from the stored tiles. Search-index keys are not
 * generated (proof reads do not touch them; bench/disk-bench.ts measures them).
 *
 * Each measurement is a fresh child process (empty tile cache) doing SCALE_REQUESTS sequential
 * requests at random indexes — RekorStore.entriesByIndex + proveInclusion, what GET
 * /api/v1/log/entries?logIndex= does against the store — first cold, then the same indexes warm.
 * It also isolates the proof's CPU: the same proofs from tiles already in memory, with the
 * stored inner levels and without them (re-hashing each tile, as before migration 0008).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { verifyInclusion } from '../src/core/merkle.js';
import { nodeSha256 } from '../src/node-crypto.js';
import { EMPTY_EDGE, edgeTileRequests, integrate, type RightEdge } from '../src/merkle/integrate.js';
import { proveInclusion, rootAt, type TileReader } from '../src/merkle/prove.js';
import { PackedTile, splitHashes } from '../src/merkle/subtree.js';
import { migrate } from '../src/storage/migrate.js';
import { packBytes } from '../src/storage/packed-bytes.js';
import { PgSql } from '../src/storage/pg-sql.js';
import { RekorStore } from '../src/storage/rekor-store.js';
import { toBuffer, type Sql } from '../src/storage/sql.js';
import { TreeStore } from '../src/storage/tree-store.js';
import { dirBytes, fmt, summarize } from './bench-util.js';
import { PauseRecorder, TimedSql, describeGcs, tailReport, type RequestParts } from './request-breakdown.js';

const ENTRIES = Number(process.env.SCALE_ENTRIES ?? 10_000_000);
const BODY_BYTES = Number(process.env.SCALE_BODY_BYTES ?? 256);
const REQUESTS = Number(process.env.SCALE_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 3);
const PORT = Number(process.env.SCALE_PG_PORT ?? 5544);
const PG_BIN = process.env.SCALE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// SCALE_CACHE_DIR lets another checkout reuse a built tree (a 10^7 build is ~11 min of two cores).
const CACHE_DIR = process.env.SCALE_CACHE_DIR ?? join(ROOT, '.cache');
const DIR = join(CACHE_DIR, `scale-pg-${ENTRIES}-${BODY_BYTES}`);
const URL_ = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
const TREE = 'rekor';
const CHUNK = 1_000_000;

const asRoot = process.getuid?.() === 0;

/** Run a Postgres binary as the postgres OS user when we are root (initdb refuses root). */
function pgRun(bin: string, args: string[]): void {
  const cmd = join(PG_BIN, bin);
  const res = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : spawnSync(cmd, args, { stdio: 'pipe' });
  if (res.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${res.stderr.toString()}${res.stdout.toString()}`);
}

/** Statements slower than this (ms) are logged by the measuring Postgres, to tell its own time from ours. */
const SLOW_MS = Number(process.env.SCALE_PG_SLOW_MS ?? 2);

function startPg(build: boolean): void {
  // While building, durability is pointless (a crash means rebuild): no fsync, no full-page writes.
  const opts = [`-p ${PORT}`, `-k ${DIR}`, '-c listen_addresses=127.0.0.1', '-c shared_buffers=128MB'];
  if (!build) opts.push(`-c log_min_duration_statement=${SLOW_MS}`);
  if (build) opts.push('-c fsync=off', '-c full_page_writes=off', '-c synchronous_commit=off', '-c max_wal_size=8GB', '-c maintenance_work_mem=512MB');
  pgRun('pg_ctl', ['-D', join(DIR, 'data'), '-l', join(DIR, 'server.log'), '-o', opts.join(' '), '-w', 'start']);
}

function stopPg(): void {
  pgRun('pg_ctl', ['-D', join(DIR, 'data'), '-m', 'fast', '-w', 'stop']);
}

/** Drop the OS page cache so the restarted Postgres reads from disk; false if not permitted. */
function dropPageCache(): boolean {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function ensureCluster(): void {
  if (existsSync(join(DIR, 'data', 'PG_VERSION'))) return;
  mkdirSync(DIR, { recursive: true });
  if (asRoot) execFileSync('chown', ['postgres', DIR]);
  pgRun('initdb', ['-D', join(DIR, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync']);
}

/** The synthetic body of entry i: same bytes in SQL (the INSERT) and here (the tiles). */
function bodyOf(i: number): Buffer {
  const head = `{"kind":"synthetic","idx":${i},"pad":"`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, BODY_BYTES - head.length - 2)) + '"}');
}
const BODY_SQL = `convert_to('{"kind":"synthetic","idx":' || i || ',"pad":"' || repeat('x', greatest(0, ${BODY_BYTES} - length('{"kind":"synthetic","idx":' || i || ',"pad":"') - 2)) || '"}', 'UTF8')`;
const leafOf = (i: number): Buffer => createHash('sha256').update(Buffer.of(0)).update(bodyOf(i)).digest();

async function build(sql: Sql): Promise<void> {
  await migrate(sql);
  const tree = await TreeStore.open(sql, TREE);
  const head = await tree.head();
  if (head.treeSize === ENTRIES) return;
  if (head.treeSize !== 0) throw new Error(`${DIR} holds a tree of ${head.treeSize}, not ${ENTRIES}: remove the directory`);
  const t0 = Date.now();
  console.log(`building ${ENTRIES.toLocaleString()} entries of ${BODY_BYTES} B in ${DIR} …`);
  const [loaded] = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM rekor_entries WHERE tree_id = $1 AND EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'rekor_entries_leaf_hash')",
    [tree.treeId],
  );
  if (loaded?.n === ENTRIES) {
    console.log('  entries already loaded by an interrupted build: rebuilding the tiles only');
    await sql.query('DELETE FROM tiles WHERE tree_id = $1', [tree.treeId]);
  } else await loadEntries(sql, tree.treeId, t0);

  if (process.env.SCALE_TILES === 'js') await tilesInJs(sql, tree.treeId);
  else await tilesInSql(sql, tree.treeId);
  // The head's root from the stored tiles (the right edge, as TreeStore.vouch loads it).
  const rootHash = await rootAt(ENTRIES, TreeStore.byId(sql, tree.treeId));
  await sql.query('UPDATE trees SET tree_size = $2, root_hash = $3 WHERE tree_id = $1', [tree.treeId, ENTRIES, rootHash]);
  console.log(`  tiles written (${fmt((Date.now() - t0) / 1000, 0)} s); vacuum …`);
  // Set hint bits and the visibility map now, so the first cold read does not write pages.
  for (const statement of ['VACUUM (ANALYZE) rekor_entries', 'VACUUM (ANALYZE) tiles', 'CHECKPOINT']) await sql.exec(statement);
  console.log(`  built in ${fmt((Date.now() - t0) / 1000, 0)} s`);
}

/** The entry rows, a million per statement; indexes dropped during the load and rebuilt by sort after. */
async function loadEntries(sql: Sql, treeId: number, t0: number): Promise<void> {
  // Load without the secondary indexes and rebuild them after: the same indexes, built by sort.
  await sql.exec('DROP INDEX rekor_entries_leaf_hash; ALTER TABLE rekor_entries DROP CONSTRAINT rekor_entries_pkey');
  for (let start = 0; start < ENTRIES; start += CHUNK) {
    const end = Math.min(ENTRIES, start + CHUNK);
    await sql.query(
      `INSERT INTO rekor_entries (tree_id, idx, leaf_hash, body, integrated_time, set_signature)
       SELECT $1, i, sha256('\\x00'::bytea || b), b, 1700000000 + i, sha256(b) || sha256(sha256(b))
       FROM (SELECT i, ${BODY_SQL} AS b FROM generate_series($2::bigint, $3::bigint - 1) AS i) s`,
      [treeId, start, end],
    );
    process.stdout.write(`  entries ${end.toLocaleString()} (${fmt((Date.now() - t0) / 1000, 0)} s)\n`);
  }
  await sql.exec('ALTER TABLE rekor_entries ADD PRIMARY KEY (tree_id, idx); CREATE INDEX rekor_entries_leaf_hash ON rekor_entries USING hash (leaf_hash)');
  console.log(`  indexes rebuilt (${fmt((Date.now() - t0) / 1000, 0)} s)`);
}

/** Tiles as src/merkle/integrate.ts computes them (one SHA-256 per node in this process: slow on a loaded machine). */
async function tilesInJs(sql: Sql, treeId: number): Promise<void> {
  let edge: RightEdge = EMPTY_EDGE;
  const full: { level: number; index: number; hashes: Buffer; inner: Buffer }[] = [];
  const flush = async (rows: { level: number; index: number; hashes: Buffer; inner: Buffer | undefined }[]): Promise<void> => {
    const inner = packBytes(rows.map((r) => r.inner ?? Buffer.alloc(0)));
    await sql.query(
      `INSERT INTO tiles (tree_id, level, idx, hashes, inner_hashes)
       SELECT $1, l, i, h, NULLIF(substring($5::bytea FROM o + 1 FOR n), ''::bytea)
       FROM unnest($2::smallint[], $3::bigint[], $4::bytea[], $6::int[], $7::int[]) AS t(l, i, h, o, n)`,
      [treeId, rows.map((r) => r.level), rows.map((r) => r.index), rows.map((r) => r.hashes), inner.blob, inner.offsets, inner.lengths],
    );
  };
  for (let start = 0; start < ENTRIES; start += 65_536) {
    const end = Math.min(ENTRIES, start + 65_536);
    const leaves = new Array<Buffer>(end - start);
    for (let i = start; i < end; i++) leaves[i - start] = leafOf(i);
    const result = integrate(edge, leaves);
    edge = result.edge;
    for (const t of result.tiles) if (t.inner) full.push({ level: t.level, index: t.index, hashes: Buffer.concat(t.hashes as Buffer[]), inner: t.inner });
    if (full.length >= 512) await flush(full.splice(0));
  }
  await flush(full.splice(0));
  const partials = edgeTileRequests(ENTRIES).map((r) => ({ level: r.level, index: r.index, hashes: Buffer.concat(edge.partials[r.level] as Buffer[]), inner: undefined }));
  if (partials.length > 0) await flush(partials);
}

/**
 * The same tiles computed by the server (C SHA-256), level by level: a level-L tile holds 256
 * consecutive hashes of level 8L — leaf hashes for L = 0, the roots of the full tiles below
 * otherwise (root = SHA-256(0x01 || the two level-7 inner hashes)) — and full tiles get their
 * inner levels by the statement migrations/0008 backfills with. The tree is then checked against
 * leaves recomputed here (verifyTree), so a mistake in this SQL cannot pass unnoticed.
 */
async function tilesInSql(sql: Sql, treeId: number): Promise<void> {
  const t0 = Date.now();
  await sql.query(
    `INSERT INTO tiles (tree_id, level, idx, hashes)
     SELECT $1, 0, idx / 256, string_agg(leaf_hash, ''::bytea ORDER BY idx) FROM rekor_entries WHERE tree_id = $1 GROUP BY idx / 256`,
    [treeId],
  );
  for (let level = 0; ; level++) {
    await sql.query(
      `WITH RECURSIVE lv (level, idx, k, h) AS (
         SELECT level, idx, 0, hashes FROM tiles WHERE tree_id = $1 AND level = $2 AND length(hashes) = 8192
         UNION ALL
         SELECT level, idx, k + 1,
                (SELECT string_agg(sha256('\\x01'::bytea || substring(h FROM i * 64 + 1 FOR 64)), ''::bytea ORDER BY i)
                 FROM generate_series(0, length(h) / 64 - 1) AS i)
         FROM lv WHERE k < 7)
       UPDATE tiles t SET inner_hashes = agg.inner
       FROM (SELECT level, idx, string_agg(h, ''::bytea ORDER BY k) AS inner FROM lv WHERE k > 0 GROUP BY level, idx) agg
       WHERE t.tree_id = $1 AND t.level = agg.level AND t.idx = agg.idx`,
      [treeId, level],
    );
    const [up] = await sql.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO tiles (tree_id, level, idx, hashes)
         SELECT $1, $2 + 1, idx / 256, string_agg(sha256('\\x01'::bytea || substring(inner_hashes FROM 8065 FOR 64)), ''::bytea ORDER BY idx)
         FROM tiles WHERE tree_id = $1 AND level = $2 AND inner_hashes IS NOT NULL GROUP BY idx / 256 RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [treeId, level],
    );
    console.log(`  tile level ${level} done, ${up?.n ?? 0} tiles above (${fmt((Date.now() - t0) / 1000, 0)} s)`);
    if (!up || up.n === 0) break;
  }
}

/** Sample proofs against the head's root with core's verifier, and the root from the tiles. */
async function verifyTree(sql: Sql): Promise<void> {
  const tree = await TreeStore.open(sql, TREE);
  const rekor = new RekorStore(sql, tree.treeId);
  const head = await tree.head();
  const root = await rootAt(head.treeSize, TreeStore.byId(sql, tree.treeId));
  if (!root.equals(head.rootHash)) throw new Error('the root recomputed from the stored tiles is not the head row');
  for (const index of [0, 1, 255, 256, head.treeSize - 1, ...Array.from({ length: 20 }, () => randomInt(head.treeSize))]) {
    const [entry] = await rekor.entriesByIndex([index]);
    if (!entry || !entry.leafHash.equals(leafOf(index))) throw new Error(`entry ${index} is not what the tiles were built from`);
    verifyInclusion(nodeSha256, index, head.treeSize, entry.leafHash, await proveInclusion(index, head.treeSize, tree), head.rootHash);
  }
  console.log(`verified: root from tiles = head root; 25 sample inclusion proofs verify (core verifier)`);
}

interface Measured {
  cold: number[];
  warm: number[];
  coldParts: RequestParts[];
  warmParts: RequestParts[];
  /** Sequential `SELECT 1` round trips: the client + server + scheduling floor. */
  floor: number[];
  gcs: string;
  loopDelayP99: number;
  loopDelayMax: number;
  cpuInner: number;
  cpuRehash: number;
}

/** The child: one fresh process, empty caches. */
async function measure(): Promise<void> {
  const pgSql = new PgSql({ connectionString: URL_, maxConnections: 2 });
  const sql = new TimedSql(pgSql);
  const tree = await TreeStore.open(sql, TREE);
  const rekor = new RekorStore(sql, tree.treeId);
  const { treeSize, rootHash } = await tree.head();
  const indexes = Array.from({ length: REQUESTS }, () => randomInt(treeSize));
  const pauses = new PauseRecorder();
  pauses.start();
  const run = async (): Promise<RequestParts[]> => {
    const out: RequestParts[] = [];
    for (const index of indexes) {
      const parts: RequestParts = { total: 0, entrySql: 0, tileSql: 0, proof: 0, gc: 0 };
      sql.current = parts;
      const t = performance.now();
      const [[entry], proof] = await Promise.all([
        rekor.entriesByIndex([index]),
        proveInclusion(index, treeSize, tree).then((p) => {
          parts.proof = performance.now() - t;
          return p;
        }),
      ]);
      const end = performance.now();
      parts.total = end - t;
      parts.gc = pauses.overlap(t, end);
      out.push(parts);
      if (!entry || proof.length === 0) throw new Error(`no entry/proof at ${index}`);
    }
    sql.current = undefined;
    return out;
  };
  const coldParts = await run();
  const warmParts = await run();
  const floor: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await pgSql.query('SELECT 1');
    floor.push(performance.now() - t);
  }
  pauses.stop();
  const cold = coldParts.map((p) => p.total);
  const warm = warmParts.map((p) => p.total);
  // Proof CPU alone: tiles in memory as raw bytes, made afresh for every proof (no memo): packed
  // with their stored inner levels (what TileCache hands out), or split and re-hashed.
  const raw = new Map<string, { bytes: Buffer; inner: Buffer | null }>();
  const rows = await sql.query<{ level: number; idx: number; hashes: Buffer; inner_hashes: Buffer | null }>(
    `SELECT level, idx, hashes, inner_hashes FROM tiles WHERE tree_id = $1 AND (level > 0 OR idx = ANY($2::bigint[]) OR idx >= $3)`,
    [tree.treeId, indexes.map((i) => Math.floor(i / 256)), Math.floor(treeSize / 256)],
  );
  for (const r of rows) raw.set(`${r.level}/${r.idx}`, { bytes: toBuffer(r.hashes), inner: r.inner_hashes === null ? null : toBuffer(r.inner_hashes) });
  const reader = (useInner: boolean): TileReader => ({
    readTiles: async (requests) =>
      requests.map((q) => {
        const t = raw.get(`${q.level}/${q.index}`);
        if (!t) throw new Error(`tile ${q.level}/${q.index} not loaded`);
        return useInner ? new PackedTile(t.bytes, t.inner ?? undefined) : splitHashes(t.bytes, t.bytes.length / 32);
      }),
  });
  const cpu = async (useInner: boolean): Promise<number> => {
    const t = process.hrtime.bigint();
    for (const index of indexes) await proveInclusion(index, treeSize, reader(useInner));
    return Number(process.hrtime.bigint() - t) / 1e6 / indexes.length;
  };
  const check = await proveInclusion(indexes[0] as number, treeSize, reader(true));
  verifyInclusion(nodeSha256, indexes[0] as number, treeSize, leafOf(indexes[0] as number), check, rootHash);
  await cpu(true); // warm up the JIT for both paths
  await cpu(false);
  const result: Measured = {
    cold,
    warm,
    coldParts,
    warmParts,
    floor,
    gcs: describeGcs(pauses.gcs),
    loopDelayP99: pauses.loop.percentile(99) / 1e6,
    loopDelayMax: pauses.loop.max / 1e6,
    cpuRehash: await cpu(false),
    cpuInner: await cpu(true),
  };
  await pgSql.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function child(): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--measure'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`measurement exited ${code}: ${out}`));
      else resolve(JSON.parse(line.slice(7)) as Measured);
    });
  });
}


/**
 * Statements over SLOW_MS as Postgres timed them (its log since `from`) against the round trips
 * over SLOW_MS the client saw: the difference is time spent outside Postgres' execution —
 * scheduling, the socket, the client's parsing.
 */
function slowStatements(from: number, parts: readonly RequestParts[]): string {
  const log = readFileSync(join(DIR, 'server.log')).subarray(from).toString();
  const server = { tiles: [] as number[], entries: [] as number[] };
  for (const m of log.matchAll(/duration: ([\d.]+) ms[^\n]*(FROM tiles|FROM rekor_entries)/g)) (m[2] === 'FROM tiles' ? server.tiles : server.entries).push(Number(m[1]));
  const client = { tiles: parts.filter((p) => p.tileSql > SLOW_MS).length, entries: parts.filter((p) => p.entrySql > SLOW_MS).length };
  const max = (xs: number[]): string => (xs.length ? fmt(Math.max(...xs)) : '-');
  return `round trips over ${SLOW_MS} ms, client-seen vs Postgres-executed: tile query ${client.tiles} vs ${server.tiles.length} (server max ${max(server.tiles)} ms), entry query ${client.entries} vs ${server.entries.length} (server max ${max(server.entries)} ms)`;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  ensureCluster();
  startPg(true);
  try {
    const sql = new PgSql({ connectionString: URL_, maxConnections: 2 });
    await build(sql);
    await verifyTree(sql);
    const sizes = await sql.query<{ rel: string; bytes: string }>(
      `SELECT c.relname AS rel, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 4`,
    );
    await sql.close();
    for (const s of sizes) console.log(`disk: ${s.rel.padEnd(18)} ${fmt(Number(s.bytes) / ENTRIES, 1)} B/entry (tables + indexes + TOAST)`);
  } finally {
    stopPg();
  }
  console.log(`disk: cluster directory ${fmt(dirBytes(join(DIR, 'data')) / ENTRIES, 1)} B/entry (with WAL and catalogs); body ${BODY_BYTES} B`);

  const rounds: Measured[] = [];
  let dropped = false;
  for (let r = 0; r < ROUNDS; r++) {
    dropped = dropPageCache();
    const logFrom = existsSync(join(DIR, 'server.log')) ? statSync(join(DIR, 'server.log')).size : 0;
    startPg(false);
    try {
      rounds.push(await child());
    } finally {
      stopPg();
    }
    const m = summarize((rounds[r] as Measured).cold);
    const done = rounds[r] as Measured;
    const f = summarize(done.floor);
    console.log(`round ${r + 1}: cold p50 ${fmt(m.p50)} p99 ${fmt(m.p99)} ms; load ${loadavg().map((l) => fmt(l, 1)).join(' ')}`);
    for (const l of [...tailReport('  cold', done.coldParts), ...tailReport('  warm', done.warmParts)]) console.log(l);
    console.log(`  ${slowStatements(logFrom, [...done.coldParts, ...done.warmParts])}`);
    console.log(`  SELECT 1 floor p50 ${fmt(f.p50)} p99 ${fmt(f.p99)} max ${fmt(f.max)} ms; event-loop delay p99 ${fmt(done.loopDelayP99)} max ${fmt(done.loopDelayMax)} ms; GC: ${done.gcs}`);
  }
  if (!dropped) console.log('NOTE: could not drop the OS page cache (not root): "cold" = restarted Postgres + fresh process only');
  const line = (name: string, pick: (m: Measured) => number[]): void => {
    const s = rounds.map((m) => summarize(pick(m)));
    const spread = (k: 'p50' | 'p95' | 'p99'): string => `${fmt(median(s.map((x) => x[k])))} [${fmt(Math.min(...s.map((x) => x[k])))}–${fmt(Math.max(...s.map((x) => x[k])))}]`;
    console.log(`${name.padEnd(5)} entry+proof ms (median [min–max] of ${ROUNDS} rounds × ${REQUESTS}): p50 ${spread('p50')}  p95 ${spread('p95')}  p99 ${spread('p99')}`);
  };
  console.log(`\n${ENTRIES.toLocaleString()} entries, ${cpus().length} cores, load ${loadavg().map((l) => fmt(l, 1)).join(' ')}, page cache dropped: ${dropped}`);
  line('cold', (m) => m.cold);
  line('warm', (m) => m.warm);
  console.log(`proof CPU per proof (tiles in memory, median of rounds): with stored inner levels ${fmt(median(rounds.map((m) => m.cpuInner)), 3)} ms, re-hashing ${fmt(median(rounds.map((m) => m.cpuRehash)), 3)} ms`);
}

if (process.argv.includes('--measure')) await measure();
else await main();
