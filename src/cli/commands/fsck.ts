/**
 * `sealhouse fsck [--tree rekor|ct|all] [--page N]`: check the stored logs against themselves,
 * from one read-only snapshot. Every tile and every signed head's root is recomputed from the
 * stored entries; every checkpoint (Rekor) and STH (CT) signature is checked against the key
 * the tree was bound to, with consistency proofs between consecutive heads; every SET and the
 * search-index keys of the Rekor log. Each row that does not match is printed with its table,
 * key, and what was expected and found. Exit 0 when clean, 1 on any mismatch, 2 on usage.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { auditCtLog } from '../../ct/ct-audit.js';
import { auditRekorLog } from '../../log/log-audit.js';
import { auditRekorV2Log } from '../../rekor-v2/rekor-v2-audit.js';
import { REKOR_V2_TREE } from '../../rekor-v2/rekor-v2-log.js';
import { REKOR_TREE } from '../../log/log-service.js';
import { CT_TREE } from '../../ct/ct-log.js';
import { withAuditSnapshot } from '../../storage/audit-store.js';
import { claimEmbeddedStore } from '../../storage/embedded-store-lock.js';
import { describeStore, openSql } from '../../storage/open-sql.js';
import { Findings } from '../../storage/tree-audit.js';
import { type Command, UsageError } from '../command.js';

const USAGE = `usage: sealhouse fsck [--tree rekor|rekor-v2|ct|all] [--page <rows>]

Recomputes every tile and every checkpoint root from the stored entries, checks every
checkpoint and signed tree head signature and the consistency between consecutive ones, the
SETs and search-index keys of the Rekor log, and names each row that does not match.
Reads DATABASE_URL, or the embedded database in the data directory (the server must be stopped).

  --tree  which log to check (default: all)
  --page  rows read per query (default: 1000)

Exit status: 0 clean, 1 a mismatch was found, 2 usage.`;

export const fsckCommand: Command = {
  name: 'fsck',
  usage: USAGE,
  async run(args: readonly string[]): Promise<number> {
    const { tree, pageSize } = parseFsckArgs(args);
    const config = loadConfig();
    const release = claimEmbeddedStore(config);
    const started = performance.now();
    const sql = await openSql(config);
    const findings = new Findings();
    const lines: string[] = [];
    try {
      await withAuditSnapshot(sql, async (store) => {
        // Every shard of each log (a rotated key, storage/log-shards.ts), frozen ones too.
        const shardName = (ordinal: number, treeId: number): string => `${ordinal === 1 ? '' : ` shard ${ordinal}`} tree ${treeId}`;
        if (tree === 'rekor' || tree === 'all') {
          for (const shard of await store.shardTrees(REKOR_TREE)) {
            const r = await auditRekorLog(store, findings, pageSize, shard);
            lines.push(
              r
                ? `rekor${shardName(shard.ordinal, r.treeId)}: ${r.entries} entries, ${r.tiles} tiles, ${r.heads} checkpoints, ${r.consistencyProofs} consistency proofs, ` +
                    `${r.sets} SETs, ${r.indexKeys} index keys (${r.indexKeysRederived} entries re-derived)`
                : 'rekor: no tree yet',
            );
          }
        }
        if (tree === 'rekor-v2' || tree === 'all') {
          for (const shard of await store.shardTrees(REKOR_V2_TREE)) {
            const v = await auditRekorV2Log(store, findings, pageSize, config.rekorV2Origin, shard);
            lines.push(
              v
                ? `rekor-v2${shardName(shard.ordinal, v.treeId)}: ${v.entries} entries, ${v.tiles} tiles, ${v.heads} checkpoints, ${v.consistencyProofs} consistency proofs, ${v.bodiesRederived} bodies rebuilt`
                : 'rekor-v2: no tree yet',
            );
          }
        }
        if (tree === 'ct' || tree === 'all') {
          for (const shard of await store.shardTrees(CT_TREE)) {
            const c = await auditCtLog(store, findings, pageSize, shard.name);
            lines.push(c ? `ct${shardName(shard.ordinal, c.treeId)}: ${c.entries} entries, ${c.tiles} tiles, ${c.heads} signed tree heads, ${c.consistencyProofs} consistency proofs` : 'ct: no tree yet');
          }
        }
      });
    } finally {
      await sql.close().finally(release);
    }
    for (const f of findings.kept) console.log(`MISMATCH ${f.table} [${f.key}]: expected ${f.expected}, found ${f.found}`);
    if (findings.count > findings.kept.length) console.log(`… and ${findings.count - findings.kept.length} more mismatches`);
    for (const line of lines) console.log(line);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${describeStore(config)}: ${findings.count === 0 ? 'clean' : `${findings.count} mismatches`} (${seconds} s)`);
    return findings.count === 0 ? 0 : 1;
  },
};

function parseFsckArgs(args: readonly string[]): { tree: 'rekor' | 'rekor-v2' | 'ct' | 'all'; pageSize: number } {
  let values: { tree?: string | undefined; page?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...args], options: { tree: { type: 'string' }, page: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const tree = values.tree ?? 'all';
  if (tree !== 'rekor' && tree !== 'rekor-v2' && tree !== 'ct' && tree !== 'all') throw new UsageError(`--tree must be rekor, rekor-v2, ct or all, got "${tree}"`);
  const pageSize = values.page === undefined ? 1000 : Number(values.page);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100_000) throw new UsageError(`--page must be an integer from 1 to 100000, got "${values.page}"`);
  return { tree, pageSize };
}
