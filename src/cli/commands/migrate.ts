/** `sealhouse migrate`: apply the database migrations and exit. */
import { loadConfig } from '../../config.js';
import { claimEmbeddedStore } from '../../storage/embedded-store-lock.js';
import { migrate } from '../../storage/migrate.js';
import { describeStore, openSql } from '../../storage/open-sql.js';
import { type Command, noArguments } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  usage: 'usage: sealhouse migrate\n\nApplies the migrations in migrations/ to DATABASE_URL, or to the embedded database in the data directory.',
  async run(args: readonly string[]): Promise<number> {
    noArguments(args);
    const config = loadConfig();
    const release = claimEmbeddedStore(config);
    const sql = await openSql(config);
    const applied = await migrate(sql).finally(() => sql.close().finally(release));
    console.log(applied.length ? `applied migrations ${applied.join(', ')} to ${describeStore(config)}` : `${describeStore(config)} is up to date`);
    return 0;
  },
};
