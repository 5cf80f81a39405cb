/**
 * Where a server's CPU went, from a V8 `.cpuprofile` written by `node --cpu-prof` (for example
 * by `BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=DIR" node dist/bench/http-bench.js`).
 * Prints three tables — self time by module (the leaf frame's package or source directory),
 * inclusive time by Sealhouse phase (the innermost src/ file on the stack), and the top
 * functions by self time — with each figure also per entry when `--entries N` is given, and
 * writes folded stacks (`a;b;c <µs>`, the input of flamegraph.pl / speedscope) with `--folded`.
 *
 *   node dist/bench/cpu-profile-report.js DIR/CPU.*.cpuprofile --entries 52000 --folded out.folded
 *
 * Only the main thread is profiled: worker threads write profiles of their own (one file each).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The module a frame belongs to: a package, a node: internal area, a src/ directory, or V8's own. */
export function moduleOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const internal = /^node:internal\/([^/]+(?:\/[^/.]+)?)/.exec(url);
  if (internal) return `node:${internal[1] as string}`;
  if (url.startsWith('node:')) return url;
  const src = /\/(?:dist\/)?(src|bench)\/(.+?)(?:\.[jt]s)?$/.exec(url);
  if (src) {
    const parts = (src[2] as string).split('/');
    return `${src[1] as string}/${parts[0] as string}`;
  }
  return url;
}

/** The Sealhouse file a frame belongs to, or undefined outside src/. */
function sourceFileOf(frame: CallFrame): string | undefined {
  const m = /\/(?:dist\/)?src\/(.+?)\.[jt]s$/.exec(frame.url);
  return m ? (m[1] as string) : undefined;
}

export interface ProfileSummary {
  readonly totalMicros: number;
  readonly byModule: Map<string, number>;
  readonly byPhase: Map<string, number>;
  readonly byFunction: Map<string, number>;
  readonly folded: Map<string, number>;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const byModule = new Map<string, number>();
  const byPhase = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const folded = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
  let totalMicros = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id) as ProfileNode;
    totalMicros += micros;
    const frame = node.callFrame;
    add(byModule, moduleOf(frame), micros);
    add(byFunction, `${frame.functionName || '(anonymous)'} ${moduleOf(frame)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`, micros);
    // The stack, root first; the phase is the innermost Sealhouse file on it.
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push((byId.get(at) as ProfileNode).callFrame);
    stack.reverse();
    let phase: string | undefined;
    for (const f of stack) phase = sourceFileOf(f) ?? phase;
    add(byPhase, phase ?? (frame.functionName.startsWith('(') ? frame.functionName : `(outside src) ${moduleOf(frame)}`), micros);
    const names = stack.filter((f) => f.functionName !== '(root)').map((f) => `${f.functionName || '(anonymous)'} [${moduleOf(f)}]`);
    add(folded, names.join(';'), micros);
  }
  return { totalMicros, byModule, byPhase, byFunction, folded };
}

function table(title: string, m: Map<string, number>, total: number, entries: number | undefined, limit: number): string {
  const rows = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  const lines = [`\n## ${title}\n`, `| ${entries ? 'µs/entry | ' : ''}share | ms | what |`, `|${entries ? '---:|' : ''}---:|---:|---|`];
  for (const [k, v] of rows) {
    lines.push(`| ${entries ? `${(v / entries).toFixed(1)} | ` : ''}${((v / total) * 100).toFixed(1)} % | ${(v / 1000).toFixed(0)} | ${k.replaceAll('|', '\\|')} |`);
  }
  return lines.join('\n');
}

/** Print the tables for one profile; `entries` makes every figure also µs per entry. */
export function reportProfile(file: string, entries?: number, foldedOut?: string, limit = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const s = summarizeProfile(profile);
  const wall = (profile.endTime - profile.startTime) / 1e6;
  const idle = s.byModule.get('(idle)') ?? 0;
  console.log(`# ${file}`);
  console.log(`# ${wall.toFixed(1)} s profiled, busy ${((s.totalMicros - idle) / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s${entries ? `, ${entries} entries` : ''}`);
  console.log(table('Self time by module (leaf frame)', s.byModule, s.totalMicros, entries, limit));
  console.log(table('Inclusive time by phase (innermost src/ file on the stack)', s.byPhase, s.totalMicros, entries, limit));
  console.log(table('Top functions by self time', s.byFunction, s.totalMicros, entries, limit));
  if (foldedOut) {
    const lines = [...s.folded.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    writeFileSync(foldedOut, `${lines.join('\n')}\n`);
    console.log(`\nfolded stacks (µs): ${foldedOut}`);
  }
  return s;
}

/**
 * Every profile in `dir` (one server run): the main thread (thread id 0 in the file name
 * CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile) in full, with folded stacks beside it, and
 * each worker thread's busy time per entry.
 */
export function reportProfiles(dir: string, entries: number): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const f of files) {
    const tid = f.split('.')[4];
    if (tid === '0') {
      console.log('');
      reportProfile(join(dir, f), entries, join(dir, `${f}.folded`));
    } else {
      const s = summarizeProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
      const busy = s.totalMicros - (s.byModule.get('(idle)') ?? 0);
      console.log(`worker thread ${tid}: busy ${(busy / 1e6).toFixed(2)} s, ${(busy / entries).toFixed(1)} µs per entry (${f})`);
    }
  }
}

function main(argv: readonly string[]): void {
  const files: string[] = [];
  let entries: number | undefined;
  let foldedOut: string | undefined;
  let limit = 25;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--entries') entries = Number(argv[++i]);
    else if (a === '--folded') foldedOut = argv[++i];
    else if (a === '--top') limit = Number(argv[++i]);
    else files.push(a);
  }
  if (files.length === 0) throw new Error('usage: cpu-profile-report FILE.cpuprofile [--entries N] [--folded OUT] [--top N]');
  for (const file of files) reportProfile(file, entries, foldedOut, limit);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
