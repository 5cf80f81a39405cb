/**
 * The HTTP server around the Express app, with the limits that keep slow or idle clients from
 * holding it: how long a request's headers and whole request may take to arrive, how long an
 * idle keep-alive connection stays open, and how many connections it holds in all and per
 * client address. Node's defaults (headers 60 s, checked only every 30 s; no connection cap)
 * let a 1-byte-per-2-s header trickle live 89 s and accept 5,000 idle sockets.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { SealhouseError } from '../errors.js';

export interface HttpLimits {
  /** A request's headers must have arrived within this (ms); else 408 and the socket closes. */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must have arrived within this (ms); else 408. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted (0: no cap). */
  readonly maxConnections: number;
  /** Connections from one client address beyond this get 503 with Retry-After (0: no cap). */
  readonly maxConnectionsPerIp: number;
}

/**
 * Node enforces headersTimeout and requestTimeout on a timer of this period, so it bounds how
 * late a timeout fires: a quarter of headersTimeout, at most 1 s, at least 100 ms.
 */
export function checkingIntervalMs(limits: HttpLimits): number {
  return Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));
}

const REFUSAL_BODY = 'too many connections from your address; retry in a second\n';
/** Written to a connection refused for its address's cap, before it has sent anything. */
const PER_IP_REFUSAL =
  `HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${REFUSAL_BODY.length}\r\n\r\n${REFUSAL_BODY}`;

/** Warn about refused connections at most this often, so a flood does not flood the log too. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

function refusalWarner(logger: Logger | undefined, what: string): (fields: Record<string, unknown>) => void {
  let refused = 0;
  let lastLog = 0;
  return (fields) => {
    refused++;
    const now = Date.now();
    if (!logger || now - lastLog < REFUSAL_LOG_INTERVAL_MS) return;
    lastLog = now;
    logger.warn({ ...fields, refusedSinceLastWarning: refused }, `refusing connections: ${what}`);
    refused = 0;
  };
}

function capPerAddress(server: Server, max: number, logger: Logger | undefined): void {
  const open = new Map<string, number>();
  const warn = refusalWarner(logger, 'per-address connection cap reached');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      warn({ address, max });
      socket.on('error', () => undefined);
      socket.end(PER_IP_REFUSAL, () => socket.destroy());
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

export function createHttpServer(app: RequestListener, limits: HttpLimits, logger?: Logger): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
    },
    app,
  );
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  // Node closes each connection beyond maxConnections as it is accepted, and says so with 'drop'.
  const warnDropped = refusalWarner(logger, 'connection cap (SEALHOUSE_HTTP_MAX_CONNECTIONS) reached');
  server.on('drop', () => warnDropped({ max: limits.maxConnections }));
  if (limits.maxConnectionsPerIp > 0) capPerAddress(server, limits.maxConnectionsPerIp, logger);
  return server;
}

/** Listen on `port`; a failure (port in use, no privilege) comes back in the operator's words. */
export function listen(server: Server, port: number, logger: Logger): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    server.listen(port, () => {
      server.off('error', reject);
      // After start, an accept failure (EMFILE: out of file descriptors) must not kill the process.
      server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
      resolve();
    });
  });
}

/** A listen failure in the operator's words: which port, and what to do about it. */
function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') {
    return new SealhouseError('invalid_input', `port ${port} is in use — set PORT to another port or stop the other process`, { cause: err });
  }
  if (err.code === 'EACCES') {
    return new SealhouseError('invalid_input', `port ${port} needs privileges this user lacks — set PORT to a port above 1023`, { cause: err });
  }
  return err;
}
