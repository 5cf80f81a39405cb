/**
 * What Express costs the garbage collector (`npm run bench:express-gc`): the same handler — read
 * a JSON body, answer 201 after 7 ms, as a write does while its batch commits — served at a fixed
 * rate by node:http, by node:http with body-parser's json, by Express, and by node:http doing
 * only Express's per-request Object.setPrototypeOf. Each server runs in its own process and
 * reports its GC pauses: full (mark-compact) collections stop the JavaScript thread for 5–15 ms,
 * and at a fixed 1,000/s those stalls make the write path's p99 (README, Benchmarks).
 *
 * BENCH_OPEN_RATE (default 1000) and BENCH_SECONDS (default 15) set the load.
 */
import { fork } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import express from 'express';
import { fmt } from './bench-util.js';
import { runOpenLoop } from './http-bench-open-loop.js';

const MODES = ['node:http', 'node:http + body-parser json', 'express', 'node:http + setPrototypeOf'] as const;
type Mode = (typeof MODES)[number];
interface GcTotals {
  readonly collections: number;
  readonly full: number;
  readonly pausedMs: number;
}
type Message = { readonly port: number } | { readonly gc: GcTotals };

const ANSWER_AFTER_MS = 7;
const PATH = '/api/v1/log/entries';

function answer(res: ServerResponse, body: unknown): void {
  setTimeout(() => {
    const json = JSON.stringify({ ok: true, fields: Object.keys(body as object).length });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }, ANSWER_AFTER_MS);
}

function readJson(req: IncomingMessage, then: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(JSON.parse(Buffer.concat(chunks).toString()) as unknown));
}

function handlerFor(mode: Mode): RequestListener {
  switch (mode) {
    case 'node:http':
      return (req, res) => readJson(req, (body) => answer(res, body));
    case 'node:http + body-parser json': {
      const parse = express.json();
      return (req, res) => void parse(req as express.Request, res as express.Response, () => answer(res, (req as express.Request).body));
    }
    case 'express': {
      const app = express();
      app.use(express.json());
      app.post(PATH, (req, res) => answer(res, req.body));
      return app;
    }
    case 'node:http + setPrototypeOf': {
      // What express's app.handle does to every request and response, and nothing else.
      const requestProto = Object.create(IncomingMessage.prototype) as object;
      const responseProto = Object.create(ServerResponse.prototype) as object;
      return (req, res) => {
        Object.setPrototypeOf(req, requestProto);
        Object.setPrototypeOf(res, responseProto);
        readJson(req, (body) => answer(res, body));
      };
    }
  }
}

/** The child: serve `mode`, count GC pauses, report them when asked. */
function serve(mode: Mode): void {
  const totals = { collections: 0, full: 0, pausedMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      totals.collections++;
      totals.pausedMs += entry.duration;
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) totals.full++;
    }
  }).observe({ entryTypes: ['gc'] });
  const server = createServer(handlerFor(mode)).listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port } satisfies Message));
  process.on('message', (m) => {
    if (m === 'gc') process.send?.({ gc: { ...totals } } satisfies Message);
    if (m === 'close') server.close(() => process.exit(0));
  });
}

async function measure(mode: Mode, rate: number, seconds: number): Promise<void> {
  const child = fork(new URL(import.meta.url), [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<Message> => new Promise((resolve) => child.once('message', (m) => resolve(m as Message)));
  const ready = (await next()) as { port: number };
  const url = `http://127.0.0.1:${ready.port}`;
  const body = Buffer.from(JSON.stringify({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: { data: { hash: { algorithm: 'sha256', value: 'ab'.repeat(32) } }, signature: { content: 'c'.repeat(96), publicKey: { content: 'k'.repeat(1200) } } } }));
  const load = { url, method: 'POST', path: PATH, headers: { 'content-type': 'application/json' }, body: () => body };
  await runOpenLoop({ ...load, rate, seconds: 2 }); // warm-up
  child.send('gc');
  const before = ((await next()) as { gc: GcTotals }).gc;
  const r = await runOpenLoop({ ...load, rate, seconds });
  child.send('gc');
  const after = ((await next()) as { gc: GcTotals }).gc;
  child.send('close');
  const full = after.full - before.full;
  const paused = after.pausedMs - before.pausedMs;
  console.log(
    `${mode.padEnd(30)} | ${fmt(r.perSecond, 0).padStart(6)}/s | p50 ${fmt(r.p50, 1).padStart(5)} ms | p99 ${fmt(r.p99, 1).padStart(6)} ms | ` +
      `${String(full).padStart(3)} full collections, GC paused ${fmt(paused, 0)} ms (${fmt((paused / (r.seconds * 1000)) * 100, 1)} %) in ${fmt(r.seconds, 1)} s`,
  );
}

const mode = process.argv[2] as Mode | undefined;
if (mode !== undefined && MODES.includes(mode)) {
  serve(mode);
} else {
  const rate = Number(process.env.BENCH_OPEN_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  console.log(`# GC cost of the HTTP layer: a JSON POST answered after ${ANSWER_AFTER_MS} ms, open loop ${rate}/s for ${seconds} s — ${new Date().toISOString()}`);
  for (const m of MODES) await measure(m, rate, seconds);
}
