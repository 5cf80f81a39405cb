/**
 * `sealhouse monitor`: watch a log for tampering and for watched identities (src/monitor/).
 * Exit codes, so a cron job or CI step can act on them: 0 the log is consistent, 1 the log
 * misbehaved (the report is on stderr; the state file still holds the last good checkpoint) or
 * an input file is unusable, 2 usage, 3 the log was unreachable (--once).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeCheckpoint, Inconsistency } from '../../monitor/inconsistency.js';
import type { TrustedLog } from '../../monitor/checkpoints.js';
import { logsFromTrustedRoot } from '../../core/trust.js';
import { BadAnswerError, DEFAULT_RETRY, LogFetcher, UnreachableError } from '../../monitor/fetch.js';
import { runRound, type RoundOutcome } from '../../monitor/monitor.js';
import { RekorV1Source } from '../../monitor/rekor-v1-source.js';
import { StateFileError } from '../../monitor/state.js';
import { TilesSource } from '../../monitor/tiles-source.js';
import { EMPTY_WATCH, loadWatchConfig, WatchConfigError } from '../../monitor/watch-config.js';
import { type Command, UsageError } from '../command.js';
import { nodeCrypto } from '../../node-crypto.js';

const USAGE = `usage: sealhouse monitor --url <log URL> --trusted-root <trusted_root.json> [--state <file>] [--config <watch.yaml>]
                         [--once] [--interval <seconds>] [--tiles] [--retries <n>]

Checks that the log only ever grows: each round verifies the log's signed checkpoint with the
trusted root's log key, proves it consistent with the checkpoint saved in --state, reads the new
entries and prints one JSON line on stdout for each watched identity found (rekor-monitor's
config format: certIdentities, subjects, fingerprints, fulcioExtensions, customExtensions).
The first run with no state file trusts the log's current checkpoint (trust on first use).

  --url           the log's base URL (Rekor v1 API; with --tiles, the tlog-tiles prefix: for
                  Sealhouse <base>/tlog/v1 for the v1 tree, <base> or <base>/tlog/v2 for Rekor v2)
  --trusted-root  a sigstore trusted_root.json obtained out of band (its tlogs are the keys:
                  ECDSA P-256 for Rekor v1 checkpoints, Ed25519 for Rekor v2 ones)
  --state         where the last verified checkpoint is kept (default: sealhouse-monitor.json)
  --config        identities to watch for (YAML, rekor-monitor format); none: consistency only
  --once          one round, then exit (for cron); otherwise a round every --interval
  --interval      seconds between rounds (default 300)
  --tiles         read a C2SP tlog-tiles log (checkpoint, tile/...) instead of the v1 API
  --retries       attempts per request on network errors, 429 and 5xx (default ${DEFAULT_RETRY.attempts})

exit: 0 consistent, 1 inconsistency found (state not advanced) or unusable input, 2 usage,
      3 log unreachable (--once)`;

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  return Number(text);
}

function readTrustedRoot(path: string): TrustedLog[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StateFileError(`cannot read the trusted root ${path}: ${(err as Error).message}`);
  }
  try {
    return logsFromTrustedRoot(nodeCrypto, doc, 'checkpoint-signers');
  } catch (err) {
    throw new StateFileError(`${path}: ${(err as Error).message}`);
  }
}

function say(line: string): void {
  process.stderr.write(`sealhouse monitor: ${line}\n`);
}

function describeOutcome(o: RoundOutcome): string {
  switch (o.status) {
    case 'trusted-on-first-use':
      return `no saved checkpoint: trusting the log's current checkpoint on first use (${describeCheckpoint(o.head)}); it was signed by the trusted key, but nothing earlier was checked`;
    case 'unchanged':
      return `the log has not grown (${describeCheckpoint(o.head)})`;
    case 'grew':
      return `consistent: size ${o.from.size} → ${o.head.size} (${describeCheckpoint(o.head)}); ${o.entries > 0 ? `${o.entries} new entries read, ${o.matches} watched identities found` : 'no identities watched, entries not read'}`;
    case 'rotated':
      return (
        `the log rotated its key: the saved tree grew consistently to its final size ${o.frozen.size} (${describeCheckpoint(o.frozen)}) and is frozen; ` +
        `following the new shard from now on (${describeCheckpoint(o.head)}); ${o.entries > 0 ? `${o.entries} new entries read, ${o.matches} watched identities found` : 'no identities watched, entries not read'}`
      );
  }
}

/** Waits `ms` or until stopped; true when stopped. */
function pause(ms: number, stop: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    stop.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export const monitorCommand: Command = {
  name: 'monitor',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        url: { type: 'string' },
        'trusted-root': { type: 'string' },
        state: { type: 'string' },
        config: { type: 'string' },
        once: { type: 'boolean' },
        interval: { type: 'string' },
        tiles: { type: 'boolean' },
        retries: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`takes no operands, got "${positionals.join(' ')}"`);
    if (!values.url) throw new UsageError('monitor needs --url <log URL>');
    if (!values['trusted-root']) throw new UsageError('monitor needs --trusted-root <trusted_root.json> (obtained out of band: the log\'s own copy proves nothing)');
    let url: string;
    try {
      const u = new URL(values.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
      url = u.href.replace(/\/+$/, '');
    } catch {
      throw new UsageError(`--url "${values.url}" is not an http(s) URL`);
    }
    const interval = positiveInt(values.interval, '--interval', 300);
    const attempts = positiveInt(values.retries, '--retries', DEFAULT_RETRY.attempts);
    const statePath = values.state ?? 'sealhouse-monitor.json';

    let logs: TrustedLog[];
    let watch = EMPTY_WATCH;
    try {
      logs = readTrustedRoot(values['trusted-root']);
      if (values.config) watch = loadWatchConfig(values.config);
    } catch (err) {
      if (err instanceof StateFileError || err instanceof WatchConfigError) {
        say(err.message);
        return 1;
      }
      throw err;
    }
    const fetcher = new LogFetcher({ ...DEFAULT_RETRY, attempts }, say);
    const source = values.tiles ? new TilesSource(url, fetcher) : new RekorV1Source(url, fetcher, logs);
    const ctx = { url, source, logs, statePath, watch, onMatch: (m: object) => process.stdout.write(`${JSON.stringify(m)}\n`) };

    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      for (;;) {
        try {
          say(describeOutcome(await runRound(ctx)));
        } catch (err) {
          if (err instanceof Inconsistency) {
            say(`${err.report()}\n  the state file ${statePath} was not advanced`);
            return 1;
          }
          if (err instanceof StateFileError) {
            say(err.message);
            return 1;
          }
          if (!(err instanceof UnreachableError || err instanceof BadAnswerError)) throw err;
          say(err.message);
          if (values.once) return err instanceof UnreachableError ? 3 : 1;
          say(`will try again in ${interval} s; the state file was not advanced`);
        }
        if (values.once || (await pause(interval * 1000, stop.signal))) return 0;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
