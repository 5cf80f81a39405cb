/**
 * One witness's add-checkpoint client (https://c2sp.org/tlog-witness §add-checkpoint).
 *
 * At most one request is in flight; a checkpoint published meanwhile replaces any older one
 * waiting (the latest wins: a cosignature of a larger tree covers the smaller ones). The body is
 *
 *   old <size the witness last cosigned>\n
 *   <base64 consistency proof hash>\n …      (none when old is 0 or equals the new size)
 *   \n
 *   <the log's signed checkpoint note>
 *
 * Answers: 200 → the returned lines are verified against the configured vkey and stored; 409 →
 * the body is the witness's size, and the next attempt proves from it at once; any other 4xx,
 * 5xx, a network error or a timeout → warn, count, and retry the latest checkpoint after an
 * exponential backoff. Nothing here is awaited by an append.
 */
import type { Logger } from 'pino';
import { SealhouseError } from '../errors.js';
import { formatSignedNote, parseSignedNote } from '../note/signed-note.js';
import { verifyCosignature, type CosignerKey } from './cosignature.js';
import type { SubmissionOutcome } from './witness-metrics.js';
import { addCheckpointUrl, type WitnessConfig } from './witness-config.js';

/** A checkpoint the v2 log has just published. */
export interface PublishedCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** The signed note as the log serves it (its own signature line only). */
  readonly note: string;
}

/** A verified cosignature, ready to store. */
export interface Cosignature {
  readonly treeSize: number;
  readonly checkpointText: string;
  readonly timestamp: number;
  /** "— <name> <base64>" without the newline. */
  readonly line: string;
}

export type Consistency = (size1: number, size2: number) => Promise<Buffer[]>;
export type WitnessLogger = Pick<Logger, 'warn' | 'info' | 'debug' | 'error'>;

export interface SubmitterOptions {
  readonly witness: WitnessConfig;
  readonly consistency: Consistency;
  /** Persists a verified cosignature; a throw is logged and the checkpoint retried later. */
  readonly store: (c: Cosignature) => Promise<void>;
  readonly record: (outcome: SubmissionOutcome) => void;
  readonly logger: WitnessLogger;
  /** The size of the latest stored cosignature by this witness (0: none), its starting `old`. */
  readonly cosignedSize: number;
  readonly fetch?: typeof fetch;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
  /** First retry delay after a failure, doubled per failure up to maxBackoffMs (1 s, 60 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Answers larger than this are not a list of signature lines; they are refused unread. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** 409s in a row before the submitter stops believing the witness and backs off. */
const MAX_CONFLICTS_IN_A_ROW = 3;

type Step = 'next' | 'again' | 'backoff';

export class WitnessSubmitter {
  readonly label: string;
  private readonly key: CosignerKey;
  private readonly url: URL;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private pending: PublishedCheckpoint | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private closed = false;
  private failures = 0;
  private conflicts = 0;
  /** What the witness last told us (or we last saw it cosign): the `old` of the next request. */
  private witnessSize: number;
  /** Largest size this witness has cosigned for us. */
  private cosigned: number;

  constructor(private readonly opts: SubmitterOptions) {
    this.key = opts.witness.key;
    this.label = `${this.key.name}+${this.key.keyId.toString('hex')}`;
    this.url = addCheckpointUrl(opts.witness);
    this.fetch = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.witnessSize = opts.cosignedSize;
    this.cosigned = opts.cosignedSize;
  }

  get cosignedSize(): number {
    return this.cosigned;
  }

  /** Queue `cp` (replacing an older waiting one) and start unless a request or a backoff is pending. */
  offer(cp: PublishedCheckpoint): void {
    if (this.closed) return;
    if (this.pending === undefined || cp.treeSize >= this.pending.treeSize) this.pending = cp;
    this.kick();
  }

  /** Resolves once nothing is in flight or queued (tests; the server never waits for it). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.idle();
  }

  private kick(): void {
    if (this.running !== undefined || this.timer !== undefined || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.pending !== undefined) {
      const cp = this.pending;
      this.pending = undefined;
      if (cp.treeSize <= this.cosigned) continue;
      const step = await this.attempt(cp).catch((err: unknown) => {
        // E.g. the consistency proof could not be read from the database: retry later.
        this.failures++;
        this.opts.logger.error({ witness: this.label, treeSize: cp.treeSize, err }, 'witness submission failed unexpectedly; the checkpoint will be retried');
        return 'backoff' as const;
      });
      if (step === 'next') continue;
      // The same checkpoint is retried unless a newer one arrived meanwhile.
      this.pending ??= cp;
      if (step === 'backoff') {
        this.scheduleRetry();
        return;
      }
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** Math.min(this.failures - 1, 30));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
    this.timer.unref();
  }

  private fail(outcome: SubmissionOutcome, detail: Record<string, unknown>, message: string): Step {
    this.failures++;
    this.conflicts = 0;
    this.opts.record(outcome);
    this.opts.logger.warn({ witness: this.label, url: this.url.href, outcome, failures: this.failures, ...detail }, message);
    return 'backoff';
  }

  private async attempt(cp: PublishedCheckpoint): Promise<Step> {
    // A witness that holds a larger size than this checkpoint cannot be given a proof to it
    // (the 409 that said so was logged); a later checkpoint past that size can.
    if (this.witnessSize > cp.treeSize) return 'next';
    const text = parseSignedNote(cp.note).text;
    const old = this.witnessSize;
    const proof = old === 0 || old === cp.treeSize ? [] : await this.opts.consistency(old, cp.treeSize);
    const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${cp.note}`;
    let status: number;
    let answer: string;
    try {
      const response = await this.fetch(this.url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      status = response.status;
      answer = await readCapped(response);
    } catch (err) {
      if (this.closed) return 'next';
      return this.fail('unavailable', { treeSize: cp.treeSize, error: describeFetchError(err) }, 'witness unreachable; the checkpoint will be retried');
    }
    if (status === 200) return this.accept(cp, text, answer);
    if (status === 409) return this.conflict(cp, answer);
    // 429 is transparency-dev/witness's pushback: transient, like a 5xx.
    const outcome: SubmissionOutcome = status >= 400 && status < 500 && status !== 429 ? 'refused' : 'unavailable';
    const why = WITNESS_REFUSALS[status] ?? (outcome === 'refused' ? 'refused the checkpoint' : 'failed');
    return this.fail(outcome, { treeSize: cp.treeSize, old, status, body: answer.slice(0, 200) }, `witness ${why} (HTTP ${status})`);
  }

  private async accept(cp: PublishedCheckpoint, text: string, answer: string): Promise<Step> {
    let cosignature: Cosignature;
    try {
      cosignature = this.verifyAnswer(cp.treeSize, text, answer);
    } catch (err) {
      return this.fail('bad_cosignature', { treeSize: cp.treeSize, error: (err as Error).message }, 'witness answered without a valid cosignature; nothing stored');
    }
    try {
      await this.opts.store(cosignature);
    } catch (err) {
      this.failures++;
      this.opts.logger.error({ witness: this.label, treeSize: cp.treeSize, err }, 'could not store a witness cosignature; the checkpoint will be resubmitted');
      return 'backoff';
    }
    this.witnessSize = cp.treeSize;
    this.cosigned = cp.treeSize;
    this.failures = 0;
    this.conflicts = 0;
    this.opts.record('cosigned');
    this.opts.logger.debug({ witness: this.label, treeSize: cp.treeSize }, 'witness cosigned the checkpoint');
    return 'next';
  }

  /**
   * The witness's lines, read as tlog-witness suggests: appended to the checkpoint text they
   * form a signed note whose signatures by the configured key must all verify; lines by other
   * keys are ignored. The one with the latest timestamp is kept.
   */
  private verifyAnswer(treeSize: number, text: string, answer: string): Cosignature {
    if (answer === '' || !answer.endsWith('\n')) throw new SealhouseError('verification_failed', 'the answer is not newline-terminated signature lines');
    const signatures = parseSignedNote(`${text}\n${answer}`).signatures.filter((s) => s.name === this.key.name && s.keyHint.equals(this.key.keyId));
    if (signatures.length === 0) throw new SealhouseError('verification_failed', `the answer has no signature line by ${this.label}`);
    let best: { timestamp: number; line: string } | undefined;
    for (const s of signatures) {
      const { timestamp } = verifyCosignature(this.key, text, s.signature);
      if (best === undefined || timestamp > best.timestamp) best = { timestamp, line: formatSignedNote(text, [s]).slice(text.length + 1, -1) };
    }
    const chosen = best as { timestamp: number; line: string };
    return { treeSize, checkpointText: text, timestamp: chosen.timestamp, line: chosen.line };
  }

  private conflict(cp: PublishedCheckpoint, answer: string): Step {
    const m = /^(0|[1-9][0-9]{0,15})\n?$/.exec(answer);
    const size = m === null ? NaN : Number(m[1]);
    if (!Number.isSafeInteger(size)) {
      // transparency-dev/witness answers a bare 409 when it cosigned another root at this size.
      return this.fail('refused', { treeSize: cp.treeSize, body: answer.slice(0, 200) }, 'witness answered 409 without a tree size: it holds a different root for this size (a fork of the log?)');
    }
    this.opts.record('conflict');
    this.witnessSize = size;
    this.conflicts++;
    if (size > cp.treeSize) {
      // It has cosigned a larger tree of this origin than this checkpoint: later checkpoints
      // past that size are provable from it; this one is not. If the log never reached that
      // size, someone else signed a checkpoint with our key, or the log lost entries.
      this.opts.logger.warn({ witness: this.label, treeSize: cp.treeSize, witnessSize: size }, 'witness holds a larger tree size than this checkpoint; waiting for the log to pass it');
      this.conflicts = 0;
      return 'next';
    }
    if (this.conflicts > MAX_CONFLICTS_IN_A_ROW) {
      return this.fail('refused', { treeSize: cp.treeSize, witnessSize: size }, `witness answered 409 ${this.conflicts} times in a row; backing off`);
    }
    this.opts.logger.debug({ witness: this.label, treeSize: cp.treeSize, witnessSize: size }, 'witness holds another size; proving from it');
    return 'again';
  }
}

/** tlog-witness's meaning of each refusal, in the log line. */
const WITNESS_REFUSALS: Record<number, string> = {
  400: 'refused the request as malformed',
  403: 'does not trust the log key that signed the checkpoint',
  404: 'does not know the checkpoint origin',
  422: 'refused the consistency proof or the empty-tree root',
  429: 'pushed back',
};

async function readCapped(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_RESPONSE_BYTES || response.body === null) {
    await response.body?.cancel();
    return '';
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new SealhouseError('payload_too_large', `the witness answered more than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
