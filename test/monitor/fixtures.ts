/**
 * Test fixtures for the monitor: signing checkpoint notes as a log does (rekor-api.md §4, so a
 * test can play a log that signs a fork with its real key), a trusted root naming a key, and an
 * HTTP proxy that sits in front of a real server and rewrites chosen answers.
 */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const spkiOf = (key: KeyObject): Buffer => createPublicKey(key).export({ format: 'der', type: 'spki' });

const isEd25519 = (key: KeyObject): boolean => key.asymmetricKeyType === 'ed25519';

/**
 * The log ID a trusted root gives `key` as signer `name`: SHA-256 of the SPKI for ECDSA (Rekor
 * v1), the C2SP note key ID SHA-256(name ‖ 0x0A ‖ 0x01 ‖ raw key) for Ed25519 (Rekor v2).
 */
export function logIdFor(key: KeyObject, name: string): Buffer {
  const spki = spkiOf(key);
  if (!isEd25519(key)) return createHash('sha256').update(spki).digest();
  return createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x01]), spki.subarray(spki.length - 32)])).digest();
}

/**
 * A checkpoint note `text` (origin, size, root lines) signed by `key` as signer `name`, as a
 * Rekor v1 log (ECDSA) or a Rekor v2 log (Ed25519) signs it: key hint = the log ID's first 4 bytes.
 */
export function signNote(text: string, key: KeyObject, name: string): string {
  const hint = logIdFor(key, name).subarray(0, 4);
  const sig = isEd25519(key) ? sign(null, Buffer.from(text), key) : sign('sha256', Buffer.from(text), key);
  return `${text}\n\u2014 ${name} ${Buffer.concat([hint, sig]).toString('base64')}\n`;
}

export function checkpointText(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}

/** A sigstore trusted root whose only tlog is `key` at `baseUrl` (ECDSA P-256 or Ed25519). */
export function trustedRootFor(key: KeyObject, baseUrl: string): object {
  const spki = spkiOf(key);
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: spki.toString('base64'), keyDetails: isEd25519(key) ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: logIdFor(key, new URL(baseUrl).hostname).toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
  };
}

export interface TempDir {
  readonly path: string;
  file(name: string, content?: string | object): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'sealhouse-monitor-'));
  return {
    path,
    file(name, content) {
      const p = join(path, name);
      if (content !== undefined) writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
      return p;
    },
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Rewrites one answer: return the new body, or undefined to pass it through. */
export type Rewrite = (path: string, body: string) => string | undefined;

export interface Proxy {
  readonly url: string;
  rewrite: Rewrite | undefined;
  close(): Promise<void>;
}

/** A proxy for `target` that forwards every request and lets the test rewrite answers. */
export async function startProxy(target: string): Promise<Proxy> {
  const proxy: { rewrite: Rewrite | undefined } = { rewrite: undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', accept: 'application/json' },
        ...(body.length > 0 ? { body } : {}),
      })
        .then(async (answer) => {
          const text = await answer.text();
          const rewritten = proxy.rewrite?.(req.url ?? '/', text);
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(rewritten ?? text);
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
