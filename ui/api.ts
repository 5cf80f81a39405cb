/**
 * The Rekor v1 API as the page calls it (rekor-api.md §1), relative to the page so a Sealhouse
 * behind a path prefix works. Every failure becomes a UiError with a message for people:
 * network errors, `{code, message}` error bodies, empty 404s, and answers of the wrong shape.
 */
import type { LogEntryAnon } from '../src/core/verify-entry.js';
import { UiError } from './errors.js';


export interface LogInfo {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
  /** The frozen shards of a log whose key rotated (null when it never did). */
  inactiveShards?: { rootHash: string; treeSize: number; signedTreeHead: string; treeID: string }[] | null;
}

/** One entry as answered: its 80-hex (or 64-hex) ID and the LogEntryAnon. */
export type Entry = { id: string; entry: LogEntryAnon };

const url = (path: string): string => new URL(path, document.baseURI).toString();

async function send(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url(path), { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (err) {
    throw new UiError('unreachable', `Could not reach the Sealhouse API (${path}): ${(err as Error).message}`);
  }
}

async function fail(res: Response, path: string): Promise<never> {
  const text = await res.text().catch(() => '');
  let message = text.trim() ? text.trim().slice(0, 300) : res.statusText || 'no message';
  try {
    const body = JSON.parse(text) as { code?: number; message?: string };
    if (typeof body.message === 'string') message = `Code ${body.code ?? res.status}: ${body.message}`;
  } catch {
    // not JSON: keep the text
  }
  throw new UiError('server-error', `The server answered ${res.status} to ${path}: ${message}`, res.status);
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await send(path, init);
  if (!res.ok) return fail(res, path);
  try {
    return (await res.json()) as T;
  } catch {
    throw new UiError('bad-answer', `The answer to ${path} is not JSON.`, res.status);
  }
}

/** A LogEntry (exactly one key) with the fields verification needs, or a readable error. */
export function oneEntry(doc: unknown, path: string): Entry {
  const bad = (why: string): UiError => new UiError('bad-answer', `The answer to ${path} is not a Rekor log entry: ${why}.`, 200);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
  const keys = Object.keys(doc);
  if (keys.length !== 1) throw bad(`it has ${keys.length} keys instead of exactly one`);
  const id = keys[0] as string;
  const entry = (doc as Record<string, LogEntryAnon>)[id] as LogEntryAnon;
  if (!/^([0-9a-f]{64}|[0-9a-f]{80})$/i.test(id)) throw bad(`its key ${JSON.stringify(id.slice(0, 90))} is not an entry ID`);
  if (typeof entry?.body !== 'string') throw bad('it has no body');
  if (!Number.isSafeInteger(entry.logIndex) || !Number.isSafeInteger(entry.integratedTime)) throw bad('logIndex or integratedTime is not an integer');
  if (typeof entry.logID !== 'string') throw bad('it has no logID');
  return { id: id.toLowerCase(), entry };
}

export const getLogInfo = (): Promise<LogInfo> => json<LogInfo>('api/v1/log');

/** The log key of shard `treeID`, or of the shard in use. */
export async function getPublicKeyPem(treeID?: string): Promise<string> {
  const path = treeID === undefined ? 'api/v1/log/publicKey' : `api/v1/log/publicKey?treeID=${encodeURIComponent(treeID)}`;
  const res = await send(path);
  if (!res.ok) return fail(res, path);
  return res.text();
}

/** `trusted_root.json` if this Sealhouse serves one, undefined if it does not (404). */
export async function getTrustedRoot(): Promise<unknown> {
  const res = await send('trusted_root.json');
  if (res.status === 404) return undefined;
  if (!res.ok) return fail(res, 'trusted_root.json');
  try {
    return await res.json();
  } catch {
    throw new UiError('bad-answer', 'trusted_root.json is not JSON.', res.status);
  }
}

/** Entry IDs for an index search, in log order (rekor-api.md §1.10). */
export async function searchIndex(request: Record<string, string>): Promise<string[]> {
  const ids = await json<unknown>('api/v1/index/retrieve', { method: 'POST', body: JSON.stringify(request) });
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw new UiError('bad-answer', 'The index search answer is not a list of entry IDs.', 200);
  return ids.map((x) => x.toLowerCase());
}

async function single(path: string): Promise<Entry | undefined> {
  const res = await send(path);
  if (res.status === 404) return undefined;
  if (!res.ok) return fail(res, path);
  return oneEntry(await res.json().catch(() => null), path);
}

export const getEntryByUuid = (uuid: string): Promise<Entry | undefined> => single(`api/v1/log/entries/${encodeURIComponent(uuid)}`);
export const getEntryByIndex = (index: number): Promise<Entry | undefined> => single(`api/v1/log/entries?logIndex=${index}`);

/** Entries by ID (at most 10 per request, rekor-api.md §1.9), in the order asked; missing ones left out. */
export async function retrieveEntries(ids: readonly string[]): Promise<Entry[]> {
  const found = new Map<string, Entry>();
  for (let i = 0; i < ids.length; i += 10) {
    const chunk = ids.slice(i, i + 10);
    const docs = await json<unknown[]>('api/v1/log/entries/retrieve', { method: 'POST', body: JSON.stringify({ entryUUIDs: chunk }) });
    if (!Array.isArray(docs)) throw new UiError('bad-answer', 'The entries/retrieve answer is not a list.', 200);
    for (const doc of docs) {
      const e = oneEntry(doc, 'api/v1/log/entries/retrieve');
      found.set(e.id.slice(-64), e);
    }
  }
  return ids.flatMap((id) => found.get(id.slice(-64)) ?? []);
}

/** Entries by log index (for "recent entries"), in the order asked. */
export async function retrieveByIndexes(indexes: readonly number[]): Promise<Entry[]> {
  const docs = await json<unknown[]>('api/v1/log/entries/retrieve', { method: 'POST', body: JSON.stringify({ logIndexes: indexes.slice(0, 10) }) });
  if (!Array.isArray(docs)) throw new UiError('bad-answer', 'The entries/retrieve answer is not a list.', 200);
  return docs.map((d) => oneEntry(d, 'api/v1/log/entries/retrieve'));
}

export function getConsistencyProof(firstSize: number, lastSize: number): Promise<{ rootHash: string; hashes: string[] }> {
  return json(`api/v1/log/proof?firstSize=${firstSize}&lastSize=${lastSize}`);
}
