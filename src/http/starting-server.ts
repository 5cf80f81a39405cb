/**
 * The HTTP server bound before the services behind it are open. Sealhouse listens first and
 * opens the database, the logs and the CA afterwards, so a client arriving during a start or a
 * restart (after a crash, under load) is told to come back — 503 with Retry-After, as the
 * server's other "not now" answers are — instead of finding the port closed and counting a
 * connection failure. Once everything is open, `serve(app)` hands every request to the app.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createHttpServer, type HttpLimits } from './http-server.js';

export interface StartingServer {
  readonly server: Server;
  /** From now on requests reach `app`. */
  serve(app: RequestListener): void;
}

const STARTING_BODY = `${JSON.stringify({ code: 503, message: 'Sealhouse is starting; retry in a second' })}\n`;

function answerStarting(_req: IncomingMessage, res: ServerResponse): void {
  // Connection: close, because the request's body (a POST) is not read: the socket is not reused.
  res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(STARTING_BODY), Connection: 'close' });
  res.end(STARTING_BODY);
}

export function startingServer(limits: HttpLimits, logger?: Logger): StartingServer {
  let handler: RequestListener = answerStarting;
  const server = createHttpServer((req, res) => handler(req, res), limits, logger);
  return {
    server,
    serve(app) {
      handler = app;
    },
  };
}
