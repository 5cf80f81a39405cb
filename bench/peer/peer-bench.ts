/**
 * Sealhouse beside the systems it replaces, on this machine, under one load generator (issue 13
 * item 1): Rekor v1 (rekor-server + Trillian + MariaDB + Redis), Rekor v2 (rekor-tiles, POSIX)
 * and, when it built, Fulcio — each against Sealhouse on a fresh database of the real Postgres.
 * bench/peer/build.sh builds the Go servers into .cache/peer/bin; bench/peer/peer-systems.ts
 * starts them. Every comparison deals the same pre-signed unique P-256 hashedrekord entries
 * (bench/http-bench-pool.ts, bench/rekor-v2-pool.ts) to both systems through the same
 * autocannon runner (bench/http-bench-load.ts) at the same concurrency for the same time, one
 * system after the other, the order alternating between rounds. Costs are read from /proc and the
 * data directories (bench/peer/peer-meter.ts); a sample of both logs' answers is verified
 * offline (bench/peer/peer-verify.ts). The table goes to stdout and bench/peer/results/latest.md.
 *
 *   npm run bench:peer
 *   PEER_SECONDS=10 PEER_ROUNDS=3 PEER_CONCURRENCY=16,64 PEER_ONLY=v1,v2,certs DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevOidcIssuer } from '../../src/oidc/dev-oidc.js';
import { generateKeyPairSync, sign } from 'node:crypto';
import { EntryPool } from '../http-bench-pool.js';
import { failureCount, runLoad } from '../http-bench-load.js';
import { V2Pool } from '../rekor-v2-pool.js';
import { Deck } from './peer-deck.js';
import { cpuBetween, snapshotCpu, totalMemory } from './peer-meter.js';
import { median, table, type Measurement, type Row } from './peer-report.js';
import { SEALHOUSE_URL, startFulcio, startRekorTiles, startRekorV1, startSealhouse, type PeerBinaries, type SystemUnderTest, type TilesKey } from './peer-systems.js';
import { Sampler, sealhouseTrustedRoot, tilesTrustedRoot, verifyV1, verifyV2, type Verdict } from './peer-verify.js';

const seconds = Number(process.env.PEER_SECONDS ?? 10);
const rounds = Number(process.env.PEER_ROUNDS ?? 3);
const concurrency = (process.env.PEER_CONCURRENCY ?? '16,64').split(',').map(Number);
const only = new Set((process.env.PEER_ONLY ?? 'v1,v2,certs').split(','));
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Bodies made per deck: enough for this rate over a run before any is signed inside one. */
const DECK_RATE = Number(process.env.PEER_DECK_RATE ?? 1500);

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const cache = join(repo, '.cache', 'peer');
const bin: PeerBinaries = { dir: join(cache, 'bin'), trillianSchema: '' };
const runDir = join(cache, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const logDir = join(runDir, 'logs');
mkdirSync(logDir, { recursive: true });

const has = (name: string): boolean => existsSync(join(bin.dir, name));
const version = (name: string): string => (existsSync(join(bin.dir, `${name}.version`)) ? readFileSync(join(bin.dir, `${name}.version`), 'utf8').trim() : 'not built');
const sh = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** Trillian's own MySQL schema, from the module the log server was built from. */
function trillianSchema(): string {
  const mod = version('trillian_log_server').replace(/\/cmd\/[^@]+/, '');
  const dir = (JSON.parse(execFileSync('go', ['mod', 'download', '-json', mod], { encoding: 'utf8', cwd: cache})) as { Dir: string }).Dir;
  return join(dir, 'storage', 'mysql', 'schema', 'storage.sql');
}

async function measure(system: SystemUnderTest, path: string, body: () => Buffer, connections: number, sampler?: Sampler): Promise<Measurement> {
  const pids0 = await system.pids();
  const [cpu0, disk0] = [snapshotCpu(pids0), await system.diskBytes()];
  const r = await runLoad({
    url: system.url,
    connections,
    seconds,
    request: { method: 'POST', path, headers: { 'content-type': 'application/json' }, setupRequest: (req: object) => ({ ...req, body: body() }), ...(sampler ? { onResponse: (s: number, b: string) => sampler.offer(s, b) } : {}) },
  });
  const pids1 = await system.pids();
  const [cpu1, disk1, memory] = [snapshotCpu(pids1), await system.diskBytes(), totalMemory(pids1)];
  const detail = Object.entries(r.failures.non2xx).map(([s, n]) => `${n}×${s}`);
  if (r.failures.errors) detail.push(`${r.failures.errors} errors`);
  if (r.failures.timeouts) detail.push(`${r.failures.timeouts} timeouts`);
  return {
    ok: r.ok,
    perSecond: r.perSecond,
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
    cpuPer1000: (cpuBetween(cpu0, cpu1) / Math.max(1, r.ok)) * 1000,
    memoryMiB: memory / 2 ** 20,
    diskPerEntry: (disk1 - disk0) / Math.max(1, r.ok),
    failures: failureCount(r),
    failureDetail: detail.join(', '),
  };
}

const describe = (name: string, m: Measurement): string =>
  `${name}: ${m.perSecond.toFixed(0)}/s p50 ${m.p50.toFixed(1)} p99 ${m.p99.toFixed(1)} ms, CPU ${m.cpuPer1000.toFixed(2)} s/1000, ${m.memoryMiB.toFixed(0)} MiB, ${Number.isNaN(m.diskPerEntry) ? '–' : m.diskPerEntry.toFixed(0)} B/entry, failures ${m.failures}${m.failureDetail ? ` (${m.failureDetail})` : ''}`;

interface Comparison {
  readonly row: Row;
  readonly path: { peer: string; sealhouse: string };
  readonly peer: SystemUnderTest;
  readonly sealhouse: SystemUnderTest;
  readonly connections: number;
  readonly deck: (size: number) => Deck;
  readonly samplers?: { peer: Sampler; sealhouse: Sampler };
}

/** One round of a comparison: a fresh deck dealt to both, in the order given. */
async function compare(c: Comparison, round: number): Promise<void> {
  const deck = c.deck(DECK_RATE * seconds);
  const sides = [
    { key: 'peer' as const, system: c.peer, runs: c.row.peer.runs },
    { key: 'sealhouse' as const, system: c.sealhouse, runs: c.row.sealhouse.runs },
  ];
  if (round % 2 === 1) sides.reverse(); // alternate who goes first, so drift in the machine's load hits both
  for (const side of sides) {
    const m = await measure(side.system, c.path[side.key], deck.reader(), c.connections, c.samplers?.[side.key]);
    side.runs.push(m);
    console.log(`round ${round + 1} ${c.row.label} ${describe(side.system.name, m)}; load ${load()}`);
  }
  if (deck.late > 0) console.log(`  (${deck.late} bodies were signed inside the first timed run: raise PEER_DECK_RATE)`);
}

const started: SystemUnderTest[] = [];
const notes: string[] = [];
const verdicts: { what: string; verdict: Verdict }[] = [];
const startUptime = sh('uptime', []);
console.log(`# peer benchmark — ${new Date().toISOString()}; ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${startUptime}`);

try {
  const sealhouse = await startSealhouse(adminUrl, runDir);
  started.push(sealhouse);
  const comparisons: Comparison[] = [];
  const row = (label: string, unit: string, peer: string): Row => ({ label, unit, peer: { name: peer, runs: [] }, sealhouse: { name: 'Sealhouse', runs: [] } });

  const v1Pool = new EntryPool();
  const v2Pool = new V2Pool();
  const v1Samplers = { peer: new Sampler(), sealhouse: new Sampler() };
  const v2Samplers = { peer: new Sampler(), sealhouse: new Sampler() };
  let rekor: SystemUnderTest | undefined;
  let tiles: (SystemUnderTest & { key: TilesKey }) | undefined;

  if (only.has('v1')) {
    if (has('rekor-server') && has('trillian_log_server') && has('trillian_log_signer')) {
      rekor = await startRekorV1({ ...bin, trillianSchema: trillianSchema() }, runDir, logDir);
      started.push(rekor);
      for (const c of concurrency) {
        comparisons.push({ row: row(`v1 POST /api/v1/log/entries, ${c} conn`, 'entries', 'Rekor v1'), path: { peer: '/api/v1/log/entries', sealhouse: '/api/v1/log/entries' }, peer: rekor, sealhouse, connections: c, deck: (size) => new Deck(() => v1Pool.next(), size), samplers: v1Samplers });
      }
    } else notes.push('Rekor v1 rows skipped: rekor-server or Trillian did not build (bench/peer/build.sh).');
  }
  if (only.has('v2')) {
    if (has('posix')) {
      tiles = await startRekorTiles(bin, runDir, logDir);
      started.push(tiles);
      for (const c of concurrency) {
        comparisons.push({ row: row(`v2 POST /api/v2/log/entries, ${c} conn`, 'entries', 'rekor-tiles'), path: { peer: '/api/v2/log/entries', sealhouse: '/api/v2/log/entries' }, peer: tiles, sealhouse, connections: c, deck: (size) => new Deck(() => v2Pool.next(), size), samplers: v2Samplers });
      }
    } else notes.push('Rekor v2 rows skipped: rekor-tiles did not build (bench/peer/build.sh).');
  }
  if (only.has('certs')) {
    if (has('fulcio')) {
      const issuer = await DevOidcIssuer.load(sealhouse.dataDir, new URL(SEALHOUSE_URL));
      const fulcio = await startFulcio(bin, runDir, logDir, issuer.issuerUrl);
      started.push(fulcio);
      const c = Math.max(...concurrency);
      const bodies: Buffer[] = [];
      for (let i = 0; i < DECK_RATE * seconds; i++) {
        const email = `peer-bench-${i}@example.test`;
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const token = await issuer.mint({ email, ttlSeconds: 3600 });
        const pop = sign('sha256', Buffer.from(email), privateKey).toString('base64');
        bodies.push(Buffer.from(JSON.stringify({ credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: pop } })));
      }
      // Certificates carry no uniqueness constraint: each round deals the same pre-minted requests again.
      let cursor = 0;
      comparisons.push({ row: row(`POST /api/v2/signingCert, ${c} conn`, 'certificates', 'Fulcio (no CT)'), path: { peer: '/api/v2/signingCert', sealhouse: '/api/v2/signingCert' }, peer: fulcio, sealhouse, connections: c, deck: (size) => new Deck(() => bodies[cursor++ % bodies.length] as Buffer, size) });
    } else notes.push('Certificate rows skipped: Fulcio did not build (bench/peer/build.sh).');
  }

  // Warm-up: JIT, connection pools, the first tree and checkpoint, on bodies outside the decks.
  for (const c of comparisons.filter((x, i, all) => all.findIndex((y) => y.peer === x.peer) === i)) {
    for (const [system, path] of [[c.peer, c.path.peer], [c.sealhouse, c.path.sealhouse]] as const) {
      const warm = c.deck(DECK_RATE * 3).reader();
      await runLoad({ url: system.url, connections: 16, seconds: 3, request: { method: 'POST', path, headers: { 'content-type': 'application/json' }, setupRequest: (req: object) => ({ ...req, body: warm() }) } });
    }
  }

  for (let round = 0; round < rounds; round++) {
    for (const c of comparisons) await compare(c, round);
  }

  if (rekor) verdicts.push({ what: 'Rekor v1 (SET + inclusion proof, key from /api/v1/log/publicKey)', verdict: await verifyV1(rekor.url, v1Samplers.peer.bodies) });
  if (rekor) verdicts.push({ what: 'Sealhouse v1 (SET + inclusion proof, key from /api/v1/log/publicKey)', verdict: await verifyV1(sealhouse.url, v1Samplers.sealhouse.bodies) });
  if (tiles) verdicts.push({ what: 'rekor-tiles v2 (inclusion proof + Ed25519 checkpoint)', verdict: verifyV2(tilesTrustedRoot(tiles.key), v2Samplers.peer.bodies) });
  if (tiles) verdicts.push({ what: 'Sealhouse v2 (inclusion proof + Ed25519 checkpoint, trusted_root.json)', verdict: verifyV2(await sealhouseTrustedRoot(sealhouse.url), v2Samplers.sealhouse.bodies) });

  const rows = comparisons.map((c) => c.row);
  const endUptime = sh('uptime', []);
  const versions = [
    `Sealhouse ${sh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])} on Node ${process.version}, ${sh('psql', ['-At', adminUrl, '-c', 'SHOW server_version'])} Postgres at ${new URL(adminUrl).host}`,
    `${version('rekor-server')}; ${version('trillian_log_server')} (+ log signer); ${sh('mariadbd', ['--version'])}; ${sh('redis-server', ['--version'])}`,
    `${version('posix')} (rekor-tiles POSIX, --checkpoint-interval=100ms, the minimum Tessera's POSIX driver accepts; batching at its defaults, 256 entries / 250 ms). Its latency floor is not that interval: rekor-tiles answers a write once it has seen a checkpoint covering it, and it polls for checkpoints every 1 s (tessera.NewPublicationAwaiter(…, 1*time.Second) in its internal/tessera/tessera.go, not configurable), so each request takes about 1 s and a closed-loop client gets about one entry per connection per second — its rate here measures that bound, not its capacity`,
    `${version('fulcio')} (--ca=ephemeralca, no CT log)`,
    `Go ${sh('go', ['env', 'GOVERSION'])}`,
  ];
  const text = [
    `# Sealhouse vs the Sigstore servers it replaces — peer benchmark`,
    '',
    `Date: ${new Date().toISOString()}. Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, shared with other work.`,
    `Load: at start \`${startUptime}\`; at end \`${endUptime}\`.`,
    `Each cell (but disk) is the median of ${rounds} rounds of ${seconds} s (the rate column gives the rounds' range: the noise); ` +
      'the two systems of a row ran one after the other on the same pre-signed unique P-256 entries, at the same concurrency, through the same autocannon load generator (bench/http-bench-load.ts), the order alternating between rounds.',
    '',
    table(rows),
    '',
    '- per s: 2xx answers per second (entries, or certificates). Latency: autocannon, per request, loopback HTTP/1.1 keep-alive.',
    '- CPU s / 1,000: utime+stime from /proc/<pid>/stat of the system\'s processes — Rekor v1: rekor-server, trillian_log_server, trillian_log_signer, mariadbd, redis-server; rekor-tiles: its one process; ' +
      'Fulcio: its one process; Sealhouse: the Node server plus the Postgres backends connected to its database (not the shared Postgres\'s background writer, WAL writer and checkpointer).',
    '- memory: proportional set size (PSS; equals RSS for a process sharing nothing, and counts shared buffers once across Postgres backends) summed over the same processes after the run.',
    '- disk B / entry: growth of the data (MariaDB data directory + Redis + attestation dir; the tiles directory; pg_database_size + Sealhouse data dir) per entry, over all rounds of the row (total growth / total entries: files grow in extents); write-ahead/redo logs that are preallocated or server-wide are not included.',
    '',
    'Versions:',
    ...versions.map((v) => `- ${v}`),
    '',
    'Answers verified offline (a sample from every row of each log, with Sealhouse\'s src/core verifiers and the log\'s own key):',
    ...verdicts.map(({ what, verdict }) => `- ${what}: ${verdict.checked - verdict.failures.length}/${verdict.checked} verified${verdict.failures.length ? ` — FAILED: ${verdict.failures.slice(0, 3).join(' | ')}` : ''}`),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
    `Reproduce: \`npm run bench:peer\` (PEER_SECONDS=${seconds} PEER_ROUNDS=${rounds} PEER_CONCURRENCY=${concurrency.join(',')}).`,
    '',
  ].join('\n');
  console.log(`\n${text}`);
  const results = join(repo, 'bench', 'peer', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'latest.md'), text);
  console.log(`written to bench/peer/results/latest.md; server logs in ${logDir}`);
  console.log(`median entries/s, for the record: ${rows.map((r) => `${r.label}: ${median(r.peer.runs.map((m) => m.perSecond)).toFixed(0)} vs ${median(r.sealhouse.runs.map((m) => m.perSecond)).toFixed(0)}`).join('; ')}`);
} finally {
  for (const s of started.reverse()) await s.stop().catch((e: Error) => console.error(`stopping ${s.name}: ${e.message}`));
  // Data directories go; the logs stay beside them for a post-mortem until the next run's cleanup.
  // The throwaway signing key goes too: nothing in .cache should look like a key worth keeping.
  for (const d of ['mariadb', 'redis', 'attestations', 'tiles', 'sealhouse', 'tiles-signer.pem', 'fulcio-legacy.sock']) rmSync(join(runDir, d), { recursive: true, force: true });
}
