/**
 * `sealhouse tuf init|update --keys DIR --repo REPO [--trusted-root F --signing-config F]`:
 * publishes this instance's trust documents as TUF targets (src/tuf/). Without the files the
 * documents are built exactly as `sealhouse trust-root` / `signing-config` print them.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { trustDocumentText } from '../../http/trust-router.js';
import { loadTrustDocuments } from '../../server.js';
import { createRoleKeys, loadRoleKeys } from '../../tuf/role-keys.js';
import { initRepository, type TrustTargets, updateRepository } from '../../tuf/repository.js';
import type { RoleKeys } from '../../tuf/metadata.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse tuf init|update --keys DIR --repo REPO [--trusted-root FILE --signing-config FILE]

init    writes new root/targets/snapshot/timestamp keys (mode 0600) into DIR and a new TUF repository into REPO
update  signs new targets/snapshot/timestamp versions when the documents changed, else only a new timestamp`;

async function documents(trustedRoot: string | undefined, signingConfig: string | undefined): Promise<TrustTargets> {
  if (Boolean(trustedRoot) !== Boolean(signingConfig)) throw new UsageError('give both --trusted-root and --signing-config, or neither');
  if (trustedRoot && signingConfig) return { trustedRoot: readFileSync(trustedRoot), signingConfig: readFileSync(signingConfig) };
  const docs = await loadTrustDocuments(loadConfig());
  const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
  return { trustedRoot: bytes(trustDocumentText(docs.trustedRoot)), signingConfig: bytes(trustDocumentText(docs.signingConfig)) };
}

export const tufCommand: Command = {
  name: 'tuf',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true, strict: true,
      options: { keys: { type: 'string' }, repo: { type: 'string' }, 'trusted-root': { type: 'string' }, 'signing-config': { type: 'string' } },
    });
    const [action, ...rest] = positionals;
    if (action !== 'init' && action !== 'update') throw new UsageError(`expected "init" or "update", got "${action ?? ''}"`);
    if (rest.length > 0) throw new UsageError(`unexpected operands "${rest.join(' ')}"`);
    if (!values.keys || !values.repo) throw new UsageError('--keys DIR and --repo REPO are required');
    const docs = await documents(values['trusted-root'], values['signing-config']);
    if (action === 'init') {
      initRepository(values.repo, createRoleKeys(values.keys), docs);
      process.stdout.write(`wrote TUF keys to ${values.keys} and repository ${values.repo}\n`);
    } else {
      const keys = loadRoleKeys(values.keys, ['targets', 'snapshot', 'timestamp']) as Pick<RoleKeys, 'targets' | 'snapshot' | 'timestamp'>;
      const changed = updateRepository(values.repo, keys, docs);
      process.stdout.write(changed ? 'documents changed: new targets, snapshot and timestamp\n' : 'documents unchanged: new timestamp only\n');
    }
    return 0;
  },
};
