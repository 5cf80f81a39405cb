/**
 * The server's logger: pino JSON lines for log shippers, or pino-pretty's coloured one-liners when
 * a person is watching a terminal (issue 14). Pretty printing runs in this thread (no transport
 * worker): it is meant for a development terminal, not for the load a JSON pipeline carries.
 * pino-pretty is loaded only when pretty output is chosen: importing it costs ~100 ms of every
 * start (measured on a loaded 2-core machine), which a JSON-logging server never needs.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

type Pretty = (options: PrettyOptions) => NodeJS.WritableStream;

export function createLogger(options: { level: string; format: 'json' | 'pretty' | undefined; terminal: boolean }): Logger {
  const format = options.format ?? (options.terminal ? 'pretty' : 'json');
  if (format === 'json') return pino({ level: options.level });
  const pretty = createRequire(import.meta.url)('pino-pretty') as Pretty;
  return pino({ level: options.level }, pretty({ colorize: options.terminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }));
}
