/** `sealhouse serve`: run the log and the CA until SIGINT/SIGTERM, then shut down cleanly. */
import { parseArgs } from 'node:util';
import { loadConfig, stackTracesWanted } from '../../config.js';
import { createLogger } from '../../logger.js';
import { startReader } from '../../reader-server.js';
import { startServer } from '../../server.js';
import { type Command, UsageError } from '../command.js';
import { reportFailure } from '../report-failure.js';

const USAGE = `usage: sealhouse serve [--port N] [--data-dir DIR]

  --port N        TCP port of the HTTP API (same as PORT; default 3000)
  --data-dir DIR  where generated keys and the embedded database live (same as SEALHOUSE_DATA_DIR; default ./data)

With SEALHOUSE_READ_DATABASE_URL (a Postgres streaming replica) instead of DATABASE_URL this
process is a reader: it serves the log's reads, tiles and the UI and sends writes to
SEALHOUSE_WRITE_URL (README "Scaling reads").

A flag wins over its environment variable. Every other setting is read from the environment;
see README.md. Logs are human-readable on a terminal and JSON otherwise (SEALHOUSE_LOG_FORMAT).`;

/** The environment with the command-line flags laid over it, so config.ts validates both alike. */
function environmentWith(args: readonly string[]): NodeJS.ProcessEnv {
  const { values, positionals } = parseArgs({ args: [...args], options: { port: { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`takes no operands, got "${positionals.join(' ')}"`);
  if (values['data-dir'] === '') throw new UsageError('--data-dir needs a directory');
  return {
    ...process.env,
    ...(values.port !== undefined ? { PORT: values.port } : {}),
    ...(values['data-dir'] !== undefined ? { SEALHOUSE_DATA_DIR: values['data-dir'] } : {}),
  };
}

export const serveCommand: Command = {
  name: 'serve',
  usage: USAGE,
  run(args: readonly string[]): Promise<number> {
    const config = loadConfig(environmentWith(args));
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, terminal: process.stdout.isTTY === true });
    // SEALHOUSE_READ_DATABASE_URL makes this process a reader on a replica (reader-server.ts).
    (config.readDatabaseUrl ? startReader(config, logger) : startServer(config, logger)).then(
      (running) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.once(signal, () => {
            running.close().then(
              () => process.exit(0),
              (err: unknown) => {
                logger.error({ err }, 'shutdown failed');
                process.exit(1);
              },
            );
          });
        }
      },
      (err: unknown) => process.exit(reportFailure(err, stackTracesWanted())),
    );
    return Promise.resolve(-1); // keep running
  },
};
