/**
 * `sealhouse verify-entry`: one transparency log entry verified offline against a trusted root,
 * as an auditor checks what a log (ours or any Rekor) answered:
 *
 * - a Rekor v1 entry as GET /api/v1/log/entries/{uuid} returns it (the {uuid: entry} map, or
 *   the bare entry): UUID = leaf hash of the body, SET against the log key, inclusion proof to
 *   the root of a checkpoint signed by that key, body decoded (src/core/verify-entry.ts);
 * - a TransparencyLogEntry as a bundle's tlogEntries carry it (Rekor v1 or v2): the same checks
 *   through the bundle verifier's tlog code (src/core/bundle/).
 *
 * Prints each check and what it proved; exit 1 naming the first check that failed.
 */
import { parseArgs } from 'node:util';
import { base64ToBytes, toHex } from '../../core/bytes.js';
import type { Check } from '../../core/checks.js';
import { leafHash } from '../../core/merkle.js';
import { logsFromTrustedRoot, TrustError } from '../../core/trust.js';
import { verifyEntry, type LogEntryAnon } from '../../core/verify-entry.js';
import { SealhouseError } from '../../errors.js';
import { nodeCrypto, nodeSha256 } from '../../node-crypto.js';
import { type Command, UsageError } from '../command.js';
import { readJson, TRUSTED_ROOT_HELP, trustedRootPath } from '../read-inputs.js';
import { verifyTlogEntryJson } from '../tlog-entry.js';

const USAGE = `usage: sealhouse verify-entry [--trusted-root FILE] [--entry FILE|-]

Verifies a transparency log entry offline (default: read from standard input):
  - a Rekor v1 entry as GET /api/v1/log/entries/{uuid} (or /api/v1/log/entries?logIndex=N)
    returns it: {"<uuid>": {body, integratedTime, logID, logIndex, verification}}, or the bare
    entry. Checked: the UUID is the hash of the body, the log ID names a log of the trusted root
    valid at the integrated time, the SET verifies, the inclusion proof leads to the root of a
    checkpoint signed by that log; the body is decoded and its signature checked.
  - a TransparencyLogEntry (Rekor v1 or v2) as a sigstore bundle's tlogEntries[] holds it:
    {logIndex, logId, kindVersion, integratedTime, inclusionPromise, inclusionProof, canonicalizedBody}.
Prints every check and what it proved. Exit status: 0 verified, 1 a check failed (named) or an
input could not be read, 2 usage mistake.

${TRUSTED_ROOT_HELP}`;

const MARK: Record<Check['status'], string> = { ok: '✓', failed: '✗', skipped: '-' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each entry of the input with the name it was given under (undefined: a bare entry). */
function v1Entries(doc: Record<string, unknown>): [string | undefined, LogEntryAnon][] {
  if (typeof doc.body === 'string') return [[undefined, doc as unknown as LogEntryAnon]];
  const entries = Object.entries(doc);
  if (entries.length === 0) throw new SealhouseError('invalid_input', 'the entry file is an empty object: no log entry in it');
  return entries.map(([uuid, e]) => {
    if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/i.test(uuid) || !isObject(e) || typeof e.body !== 'string') {
      throw new SealhouseError('invalid_input', `not a Rekor log entry: expected {"<uuid>": {"body": …}} or a bare entry or a TransparencyLogEntry, found key ${JSON.stringify(uuid.slice(0, 80))}`);
    }
    return [uuid, e as unknown as LogEntryAnon];
  });
}

function bareEntryUuid(entry: LogEntryAnon): string {
  try {
    return toHex(leafHash(nodeSha256, base64ToBytes(entry.body)));
  } catch {
    return '(body is not base64)';
  }
}

function printChecks(title: string, checks: readonly Pick<Check, 'status' | 'title' | 'detail'>[], summary: string, ok: boolean): void {
  const out = ok ? process.stdout : process.stderr;
  out.write(`${title}\n`);
  for (const c of checks) out.write(`  ${MARK[c.status]} ${c.title}: ${c.detail}\n`);
  out.write(`${ok ? 'OK' : 'NOT verified'}: ${summary}\n`);
}

export const verifyEntryCommand: Command = {
  name: 'verify-entry',
  usage: USAGE,
  run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], options: { 'trusted-root': { type: 'string' }, entry: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length > 0) throw new UsageError(`takes no operands (give the entry with --entry FILE), got "${positionals.join(' ')}"`);
    const root = trustedRootPath(values['trusted-root'], false);
    if (!root) throw new UsageError('no trusted root: pass --trusted-root FILE or set SEALHOUSE_TRUSTED_ROOT');
    const entryPath = values.entry ?? '-';
    const trustedRoot = readJson(root.path, 'trusted root');
    const doc = readJson(entryPath, 'log entry');
    if (!isObject(doc)) throw new SealhouseError('invalid_input', `log entry ${entryPath} is not a JSON object`);
    const source = `trusted root ${root.path} (from ${root.source})`;

    if (typeof doc.canonicalizedBody === 'string' || isObject(doc.kindVersion)) {
      const v = verifyTlogEntryJson(doc, trustedRoot);
      printChecks(`TransparencyLogEntry ${String(doc.logIndex ?? '?')} against ${source}`, v.checks, v.summary, v.verified);
      return Promise.resolve(v.verified ? 0 : 1);
    }

    let logs;
    try {
      logs = logsFromTrustedRoot(nodeCrypto, trustedRoot);
    } catch (err) {
      if (err instanceof TrustError) throw new SealhouseError('invalid_input', `trusted root ${root.path}: ${err.message}`);
      throw err;
    }
    let failed = 0;
    for (const [uuid, entry] of v1Entries(doc)) {
      // A bare entry carries no name to check: it is named by what its body hashes to.
      const name = uuid ?? bareEntryUuid(entry);
      const v = verifyEntry(name, entry, { logs, crypto: nodeCrypto, trustedRoot });
      const proven = v.checks.filter((c) => c.status === 'ok' && (c.id === 'set' || c.id === 'checkpoint' || c.id === 'inclusion')).map((c) => c.title);
      const summary = v.verified ? `entry ${String(entry.logIndex)} is in the log: ${proven.join('; ')}; identity ${v.identity.status}` : v.summary;
      printChecks(`Rekor entry ${uuid ?? `(bare; body hashes to ${name})`} at log index ${String(entry.logIndex)} against ${source}`, v.checks, summary, v.verified);
      if (!v.verified) failed++;
    }
    return Promise.resolve(failed === 0 ? 0 : 1);
  },
};
