/** A pino logger whose JSON lines a test can read back. */
import { Writable } from 'node:stream';
import { pino } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message?: string };
  [field: string]: unknown;
}

export function capturingLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}
