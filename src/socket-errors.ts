/**
 * What a socket error code means, in words a client may see. Node's own text
 * (`connect ECONNREFUSED 127.0.0.1:5432`) names internal addresses, so every message that
 * reports a network failure to a client says only this.
 */
const SOCKET_MEANING: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
};

/** The meaning of a socket error code, or undefined when it is not one we know. */
export function socketErrorMeaning(code: unknown): string | undefined {
  return typeof code === 'string' ? SOCKET_MEANING[code] : undefined;
}
