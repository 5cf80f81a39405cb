/** `sealhouse serve`: run the log and the CA until SIGINT/SIGTERM, then shut down cleanly. */
import { pino } from 'pino';
import { loadConfig } from '../../config.js';
import { startServer } from '../../server.js';
import { type Command, noArguments } from '../command.js';
import { reportFailure } from '../report-failure.js';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'usage: sealhouse serve\n\nconfiguration is read from the environment; see README.md.',
  run(args: readonly string[]): Promise<number> {
    noArguments(args);
    const config = loadConfig();
    const logger = pino({ level: config.logLevel });
    startServer(config, logger).then(
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
      (err: unknown) => process.exit(reportFailure(err)),
    );
    return Promise.resolve(-1); // keep running
  },
};
