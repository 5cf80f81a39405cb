/**
 * One monitoring round, as rekor-monitor does it (rekor-api.md §5.4): fetch the log's signed
 * head, verify its signature against the trusted root, prove it extends the checkpoint saved
 * last time, read the entries added in between and report the watched identities among them,
 * and only then save the new head. Any step that shows the log misbehaving throws an
 * Inconsistency and the state file keeps the last checkpoint that was good; any step that
 * cannot reach the log throws UnreachableError, also without touching the state.
 *
 * With no state file the first verified head is trusted on first use: there is nothing to
 * compare it with, and the caller says so.
 */
import { nodeSha256 } from '../node-crypto.js';
import { toHex } from '../core/bytes.js';
import { verifyConsistency } from '../core/merkle.js';
import { summary, verifyCheckpointNote, type TrustedLog, type VerifiedCheckpoint } from './checkpoints.js';
import { entryIdentities, matchIdentities, type IdentityMatch } from './identities.js';
import { Inconsistency, type CheckpointSummary } from './inconsistency.js';
import type { LogSource } from './source.js';
import { loadState, saveState, StateFileError, type MonitorState } from './state.js';
import { watchesAnything, type WatchConfig } from './watch-config.js';

export interface RoundContext {
  readonly url: string;
  readonly source: LogSource;
  readonly logs: readonly TrustedLog[];
  readonly statePath: string;
  readonly watch: WatchConfig;
  /** A watched identity was found in a new entry. */
  readonly onMatch: (report: MatchReport) => void;
  readonly now?: () => Date;
}

export interface MatchReport extends Record<string, unknown> {
  readonly logIndex: number;
  readonly uuid: string;
  readonly entryId?: string;
  readonly kind: string;
}

export type RoundOutcome =
  | { readonly status: 'trusted-on-first-use'; readonly head: CheckpointSummary }
  | { readonly status: 'unchanged'; readonly head: CheckpointSummary }
  | {
      readonly status: 'grew';
      readonly from: CheckpointSummary;
      readonly head: CheckpointSummary;
      /** New entries read and proven included; 0 when nothing is watched (they are not fetched). */
      readonly entries: number;
      readonly matches: number;
    }
  | {
      /** The log rotated its key: the saved tree grew into `frozen`, its final checkpoint, and `head` is the new shard's. */
      readonly status: 'rotated';
      readonly from: CheckpointSummary;
      readonly frozen: CheckpointSummary;
      readonly head: CheckpointSummary;
      readonly entries: number;
      readonly matches: number;
    };

/** The saved checkpoint, re-verified: a state file edited by hand must not become trusted. */
function savedCheckpoint(state: MonitorState, ctx: RoundContext): VerifiedCheckpoint {
  if (state.url !== ctx.url) throw new StateFileError(`the state file ${ctx.statePath} records log ${state.url}, not ${ctx.url}; use another --state file for this log`);
  let saved: VerifiedCheckpoint;
  try {
    saved = verifyCheckpointNote(state.checkpoint, ctx.logs, undefined, ctx.now?.());
  } catch (err) {
    throw new StateFileError(`the checkpoint saved in ${ctx.statePath} no longer verifies with the trusted root (${(err as Error).message})`);
  }
  const c = saved.checkpoint;
  if (c.origin !== state.origin || c.size !== state.size || toHex(c.rootHash) !== state.rootHash) {
    throw new StateFileError(`the state file ${ctx.statePath} was edited: its fields do not match its signed checkpoint`);
  }
  return saved;
}

function stateOf(url: string, head: VerifiedCheckpoint, now: Date): MonitorState {
  const c = head.checkpoint;
  return { version: 1, url, origin: c.origin, size: c.size, rootHash: toHex(c.rootHash), checkpoint: head.note, verifiedAt: now.toISOString() };
}

async function reportMatches(ctx: RoundContext, start: number, head: VerifiedCheckpoint): Promise<{ entries: number; matches: number }> {
  let entries = 0;
  let matches = 0;
  // Consistency alone needs no entries: fetching them only pays off when there is something to find.
  if (!watchesAnything(ctx.watch)) return { entries, matches };
  for await (const page of ctx.source.entries(start, head.checkpoint.size, head)) {
    for (const entry of page) {
      entries++;
      const ids = entryIdentities(entry.body);
      for (const m of matchIdentities(ids, ctx.watch)) {
        matches++;
        const report: MatchReport = { logIndex: entry.logIndex, uuid: entry.uuid, ...(entry.entryId ? { entryId: entry.entryId } : {}), kind: ids.kind, ...(m satisfies IdentityMatch) };
        ctx.onMatch(report);
      }
    }
  }
  return { entries, matches };
}

export async function runRound(ctx: RoundContext): Promise<RoundOutcome> {
  const now = ctx.now ?? (() => new Date());
  const state = loadState(ctx.statePath);
  const saved = state ? savedCheckpoint(state, ctx) : undefined;
  const before = saved ? summary(saved.checkpoint) : undefined;
  const head = verifyCheckpointNote(await ctx.source.checkpoint(), ctx.logs, before, now());
  const after = summary(head.checkpoint);

  if (!saved || !before) {
    saveState(ctx.statePath, stateOf(ctx.url, head, now()));
    return { status: 'trusted-on-first-use', head: after };
  }
  if (head.checkpoint.origin !== saved.checkpoint.origin) return followRotation(ctx, saved, head, now);
  const extended = await extend(ctx, saved, head);
  if (extended === 'unchanged') return { status: 'unchanged', head: after };
  saveState(ctx.statePath, stateOf(ctx.url, head, now()));
  return { status: 'grew', from: before, head: after, ...extended };
}

/**
 * `head` is on the saved checkpoint's tree and extends it: the same or a larger size, and a
 * consistency proof between the two; the entries added in between read for the watched
 * identities. Throws an Inconsistency otherwise.
 */
async function extend(ctx: RoundContext, saved: VerifiedCheckpoint, head: VerifiedCheckpoint): Promise<'unchanged' | { entries: number; matches: number }> {
  const before = summary(saved.checkpoint);
  const after = summary(head.checkpoint);
  const old = saved.checkpoint;
  const cur = head.checkpoint;
  if (cur.origin !== old.origin) throw new Inconsistency(`the log's origin changed from "${old.origin}" to "${cur.origin}"`, before, after);
  if (cur.size < old.size) throw new Inconsistency(`the tree shrank from size ${old.size} to size ${cur.size}`, before, after);
  if (cur.size === old.size) {
    if (toHex(cur.rootHash) !== toHex(old.rootHash)) throw new Inconsistency(`two different roots are signed for size ${cur.size}: the log is forked`, before, after);
    return 'unchanged';
  }
  try {
    if (old.size > 0) {
      const proof = await ctx.source.consistencyProof(old.size, cur.size, head);
      try {
        verifyConsistency(nodeSha256, old.size, cur.size, old.rootHash, cur.rootHash, proof);
      } catch (err) {
        throw new Inconsistency(`the tree at size ${cur.size} does not extend the saved tree at size ${old.size}: ${(err as Error).message}`, before, after);
      }
    }
    return await reportMatches(ctx, old.size, head);
  } catch (err) {
    // Sources know the head but not the saved checkpoint: name both in the report.
    if (err instanceof Inconsistency && !err.saved) throw new Inconsistency(err.reason, before, err.current ?? after, err.evidence);
    throw err;
  }
}

/**
 * A new origin is a log that rotated its key (a new shard), or a log that was replaced. It is a
 * rotation only when the log still serves the saved tree, frozen, with a final checkpoint that
 * verifies with the trusted root and extends the saved one; then the entries up to the freeze
 * and the new shard's from its first are read, and the new shard is followed from now on.
 */
async function followRotation(ctx: RoundContext, saved: VerifiedCheckpoint, head: VerifiedCheckpoint, now: () => Date): Promise<RoundOutcome> {
  const before = summary(saved.checkpoint);
  const after = summary(head.checkpoint);
  const note = await ctx.source.frozenShard?.(saved.checkpoint.origin);
  if (note === undefined) {
    throw new Inconsistency(`the log's origin changed from "${saved.checkpoint.origin}" to "${head.checkpoint.origin}", and it serves no frozen shard with the saved origin`, before, after);
  }
  const frozen = verifyCheckpointNote(note, ctx.logs, before, now());
  const untilFreeze = await extend(ctx, saved, frozen);
  const fromStart = await reportMatches(ctx, 0, head);
  saveState(ctx.statePath, stateOf(ctx.url, head, now()));
  const upToFreeze = untilFreeze === 'unchanged' ? { entries: 0, matches: 0 } : untilFreeze;
  return {
    status: 'rotated',
    from: before,
    frozen: summary(frozen.checkpoint),
    head: after,
    entries: upToFreeze.entries + fromStart.entries,
    matches: upToFreeze.matches + fromStart.matches,
  };
}
