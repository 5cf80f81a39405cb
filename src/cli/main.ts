/**
 * The `sealhouse` command.
 *
 *   sealhouse serve        run the log (and CA) — what `npm start` runs
 *   sealhouse migrate      apply database migrations and exit
 *   sealhouse public-key   print the log's public key (PEM)
 */
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { SealhouseError } from '../errors.js';
import { loadOrCreateLogKey } from '../log/log-key.js';
import { startServer } from '../main.js';
import { migrate } from '../storage/migrate.js';
import { describeStore, openSql } from '../storage/open-sql.js';

const USAGE = `usage: sealhouse <command>

commands:
  serve        start the Rekor-compatible log on PORT (default 3000)
  migrate      apply database migrations and exit
  public-key   print the log's public key (PEM)

configuration is read from the environment; see README.md.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve'] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const logger = pino({ level: config.logLevel });
      const running = await startServer(config, logger);
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
      return -1; // keep running
    }
    case 'migrate': {
      const sql = await openSql(config);
      const applied = await migrate(sql);
      await sql.close();
      console.log(applied.length ? `applied migrations ${applied.join(', ')} to ${describeStore(config)}` : `${describeStore(config)} is up to date`);
      return 0;
    }
    case 'public-key': {
      const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
      process.stdout.write(key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // Configuration and key problems are the operator's to fix: say what, without a stack.
    if (err instanceof SealhouseError) console.error(`sealhouse: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
