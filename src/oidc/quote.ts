/**
 * Quoting what a token says back to its sender. Every claim is attacker-controlled, so an error
 * message shows at most the first 100 characters of one, with control and non-ASCII characters
 * replaced: a 40 KB `iss` must not come back as a 40 KB error body (or land whole in a log line).
 */

export const QUOTE_MAX_CHARS = 100;

/** `value` as printable ASCII, cut to QUOTE_MAX_CHARS with "…" marking the cut. */
export function quoteClaim(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const head = text.length > QUOTE_MAX_CHARS ? text.slice(0, QUOTE_MAX_CHARS) : text;
  const printable = head.replace(/[^\x20-\x7e]/g, '?');
  return text.length > QUOTE_MAX_CHARS ? `${printable}…` : printable;
}
