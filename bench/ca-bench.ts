/**
 * Certificates issued per second, CT submission included, on real Postgres.
 *
 *   node dist/bench/ca-bench.js [--runs 3] [--count 6000] [--concurrency 64] [--in-process]
 *
 * The server runs in its own process (`sealhouse serve`'s startServer) with the development OIDC
 * issuer on; this process pre-mints a pool of tokens and P-256 keys with their proofs of
 * possession, then drives POST /api/v2/signingCert over loopback HTTP with keep-alive
 * connections, `concurrency` requests in flight. Each run reports throughput, p50/p99 latency,
 * the server's CPU time per certificate (all its threads) and how busy its main thread was; the
 * summary is the median of the runs. The machine may be shared: the load average is printed. With --in-process the server runs here and requests go
 * straight to CaService.issue (no HTTP), to separate the CA's cost from the transport's.
 * DATABASE_URL selects the Postgres (default postgres://postgres@127.0.0.1:5432/test); a fresh
 * schema is created and dropped.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { DevOidcIssuer } from '../src/oidc/dev-oidc.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    count: { type: 'string', default: '6000' },
    concurrency: { type: 'string', default: '64' },
    pool: { type: 'string', default: '2000' },
    'in-process': { type: 'boolean', default: false },
    serve: { type: 'string' }, // internal: run the server for the parent (JSON env)
  },
});

/** Child mode: start the server with the given environment, report its address, serve until killed. */
if (values.serve) {
  const running = await startServer(loadConfig(JSON.parse(values.serve) as Record<string, string>), pino({ level: 'silent' }));
  process.send?.({ address: running.address });
  // The parent asks for this process's CPU time (all threads) around each run.
  process.on('message', () => process.send?.({ cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() }));
  process.on('disconnect', () => void running.close().then(() => process.exit(0)));
} else {
  await main();
}

interface Issue {
  readonly body: string;
  readonly request: { token: string; publicKey: string; proofOfPossession: string };
}

function cpuMicros(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

// Function declarations, not consts: main() runs from the top-level await above, before later consts exist.
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const [runs, count, concurrency, poolSize] = [values.runs, values.count, values.concurrency, values.pool].map(Number) as [number, number, number, number];
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_ca_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'sealhouse-ca-bench-'));
  const env = { PORT: '0', SEALHOUSE_URL: 'http://127.0.0.1', SEALHOUSE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SEALHOUSE_DB_SCHEMA: schema, SEALHOUSE_DEV_OIDC: '1', LOG_LEVEL: 'silent' };
  const inProcess = values['in-process'];
  console.log(
    `ca-bench: ${inProcess ? 'in-process CaService.issue' : 'POST /api/v2/signingCert over loopback HTTP'} on Postgres ${new URL(databaseUrl).host}; ` +
      `${runs} runs × ${count} certificates, ${concurrency} in flight; ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(2)} at start (shared machine)`,
  );

  let issue: (i: Issue) => Promise<void>;
  let stop: () => Promise<void>;
  /** CPU microseconds used so far by the server (all its threads; this process when in-process). */
  let serverCpu: () => Promise<number> = async () => cpuMicros(process.cpuUsage());
  let mainThread = performance.eventLoopUtilization();
  if (inProcess) {
    const running = await startServer(loadConfig(env), pino({ level: 'silent' }));
    issue = async (i) => void (await running.ca.service.issue(i.request));
    stop = () => running.close();
  } else {
    // BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles the server (bench/cpu-profile-report.ts reads it).
    const execArgv = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
    const child = fork(new URL(import.meta.url).pathname, ['--serve', JSON.stringify(env)], { stdio: 'inherit', execArgv });
    const address = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { address: string }).address));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    serverCpu = () =>
      new Promise((resolve) => {
        child.once('message', (m) => {
          const { cpu, elu } = m as { cpu: NodeJS.CpuUsage; elu: EventLoopUtilization };
          mainThread = elu;
          resolve(cpuMicros(cpu));
        });
        child.send('cpu');
      });
    issue = (i) => post(agent, `${address}/api/v2/signingCert`, i.body);
    stop = async () => {
      agent.destroy();
      child.disconnect();
      await new Promise((resolve) => child.once('exit', resolve));
    };
  }

  const pool = await mintPool(dataDir, poolSize);
  await drive(issue, pool, Math.min(500, count), concurrency); // warm-up: JIT, JWKS, connections
  const results: { rate: number; p50: number; p99: number; cpu: number; clientCpu: number }[] = [];
  for (let run = 1; run <= runs; run++) {
    const [server0, client0] = [await serverCpu(), cpuMicros(process.cpuUsage())];
    const elu0 = inProcess ? performance.eventLoopUtilization() : mainThread;
    const r = await drive(issue, pool, count, concurrency);
    // In-process, the server's CPU is this process's: report it all as server time.
    const cpu = (await serverCpu()) - server0;
    const elu1 = inProcess ? performance.eventLoopUtilization() : mainThread;
    const busy = (elu1.active - elu0.active) / (elu1.active - elu0.active + elu1.idle - elu0.idle);
    const clientCpu = inProcess ? 0 : cpuMicros(process.cpuUsage()) - client0;
    results.push({ ...r, cpu: cpu / count / 1000, clientCpu: clientCpu / count / 1000 });
    console.log(
      `run ${run}: ${r.rate.toFixed(0)} certificates/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
        `CPU per certificate: server ${(cpu / count / 1000).toFixed(2)} ms${inProcess ? '' : `, client ${(clientCpu / count / 1000).toFixed(2)} ms`}; ` +
        `server main thread ${(busy * 100).toFixed(0)}% busy`,
    );
  }
  const med = (f: (r: (typeof results)[number]) => number, digits: number): string => median(results.map(f)).toFixed(digits);
  console.log(`median of ${runs}: ${med((r) => r.rate, 0)} certificates/s  p50 ${med((r) => r.p50, 1)} ms  p99 ${med((r) => r.p99, 1)} ms  server CPU ${med((r) => r.cpu, 2)} ms/certificate`);
  await stop();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Tokens and keys made before timing starts: what clients bring is not the CA's cost. */
async function mintPool(dataDir: string, size: number): Promise<Issue[]> {
  const issuer = await DevOidcIssuer.load(dataDir, new URL('http://127.0.0.1'));
  const pool: Issue[] = [];
  for (let i = 0; i < size; i++) {
    const email = `bench-${i}@example.test`;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const request = {
      token: await issuer.mint({ email, ttlSeconds: 3600 }),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      proofOfPossession: sign('sha256', Buffer.from(email), privateKey).toString('base64'),
    };
    const body = JSON.stringify({ credentials: { oidcIdentityToken: request.token }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: request.publicKey }, proofOfPossession: request.proofOfPossession } });
    pool.push({ body, request });
  }
  return pool;
}

function post(agent: Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function drive(issue: (i: Issue) => Promise<void>, pool: readonly Issue[], count: number, concurrency: number): Promise<{ rate: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < count) {
      const item = pool[next++ % pool.length] as Issue;
      const t0 = performance.now();
      await issue(item);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: count / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}
