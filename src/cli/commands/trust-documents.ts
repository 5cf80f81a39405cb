/** `sealhouse public-key | trust-root | signing-config`: what the server publishes, printed without starting it. */
import { loadConfig } from '../../config.js';
import { trustDocumentText } from '../../http/trust-router.js';
import { loadOrCreateLogKey } from '../../log/log-key.js';
import { loadTrustDocuments } from '../../server.js';
import { type Command, noArguments } from '../command.js';

export const publicKeyCommand: Command = {
  name: 'public-key',
  usage: "usage: sealhouse public-key\n\nPrints the Rekor log's public key (SubjectPublicKeyInfo PEM), as GET /api/v1/log/publicKey serves it.",
  run(args: readonly string[]): Promise<number> {
    noArguments(args);
    const config = loadConfig();
    const key = loadOrCreateLogKey({ keyPath: config.logKeyPath, dataDir: config.dataDir });
    process.stdout.write(key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    return Promise.resolve(0);
  },
};

function documentCommand(name: 'trust-root' | 'signing-config', file: string): Command {
  return {
    name,
    usage: `usage: sealhouse ${name}\n\nPrints ${file} exactly as a server with this configuration serves it.`,
    async run(args: readonly string[]): Promise<number> {
      noArguments(args);
      const docs = await loadTrustDocuments(loadConfig());
      process.stdout.write(trustDocumentText(name === 'trust-root' ? docs.trustedRoot : docs.signingConfig));
      return 0;
    },
  };
}

export const trustRootCommand = documentCommand('trust-root', 'trusted_root.json');
export const signingConfigCommand = documentCommand('signing-config', 'signing_config.json');
