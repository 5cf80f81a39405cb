/**
 * Search input: which attribute, what the user typed, and what the API is asked (rekor-api.md
 * §9 search UI, §1.10 index search). Validated before any request, with messages a person can
 * act on. The gitsign convention: a commit is found by
 * hash = "sha256:" + hex(SHA-256(UTF-8 of the 40-character commit SHA text)).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../src/core/bytes.js';
import { UiError } from './errors.js';

export type Attribute = 'email' | 'hash' | 'commitSha' | 'subject' | 'uuid' | 'logIndex';

export interface AttributeInfo {
  readonly id: Attribute;
  readonly label: string;
  readonly placeholder: string;
}

export const ATTRIBUTES: readonly AttributeInfo[] = [
  { id: 'email', label: 'Email', placeholder: 'alice@example.com' },
  { id: 'hash', label: 'Artifact hash (SHA-256)', placeholder: 'sha256:… or 64 hex digits' },
  { id: 'commitSha', label: 'Git commit SHA (gitsign)', placeholder: '40 hex digits' },
  { id: 'subject', label: 'Identity (subject URI)', placeholder: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main' },
  { id: 'uuid', label: 'Entry UUID', placeholder: '64 or 80 hex digits' },
  { id: 'logIndex', label: 'Log index', placeholder: '0' },
];

const bad = (message: string): UiError => new UiError('bad-search', message);

/** What to ask the API: an index search (then page through IDs), or one entry directly. */
export type Search =
  | { attribute: Attribute; value: string; kind: 'index'; request: { email?: string; hash?: string; subject?: string }; note?: string }
  | { attribute: 'uuid'; value: string; kind: 'uuid' }
  | { attribute: 'logIndex'; value: string; kind: 'logIndex'; index: number };

export const commitShaHash = (sha: string): string => `sha256:${toHex(sha256(utf8(sha)))}`;

export function parseSearch(attribute: string, raw: string): Search {
  const value = raw.trim();
  if (value === '') throw bad('Type something to search for.');
  switch (attribute) {
    case 'email':
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw bad(`"${value}" is not an email address (expected name@example.com).`);
      return { attribute, value, kind: 'index', request: { email: value } };
    case 'hash': {
      const v = value.toLowerCase();
      if (/^[0-9a-f]{40}$/.test(v)) throw bad('40 hex digits look like a Git commit SHA: choose "Git commit SHA", or write sha1:<hex> to search a SHA-1 artifact hash.');
      if (!/^(?:(?:sha256:)?[0-9a-f]{64}|sha512:[0-9a-f]{128}|sha1:[0-9a-f]{40})$/.test(v)) {
        throw bad(`"${value}" is not a SHA-256 hash: expected 64 hex digits, optionally prefixed with "sha256:".`);
      }
      const hash = v.includes(':') ? v : `sha256:${v}`;
      return { attribute, value: hash, kind: 'index', request: { hash } };
    }
    case 'commitSha': {
      const v = value.toLowerCase();
      if (!/^[0-9a-f]{40}$/.test(v)) throw bad(`"${value}" is not a Git commit SHA: expected 40 hex digits.`);
      const hash = commitShaHash(v);
      return { attribute, value: v, kind: 'index', request: { hash }, note: `gitsign entries are logged under ${hash} (SHA-256 of the commit SHA text)` };
    }
    case 'subject':
      if (value.length > 512) throw bad('An identity is at most 512 characters.');
      return { attribute, value, kind: 'index', request: { subject: value } };
    case 'uuid': {
      const v = value.toLowerCase();
      if (!/^(?:[0-9a-f]{64}|[0-9a-f]{80})$/.test(v)) throw bad(`"${value}" is not an entry UUID: expected 64 hex digits (or 80 with the tree ID).`);
      return { attribute, value: v, kind: 'uuid' };
    }
    case 'logIndex': {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) throw bad(`"${value}" is not a log index: expected a whole number ≥ 0.`);
      return { attribute, value: String(Number(value)), kind: 'logIndex', index: Number(value) };
    }
    default:
      throw bad(`Unknown search attribute "${attribute}".`);
  }
}

/** The search a URL names (`?email=…`, `?hash=…`, …), or undefined for none. */
export function searchFromParams(params: URLSearchParams): { attribute: Attribute; raw: string } | undefined {
  for (const a of ATTRIBUTES) {
    const raw = params.get(a.id);
    if (raw !== null) return { attribute: a.id, raw };
  }
  return undefined;
}

export const PAGE_SIZE = 20;

/** 1-based page number from `?page=`, clamped to what exists. */
export function pageFromParams(params: URLSearchParams, total: number): number {
  const n = Number(params.get('page') ?? '1');
  const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return Number.isSafeInteger(n) && n >= 1 ? Math.min(n, last) : 1;
}
