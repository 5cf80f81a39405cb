/**
 * The server's logger: pino JSON lines for log shippers, or pino-pretty's coloured one-liners when
 * a person is watching a terminal (issue 14). Pretty printing runs in this thread (no transport
 * worker): it is meant for a development terminal, not for the load a JSON pipeline carries.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(options: { level: string; format: 'json' | 'pretty' | undefined; terminal: boolean }): Logger {
  const format = options.format ?? (options.terminal ? 'pretty' : 'json');
  if (format === 'json') return pino({ level: options.level });
  return pino({ level: options.level }, pretty({ colorize: options.terminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }));
}
