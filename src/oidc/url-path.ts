/**
 * Go's `(*url.URL).JoinPath(...).String()` (https://pkg.go.dev/net/url#URL.JoinPath), which
 * Fulcio uses to build SAN and extension URIs such as `https://github.com/<job_workflow_ref>`:
 * elements are joined and cleaned like path.Join (`..` resolved, `//` collapsed, a trailing slash
 * kept only if the last element had one), then escaped with Go's path-escaping rules.
 */
import { posix } from 'node:path';
import { AuthenticationError } from './auth-error.js';

/** Characters Go leaves unescaped in a URL path (shouldEscape with encodePath). */
const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;

function escapePath(path: string): string {
  let out = '';
  for (const ch of path) {
    if (PATH_SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function joinUrlPath(base: string, ...elems: string[]): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new AuthenticationError('claims', `cannot build a URI from ${base}`);
  }
  let basePath: string;
  try {
    basePath = decodeURIComponent(url.pathname);
  } catch {
    basePath = url.pathname;
  }
  let path = posix.join(basePath || '/', ...elems);
  const last = elems.length > 0 ? (elems[elems.length - 1] as string) : basePath;
  if (last.endsWith('/') && !path.endsWith('/')) path += '/';
  if (!last.endsWith('/') && path.endsWith('/') && path !== '/') path = path.slice(0, -1);
  return `${url.protocol}//${url.host}${escapePath(path)}${url.search}${url.hash}`;
}
