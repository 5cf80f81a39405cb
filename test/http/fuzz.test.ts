/**
 * A small mutation fuzz over HTTP (DESIGN §5: a 5xx is a bug): valid requests to every POST and
 * GET endpoint of the Rekor API, mutated structurally (a field deleted or replaced by another
 * JSON type, a string bent) or byte-wise (a byte flipped, inserted or the text truncated), sent
 * eight at a time. No answer may be a 5xx or take forever, every error carries {code, message},
 * and whatever is accepted must verify. The seed is printed, so a failure can be replayed with
 * FUZZ_SEED=<n>; FUZZ_SEED=random FUZZ_ROUNDS=5000 explores further.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, create, dsseEntry, hashedrekord, intotoEntry, trustedLog, verifyAll, type LogEntry } from './rekor-client.js';

const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 400);
const IN_FLIGHT = 8;
/** Generous: only a hang trips it, never a slow answer. */
const HANG_MS = 60_000;
/** Fixed by default so CI is repeatable; FUZZ_SEED=random explores. */
const seed = process.env.FUZZ_SEED === 'random' ? Date.now() % 1_000_000 : Number(process.env.FUZZ_SEED ?? 20_261_127);

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = rng(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const REPLACEMENTS: unknown[] = [null, true, 0, -1, 1.5, 2 ** 64, '', 'x', 'é\u0000\ud800', 'A'.repeat(10_000), [], [1], {}, { a: 1 }];

/** Raw text spliced into a GET path or query; malformed percent-escapes on purpose. */
const QUERY_GARBAGE = ['', '-1', '1e400', '9'.repeat(30), '%', '%zz', '%00', '%F0%9F%98', '[]', '0x10', '&logIndex=2', '?', '/', '..', 'é'];

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = [...prefix, Array.isArray(value) ? Number(k) : k];
    return [p, ...paths(v, p)];
  });
}

function mutateStructure(original: unknown): unknown {
  const copy = structuredClone(original) as Record<string | number, unknown>;
  const all = paths(copy);
  if (all.length === 0) return pick(REPLACEMENTS);
  const path = pick(all);
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy);
  const key = path[path.length - 1] as string | number;
  const current = parent[key];
  const choice = random();
  if (choice < 0.25) delete parent[key];
  else if (choice < 0.6 || typeof current !== 'string') parent[key] = pick(REPLACEMENTS);
  else if (choice < 0.75) parent[key] = current.slice(0, Math.floor(random() * current.length));
  else if (choice < 0.9) parent[key] = current.toUpperCase();
  else parent[key] = current + current;
  return copy;
}

function mutateBytes(original: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(original));
  const at = Math.floor(random() * bytes.length);
  const choice = random();
  if (choice < 0.4) return bytes.subarray(0, at);
  if (choice < 0.7) return Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), bytes.subarray(at)]);
  bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
  return bytes;
}

let server: TestServer;
let log: Awaited<ReturnType<typeof trustedLog>>;
let seedEntryId: string;

before(async () => {
  server = await startTestServer();
  log = await trustedLog(server.url);
  seedEntryId = (await create(server.url, hashedrekord('fuzz seed entry'))).id;
});
after(() => server.close());

function request(n: number): { method: string; path: string; body?: unknown } {
  const statement = Buffer.from(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f${n}","digest":{"sha256":"${'ab'.repeat(32)}"}}]}`);
  const posts: [string, unknown][] = [
    ['/api/v1/log/entries', hashedrekord(`fuzz ${n}`)],
    ['/api/v1/log/entries', dsseEntry(statement)],
    ['/api/v1/log/entries', intotoEntry(statement)],
    ['/api/v1/log/entries/retrieve', { entryUUIDs: [seedEntryId, seedEntryId.slice(16)], logIndexes: [0, 1], entries: [hashedrekord('fuzz seed entry')] }],
    ['/api/v1/index/retrieve', { email: 'a@example.com', hash: `sha256:${'ab'.repeat(32)}`, publicKey: { format: 'x509', content: (hashedrekord('k').spec.signature.publicKey.content) }, operator: 'and' }],
  ];
  if (random() < 0.2) {
    const gets = [`/api/v1/log/entries?logIndex=0`, `/api/v1/log/entries/${seedEntryId}`, '/api/v1/log/proof?firstSize=1&lastSize=1', '/api/v1/log/publicKey?treeID=1'];
    const path = pick(gets);
    const at = 8 + Math.floor(random() * (path.length - 8)); // keep /api/v1/: other paths are not this API
    return { method: 'GET', path: `${path.slice(0, at)}${pick(QUERY_GARBAGE)}${path.slice(at + 1)}` };
  }
  const [path, body] = pick(posts);
  return { method: 'POST', path, body: random() < 0.6 ? JSON.stringify(mutateStructure(body)) : mutateBytes(body) };
}

describe(`HTTP fuzz (FUZZ_SEED=${seed})`, () => {
  it(`answers ${ROUNDS} mutated requests without a 5xx or a hang`, async () => {
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ROUNDS) {
        const n = next++;
        const r = request(n);
        const reply = await call<{ code?: number; message?: string }>(server.url, r.method, r.path, r.body, {}, AbortSignal.timeout(HANG_MS));
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const what = `#${n} ${r.method} ${r.path} ${String(r.body ?? '').slice(0, 120)} → ${reply.status} ${reply.text.slice(0, 200)}`;
        if (reply.status >= 500) problems.push(what);
        else if (reply.status >= 400 && reply.text !== '' && (reply.json?.code !== reply.status || !reply.json?.message)) problems.push(`no {code, message}: ${what}`);
        else if (reply.status === 201) {
          const [id, entry] = Object.entries(reply.json as LogEntry)[0] ?? [];
          if (id === undefined || entry === undefined) problems.push(`empty 201: ${what}`);
          else verifyAll(id, entry, log);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    assert.deepEqual(problems, [], `seed ${seed}`);
    assert.ok([...statuses.keys()].some((s) => s >= 400), 'the mutations produced errors');
    assert.equal((await call(server.url, 'GET', '/api/v1/log')).status, 200, 'still serving');
  });
});
