/**
 * The peer benchmark's table: per row (what was driven, at what concurrency) the peer system and
 * Sealhouse, each the median of its rounds with the spread of its rate, then Sealhouse:peer
 * ratios of the medians. Markdown, so the same text is printed and committed.
 */
export interface Measurement {
  readonly ok: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** CPU seconds of the system's processes (its database's included) per 1,000 answered requests. */
  readonly cpuPer1000: number;
  readonly memoryMiB: number;
  /** Growth of its data directories per answered request; NaN where nothing persistent is written. */
  readonly diskPerEntry: number;
  readonly failures: number;
  readonly failureDetail: string;
}

export interface Row {
  readonly label: string;
  readonly unit: string;
  readonly peer: { readonly name: string; readonly runs: Measurement[] };
  readonly sealhouse: { readonly name: string; readonly runs: Measurement[] };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const num = (n: number, digits = 0): string => (Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ratio = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`);

type Side = Row['peer'];
const of = (side: Side, pick: (m: Measurement) => number): number => median(side.runs.map(pick));
/**
 * Disk per entry over all rounds of a row (total growth / total entries), not a median of rounds:
 * databases grow their files in extents (InnoDB by up to megabytes at a time), so one 10 s round
 * may see a whole extent or none.
 */
const pooledDisk = (side: Side): number => {
  const entries = side.runs.reduce((n, m) => n + m.ok, 0);
  return entries === 0 ? NaN : side.runs.reduce((n, m) => n + m.diskPerEntry * m.ok, 0) / entries;
};

function line(row: Row, side: Side): string {
  const rates = side.runs.map((m) => m.perSecond);
  const spread = rates.length > 1 ? ` (${num(Math.min(...rates))}–${num(Math.max(...rates))})` : '';
  const failures = side.runs.reduce((n, m) => n + m.failures, 0);
  const detail = [...new Set(side.runs.map((m) => m.failureDetail).filter(Boolean))].join('; ');
  return (
    `| ${row.label} | ${side.name} | ${num(of(side, (m) => m.perSecond))}${spread} | ${num(of(side, (m) => m.p50), 1)} | ${num(of(side, (m) => m.p95), 1)} | ${num(of(side, (m) => m.p99), 1)} | ` +
    `${num(of(side, (m) => m.cpuPer1000), 2)} | ${num(of(side, (m) => m.memoryMiB))} | ${num(pooledDisk(side))} | ${failures}${detail ? ` (${detail})` : ''} |`
  );
}

export function table(rows: readonly Row[]): string {
  const out = [
    '| row | system | per s (min–max) | p50 ms | p95 ms | p99 ms | CPU s / 1,000 | memory MiB | disk B / entry | failures |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    out.push(line(row, row.peer), line(row, row.sealhouse));
    const [p, s] = [row.peer, row.sealhouse];
    out.push(
      `| ${row.label} | **Sealhouse : ${p.name}** | **${ratio(of(s, (m) => m.perSecond), of(p, (m) => m.perSecond))}** | ${ratio(of(s, (m) => m.p50), of(p, (m) => m.p50))} | ` +
        `${ratio(of(s, (m) => m.p95), of(p, (m) => m.p95))} | ${ratio(of(s, (m) => m.p99), of(p, (m) => m.p99))} | ${ratio(of(s, (m) => m.cpuPer1000), of(p, (m) => m.cpuPer1000))} | ` +
        `${ratio(of(s, (m) => m.memoryMiB), of(p, (m) => m.memoryMiB))} | ${ratio(pooledDisk(s), pooledDisk(p))} | |`,
    );
  }
  return out.join('\n');
}
