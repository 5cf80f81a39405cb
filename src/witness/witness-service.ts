/**
 * The Rekor v2 log's witnesses: what the log calls (DESIGN §2, issue 11 item 4).
 *
 * - checkpointPublished(cp): after each new checkpoint, fire and forget. Each configured
 *   witness's submitter takes the latest one (src/witness/submitter.ts); an append never waits.
 * - cosigned(note, treeSize): the note with the stored cosignature lines of that size appended
 *   after the log's own signature, each only if it was verified over exactly this note's text.
 *   Clients ignore signatures by keys they do not trust (C2SP signed-note), so the extra lines
 *   change nothing for them; a client that trusts a witness can count its cosignature.
 */
import type { Registry } from 'prom-client';
import { parseCheckpoint } from '../note/checkpoint.js';
import { parseSignedNote } from '../note/signed-note.js';
import type { Sql } from '../storage/sql.js';
import { CosignatureStore, type StoredCosignature } from './cosignature-store.js';
import { WitnessSubmitter, type Consistency, type PublishedCheckpoint, type WitnessLogger } from './submitter.js';
import type { WitnessConfig } from './witness-config.js';
import { WitnessMetrics } from './witness-metrics.js';

export type { PublishedCheckpoint } from './submitter.js';

/** The two calls the v2 log makes. */
export interface CheckpointWitnesses {
  checkpointPublished(cp: PublishedCheckpoint): void;
  cosigned(note: string, treeSize: number): Promise<string>;
}

export interface WitnessServiceOptions {
  readonly sql: Sql;
  /** The v2 log's tree. */
  readonly treeId: number;
  readonly witnesses: readonly WitnessConfig[];
  /** RFC 6962 consistency proof between two sizes of the v2 tree (src/merkle/prove.ts). */
  readonly consistency: Consistency;
  readonly logger: WitnessLogger;
  /** Where the witness metrics register (the server's /metrics registry). */
  readonly registry?: Registry;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Tree sizes whose cosignatures stay in memory; /checkpoint asks for the latest few. */
const CACHED_SIZES = 64;

export class WitnessService implements CheckpointWitnesses {
  private readonly submitters: WitnessSubmitter[];
  /** Labels of the configured witnesses: only their lines are served. */
  private readonly served: ReadonlySet<string>;
  /** tree size → stored lines (possibly none), most recently used last. */
  private readonly cache = new Map<number, readonly StoredCosignature[]>();

  private constructor(
    private readonly store: CosignatureStore,
    private readonly logger: WitnessLogger,
    build: (store: CosignatureStore) => WitnessSubmitter[],
  ) {
    this.submitters = build(store);
    this.served = new Set(this.submitters.map((s) => s.label));
  }

  static async open(opts: WitnessServiceOptions): Promise<WitnessService> {
    const store = new CosignatureStore(opts.sql, opts.treeId);
    const metrics = opts.registry === undefined ? undefined : new WitnessMetrics(opts.registry);
    const latest = new Map<string, StoredCosignature | undefined>();
    for (const w of opts.witnesses) {
      const label = `${w.key.name}+${w.key.keyId.toString('hex')}`;
      latest.set(label, await store.latest(label));
    }
    const service: WitnessService = new WitnessService(store, opts.logger, () =>
      opts.witnesses.map((witness) => {
        const label = `${witness.key.name}+${witness.key.keyId.toString('hex')}`;
        const cosignedSize = latest.get(label)?.treeSize ?? 0;
        metrics?.cosignedSize.set({ witness: label }, cosignedSize);
        return new WitnessSubmitter({
          witness,
          consistency: opts.consistency,
          cosignedSize,
          logger: opts.logger,
          record: (outcome) => metrics?.record(label, outcome),
          store: async (c) => {
            await service.put({ treeSize: c.treeSize, witness: label, checkpointText: c.checkpointText, cosignedAt: c.timestamp, line: c.line });
            metrics?.cosignedSize.set({ witness: label }, c.treeSize);
          },
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
          ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
          ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
        });
      }),
    );
    for (const c of latest.values()) if (c !== undefined) service.remember(c.treeSize, [...(service.cache.get(c.treeSize) ?? []), c]);
    return service;
  }

  get witnessCount(): number {
    return this.submitters.length;
  }

  /** "<name>+<key ID>" of each configured witness. */
  get labels(): string[] {
    return this.submitters.map((s) => s.label);
  }

  checkpointPublished(cp: PublishedCheckpoint): void {
    if (this.submitters.length === 0) return;
    try {
      // Checked once here, so a caller's mistake is one error line, not a refusal by every witness.
      const size = parseCheckpoint(parseSignedNote(cp.note).text).size;
      if (size !== cp.treeSize) throw new Error(`the note is for tree size ${size}, not ${cp.treeSize}`);
    } catch (err) {
      this.logger.error({ treeSize: cp.treeSize, err }, 'not submitting a checkpoint to witnesses: it is not a checkpoint note of that size');
      return;
    }
    for (const s of this.submitters) s.offer(cp);
  }

  async cosigned(note: string, treeSize: number): Promise<string> {
    if (this.submitters.length === 0) return note;
    const stored = await this.atSize(treeSize);
    if (stored.length === 0) return note;
    const text = parseSignedNote(note).text;
    const lines = stored.filter((c) => c.checkpointText === text && this.served.has(c.witness) && !note.includes(`${c.line}\n`)).map((c) => `${c.line}\n`);
    return `${note}${lines.join('')}`;
  }

  /** Resolves when no submission is in flight or due now (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.submitters.map((s) => s.idle()));
  }

  /** Largest size each witness has cosigned, by label. */
  cosignedSizes(): Record<string, number> {
    return Object.fromEntries(this.submitters.map((s) => [s.label, s.cosignedSize]));
  }

  /** Stops submitting; a request in flight is aborted. Stored cosignatures stay served. */
  async close(): Promise<void> {
    await Promise.all(this.submitters.map((s) => s.close()));
  }

  private async put(c: StoredCosignature): Promise<void> {
    await this.store.put(c);
    const others = (this.cache.get(c.treeSize) ?? []).filter((o) => o.witness !== c.witness);
    this.remember(c.treeSize, [...others, c]);
  }

  private async atSize(treeSize: number): Promise<readonly StoredCosignature[]> {
    const cached = this.cache.get(treeSize);
    if (cached !== undefined) {
      this.remember(treeSize, cached);
      return cached;
    }
    const stored = await this.store.atSize(treeSize);
    // A cosignature stored meanwhile by put() is newer than this read.
    if (!this.cache.has(treeSize)) this.remember(treeSize, stored);
    return this.cache.get(treeSize) ?? stored;
  }

  private remember(treeSize: number, lines: readonly StoredCosignature[]): void {
    this.cache.delete(treeSize);
    this.cache.set(treeSize, lines);
    while (this.cache.size > CACHED_SIZES) this.cache.delete(this.cache.keys().next().value as number);
  }
}
