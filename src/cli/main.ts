/**
 * The `sealhouse` command.
 *
 *   sealhouse serve            run the log and the CA — what `npm start` runs
 *   sealhouse migrate          apply database migrations and exit
 *   sealhouse public-key       print the log's public key (PEM)
 *   sealhouse trust-root       print trusted_root.json, as the server serves it
 *   sealhouse signing-config   print signing_config.json (v0.2), as the server serves it
 *   sealhouse dev-token --email alice@example.com [--ttl 600] [--audience sigstore]
 *                              print an ID token from the development OIDC issuer
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DevOidcIssuer } from '../oidc/dev-oidc.js';
import { loadConfig, type Config } from '../config.js';
import { SealhouseError } from '../errors.js';
import { trustDocumentText } from '../http/trust-router.js';
import { loadOrCreateLogKey } from '../log/log-key.js';
import { claimEmbeddedStore, loadTrustDocuments, startServer } from '../server.js';
import { migrate } from '../storage/migrate.js';
import { describeStore, openSql } from '../storage/open-sql.js';

const USAGE = `usage: sealhouse <command>

commands:
  serve            start the Rekor-compatible log and the Fulcio-compatible CA on PORT (default 3000)
  migrate          apply database migrations and exit
  public-key       print the log's public key (PEM)
  trust-root       print trusted_root.json (the same document GET /trusted_root.json serves)
  signing-config   print signing_config.json (the same document GET /signing_config.json serves)
  dev-token --email <address> [--ttl <seconds>] [--audience <aud>]
                   print an ID token from the development OIDC issuer (SEALHOUSE_DEV_OIDC=1 servers only)

configuration is read from the environment; see README.md.`;

function serve(config: Config): number {
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
    (err: unknown) => fail(err),
  );
  return -1; // keep running
}

async function devToken(config: Config, args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { email: { type: 'string' }, ttl: { type: 'string' }, audience: { type: 'string' } }, strict: true });
  if (!values.email) throw new SealhouseError('invalid_input', 'dev-token needs --email <address>');
  if (!config.devOidc) {
    console.error('sealhouse: note: the server accepts these tokens only when it runs with SEALHOUSE_DEV_OIDC=1 (and the same SEALHOUSE_URL/PORT and data directory)');
  }
  const issuer = await DevOidcIssuer.load(config.dataDir, config.publicUrl);
  const token = await issuer.mint({
    email: values.email,
    ...(values.ttl !== undefined ? { ttlSeconds: Number(values.ttl) } : {}),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate': {
      const release = claimEmbeddedStore(config);
      const sql = await openSql(config);
      const applied = await migrate(sql).finally(() => sql.close().finally(release));
      console.log(applied.length ? `applied migrations ${applied.join(', ')} to ${describeStore(config)}` : `${describeStore(config)} is up to date`);
      return 0;
    }
    case 'public-key': {
      const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
      process.stdout.write(key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      return 0;
    }
    case 'trust-root':
    case 'signing-config': {
      const docs = await loadTrustDocuments(config);
      process.stdout.write(trustDocumentText(command === 'trust-root' ? docs.trustedRoot : docs.signingConfig));
      return 0;
    }
    case 'dev-token':
      return devToken(config, rest);
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

function fail(err: unknown): never {
  // Configuration, key and usage problems are the operator's to fix: say what, without a stack.
  if (err instanceof SealhouseError) console.error(`sealhouse: ${err.message}`);
  else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`sealhouse: ${err.message}\n\n${USAGE}`);
  else console.error(err);
  process.exit(1);
}

main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
}, fail);
