/** `sealhouse dev-token`: an ID token from the development OIDC issuer, for trying keyless signing locally. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { DevOidcIssuer } from '../../oidc/dev-oidc.js';
import { type Command, UsageError } from '../command.js';

export const devTokenCommand: Command = {
  name: 'dev-token',
  usage: 'usage: sealhouse dev-token --email <address> [--ttl <seconds>] [--audience <aud>]',
  async run(args: readonly string[]): Promise<number> {
    const { values } = parseArgs({ args: [...args], options: { email: { type: 'string' }, ttl: { type: 'string' }, audience: { type: 'string' } }, strict: true });
    if (!values.email) throw new UsageError('dev-token needs --email <address>');
    const config = loadConfig();
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
  },
};
