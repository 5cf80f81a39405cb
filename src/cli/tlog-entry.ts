/**
 * A TransparencyLogEntry (protobuf-specs dev.sigstore.rekor.v1, as a bundle's tlogEntries[]
 * carries it; Rekor v1 or v2) verified on its own against a trusted root, through the bundle
 * verifier's own parser and tlog checks, so the CLI has no second reading of the format.
 */
import { parseTlogEntry } from '../core/bundle/bundle-json.js';
import { BundleVerificationError } from '../core/bundle/errors.js';
import { bodyJson, verifyTlogEntry } from '../core/bundle/tlog.js';
import { asTrustedRoot } from '../core/bundle/trusted-root.js';
import { SealhouseError } from '../errors.js';
import { nodeCrypto } from '../node-crypto.js';

export interface ReportedCheck {
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly title: string;
  readonly detail: string;
}

export interface TlogEntryReport {
  readonly verified: boolean;
  readonly checks: ReportedCheck[];
  readonly summary: string;
}

export function verifyTlogEntryJson(doc: Record<string, unknown>, trustedRootDoc: unknown): TlogEntryReport {
  let root;
  try {
    root = asTrustedRoot(trustedRootDoc);
  } catch (err) {
    throw new SealhouseError('invalid_input', `trusted root: ${(err as Error).message}`);
  }
  const checks: ReportedCheck[] = [];
  const fail = (title: string, err: unknown): TlogEntryReport => {
    if (!(err instanceof BundleVerificationError)) throw err;
    checks.push({ status: 'failed', title, detail: err.message });
    return { verified: false, checks, summary: `${title}: ${err.message}` };
  };
  // The bundle rules: an entry with only a SET is read as v0.1 would be; with a proof, the proof needs a checkpoint.
  let entry;
  try {
    entry = parseTlogEntry(doc, 'entry', doc.inclusionProof === undefined ? '0.1' : '0.3');
  } catch (err) {
    return fail('Entry format', err);
  }
  checks.push({ status: 'ok', title: 'Entry format', detail: `${entry.kind} ${entry.version}, log index ${entry.logIndex}, log ${entry.logIdHex}` });
  let result;
  try {
    result = verifyTlogEntry(nodeCrypto, entry, root);
  } catch (err) {
    return fail('Log proof', err);
  }
  checks.push({ status: 'ok', title: 'Trusted log', detail: `${result.log.baseUrl} (${result.log.keyDetails})` });
  for (const c of result.checks) checks.push({ status: 'ok', title: 'Log proof', detail: c });
  if (!entry.set) checks.push({ status: 'skipped', title: 'Signed entry timestamp', detail: 'the entry carries none (Rekor v2 entries never do); its time needs an RFC 3161 timestamp' });
  if (!entry.proof) checks.push({ status: 'skipped', title: 'Inclusion proof', detail: 'the entry carries none: only the SET promises inclusion' });
  try {
    const body = bodyJson(entry) as { kind?: unknown; apiVersion?: unknown };
    checks.push({ status: 'ok', title: 'Body', detail: `decodes as JSON: kind ${String(body.kind)}, apiVersion ${String(body.apiVersion)}` });
  } catch (err) {
    return fail('Body', err);
  }
  const proven = [entry.set && 'signed entry timestamp', entry.proof && 'inclusion proof and signed checkpoint'].filter(Boolean).join(' and ');
  return { verified: true, checks, summary: `entry ${entry.logIndex} of ${result.log.baseUrl}: ${proven} verified` };
}
