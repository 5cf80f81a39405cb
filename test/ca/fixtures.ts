/** Shared helpers for the CA tests: a fresh CA, requester keys, an openssl runner, temp dirs. */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCaChain, type GeneratedCa } from '../../src/ca/ca-chain.js';
import { type CaMaterial, caFromPem } from '../../src/ca/ca-keys.js';
import type { Clock } from '../../src/clock.js';
import { toPem } from '../../src/core/pem.js';

export interface TestCa {
  readonly generated: GeneratedCa;
  readonly material: CaMaterial;
}

export function makeCa(clock?: Clock): TestCa {
  const generated = generateCaChain({ clock });
  const chainPem = toPem(generated.intermediate) + toPem(generated.root);
  const keyPem = generated.intermediateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { generated, material: caFromPem(chainPem, keyPem, undefined, clock?.now()) };
}

export function fixedClock(iso: string): Clock {
  const at = new Date(iso);
  return { now: () => new Date(at) };
}

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Buffer;
  readonly pem: string;
}

export function keyPair(kind: 'P-256' | 'P-384' | 'P-521' | 'P-224' | 'rsa2048' | 'rsa1024' | 'ed25519'): KeyPair {
  const { privateKey, publicKey } =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind.startsWith('rsa')
        ? generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) })
        : generateKeyPairSync('ec', { namedCurve: kind });
  return {
    privateKey,
    publicKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    pem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** Run openssl with the given args; files maps names (relative to a temp dir) to contents. */
export function openssl(args: (dir: string) => string[], files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealhouse-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return execFileSync('openssl', args(dir), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sealhouse-ca-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Standard sigstore extensions for an email identity. */
export const EMAIL_EXTENSIONS = [
  { oid: '1.3.6.1.4.1.57264.1.1', value: 'https://idp.example.test', encoding: 'raw' as const },
  { oid: '1.3.6.1.4.1.57264.1.8', value: 'https://idp.example.test', encoding: 'utf8string' as const },
  { oid: '1.3.6.1.4.1.57264.1.24', value: 'user-1234', encoding: 'utf8string' as const },
];
