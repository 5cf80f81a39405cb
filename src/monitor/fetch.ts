/**
 * HTTP GETs and POSTs for the monitor, with retries: a transparency log is a remote service and
 * a monitor runs unattended, so connection failures, timeouts, 429 and 5xx answers are retried
 * with exponential backoff. When the attempts run out the log is "unreachable", which is a
 * different outcome from "the log lied": the caller exits 3 for one and 1 for the other.
 * Other 4xx answers are not retried (asking again will not change them).
 */

export class UnreachableError extends Error {}

/** The log answered, but not with what the protocol says (a 4xx, or a body that is not JSON). */
export class BadAnswerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  /** Attempts per request, including the first. */
  readonly attempts: number;
  /** Delay before the second attempt; doubled for each later one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 20_000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The cause of a fetch failure as one line ("connect ECONNREFUSED 127.0.0.1:9"). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  return cause?.message ?? cause?.code ?? (err as Error).message;
}

export class LogFetcher {
  constructor(
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The response body as bytes; 404 is returned as undefined when `allow404`. */
  async bytes(url: string, init: { method?: string; body?: string; allow404?: boolean } = {}): Promise<Uint8Array | undefined> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (attempt > 1) {
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 2));
        this.log(`${lastProblem}; retrying in ${delay} ms (attempt ${attempt} of ${this.retry.attempts})`);
        await sleep(delay);
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method: init.method ?? 'GET',
          headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(init.body !== undefined ? { body: init.body } : {}),
          signal: AbortSignal.timeout(this.retry.timeoutMs),
        });
      } catch (err) {
        lastProblem = `${init.method ?? 'GET'} ${url}: ${networkReason(err)}`;
        continue;
      }
      let body: Uint8Array;
      try {
        body = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        lastProblem = `${init.method ?? 'GET'} ${url}: the connection broke while reading the answer (${networkReason(err)})`;
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        lastProblem = `${init.method ?? 'GET'} ${url}: HTTP ${res.status}`;
        continue;
      }
      if (res.status === 404 && init.allow404) return undefined;
      if (res.status !== 200) {
        const text = new TextDecoder().decode(body.subarray(0, 200));
        throw new BadAnswerError(`${init.method ?? 'GET'} ${url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`, res.status);
      }
      return body;
    }
    throw new UnreachableError(`the log is unreachable: ${lastProblem} (gave up after ${this.retry.attempts} attempts)`);
  }

  async json(url: string, init: { method?: string; body?: string } = {}): Promise<unknown> {
    const body = (await this.bytes(url, init)) as Uint8Array;
    try {
      return JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new BadAnswerError(`${init.method ?? 'GET'} ${url} did not answer JSON`);
    }
  }

  async text(url: string): Promise<string> {
    return new TextDecoder().decode((await this.bytes(url)) as Uint8Array);
  }
}
