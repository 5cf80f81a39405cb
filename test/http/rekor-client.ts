/**
 * A small Rekor v1 client for the HTTP tests (rekor-api.md §1): requests with the headers real
 * clients send, proposed hashedrekord entries signed with fresh keys or certificates, and the
 * offline check of every returned LogEntry with our verifier (SET, inclusion, checkpoint, UUID).
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { pae } from '../../src/entries/dsse-envelope.js';
import { logFromSpki } from '../../src/core/trust.js';
import { passedChecks, verifyEntry, type LogEntryAnon as ApiLogEntry } from '../../src/core/verify-entry.js';
import { nodeCrypto } from '../../src/node-crypto.js';

export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly json: T;
}

export type LogEntry = Record<string, ApiLogEntry>;
export type ErrorBody = { code: number; message: string };

export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Reply<T>> {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...headers }, ...(signal ? { signal } : {}) };
  if (body !== undefined) {
    init.body = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export const get = <T = unknown>(base: string, path: string): Promise<Reply<T>> => call<T>(base, 'GET', path);
export const post = <T = unknown>(base: string, path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>> =>
  call<T>(base, 'POST', path, body, headers);

/** A signer for hashedrekord entries: a key, and the PEM that goes into the entry (key or cert). */
export interface EntrySigner {
  readonly privateKey: KeyObject;
  readonly pem: string;
}

export function keySigner(): EntrySigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, pem: publicKey.export({ format: 'pem', type: 'spki' }) as string };
}

export interface HashedRekord {
  apiVersion: string;
  kind: string;
  spec: {
    data: { hash: { algorithm: string; value: string } };
    signature: { content: string; publicKey: { content: string } };
  };
}

/** A hashedrekord 0.0.1 proposed entry exactly as sigstore-js sends it (§2.1). */
export function hashedrekord(artifact: string | Buffer, signer: EntrySigner = keySigner()): HashedRekord {
  const data = Buffer.from(artifact);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } },
      signature: { content: sign('sha256', data, signer.privateKey).toString('base64'), publicKey: { content: Buffer.from(signer.pem).toString('base64') } },
    },
  };
}

const IN_TOTO = 'application/vnd.in-toto+json';
const b64 = (b: string | Buffer): string => Buffer.from(b).toString('base64');

/** A dsse 0.0.1 proposed entry as sigstore-js attest() sends it (§2.2): the envelope as a string. */
export function dsseEntry(payload: Buffer, signer: EntrySigner = keySigner()): { kind: string; apiVersion: string; spec: { proposedContent: { envelope: string; verifiers: string[] } } } {
  const sig = b64(sign('sha256', pae(IN_TOTO, payload), signer.privateKey));
  const envelope = JSON.stringify({ payload: b64(payload), payloadType: IN_TOTO, signatures: [{ sig }] });
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [b64(signer.pem)] } } };
}

/** An intoto 0.0.2 proposed entry as sigstore-js legacyCompatibility sends it (§2.3). */
export function intotoEntry(payload: Buffer, signer: EntrySigner = keySigner()): { kind: string; apiVersion: string; spec: { content: Record<string, Record<string, unknown>> } } {
  const sig = b64(sign('sha256', pae(IN_TOTO, payload), signer.privateKey));
  const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  const envelope = { payloadType: IN_TOTO, payload: b64(b64(payload)), signatures: [{ sig: b64(sig), publicKey: b64(signer.pem) }] };
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: { content: { envelope, hash: { algorithm: 'sha256', value: sha256(JSON.stringify(envelope)) }, payloadHash: { algorithm: 'sha256', value: sha256(payload) } } },
  };
}

/** The log as a client trusts it: its public key (fetched once; tests compare it elsewhere) and host. */
export interface TrustedLog {
  readonly publicKey: KeyObject;
  /** The checkpoint signer name: the log's host name. */
  readonly name: string;
  readonly spki: Buffer;
  readonly logId: string;
}

export async function trustedLog(base: string): Promise<TrustedLog> {
  const publicKey = createPublicKey((await get(base, '/api/v1/log/publicKey')).text);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey, name: new URL(base).hostname, spki, logId: createHash('sha256').update(spki).digest('hex') };
}

/** The one (id, entry) pair of a single-entry LogEntry response (§5.5 item 2: exactly one key). */
export function only(body: unknown): [string, ApiLogEntry] {
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), 'a LogEntry is a JSON object');
  const pairs = Object.entries(body as LogEntry);
  assert.equal(pairs.length, 1, 'exactly one key in a LogEntry');
  return pairs[0] as [string, ApiLogEntry];
}

/** Every check our offline verifier has must run and pass. */
/**
 * The entry passes the log checks: UUID, SET, signed checkpoint and inclusion. With
 * `certificateExpiredBeforeLogging` (a production entry re-logged years after its 10-minute
 * certificate expired, which Rekor allows), the verdict must instead refuse it for exactly that:
 * the log checks pass, and only the certificate's time and the identity it vouches for fail.
 */
export function verifyAll(id: string, entry: ApiLogEntry, log: TrustedLog, opts: { certificateExpiredBeforeLogging?: boolean } = {}): void {
  const v = verifyEntry(id, entry, { logs: [logFromSpki(nodeCrypto, log.spki, { name: log.name })], crypto: nodeCrypto });
  const passed = passedChecks(v);
  assert.deepEqual(['uuid', 'set', 'checkpoint', 'inclusion'].filter((c) => !passed.includes(c as never)), [], v.summary);
  if (opts.certificateExpiredBeforeLogging === true) {
    assert.equal(v.verified, false, 'an entry logged after its certificate expired must not verify');
    assert.deepEqual(v.checks.filter((c) => c.status === 'failed').map((c) => c.id), ['cert-time', 'identity'], v.summary);
  } else {
    assert.ok(v.verified, v.summary);
  }
}

/** POST an entry and insist on a 201; returns the entry ID (ETag) and the entry. */
export async function create(base: string, proposed: unknown): Promise<{ id: string; entry: ApiLogEntry; reply: Reply }> {
  const reply = await post(base, '/api/v1/log/entries', proposed);
  assert.equal(reply.status, 201, reply.text);
  const [id, entry] = only(reply.json);
  return { id, entry, reply };
}
