/** Configuration from the environment: defaults, and a clear error naming a bad variable. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { SealhouseError } from '../src/errors.js';

describe('loadConfig', () => {
  it('has defaults that need no environment at all', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.publicUrl.href, 'http://localhost:3000/');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.batchSize, 1000);
    assert.equal(config.batchMs, 0);
    assert.equal(config.logAlgorithms, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it('reads the hashedrekord allow-list as Rekor flag names', () => {
    const config = loadConfig({ SEALHOUSE_LOG_ALGORITHMS: 'ecdsa-sha2-256-nistp256, ecdsa-sha2-256-nistp384' });
    assert.deepEqual(config.logAlgorithms, ['ecdsa-sha2-256-nistp256', 'ecdsa-sha2-256-nistp384']);
  });

  it('refuses bad values with a message naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT must be an integer/],
      [{ SEALHOUSE_URL: 'ftp://x' }, /^SEALHOUSE_URL must be an http\(s\) URL/],
      [{ SEALHOUSE_BATCH_SIZE: '0' }, /^SEALHOUSE_BATCH_SIZE must be an integer between 1/],
      [{ SEALHOUSE_LOG_ALGORITHMS: 'ecdsa-sha2-256-nistp256,md5-rsa' }, /^SEALHOUSE_LOG_ALGORITHMS: unknown signing algorithm "md5-rsa"/],
      [{ SEALHOUSE_DB_SCHEMA: 'Robert; DROP TABLE' }, /^SEALHOUSE_DB_SCHEMA must be a lower-case SQL identifier/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
      [{ SEALHOUSE_LOG_FORMAT: 'xml' }, /^SEALHOUSE_LOG_FORMAT must be json or pretty/],
      [{ DATABASE_URL: 'not-a-url' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
      [{ DATABASE_URL: 'mysql://db.example/x' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof SealhouseError && message.test(e.message), JSON.stringify(env));
    }
  });

  it('never echoes a DATABASE_URL it refuses (it may carry a password)', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'http://admin:hunter2@db/x' }), (e: unknown) => e instanceof Error && !e.message.includes('hunter2'));
  });

  it('takes postgres:// and postgresql:// URLs, including a Unix socket given as ?host=', () => {
    for (const url of ['postgres://u@db:5432/x', 'postgresql://u:p@db/x', 'postgres:///x?host=/var/run/postgresql']) {
      assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('reads secrets from <NAME>_FILE (Docker and Kubernetes secrets), without the trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-config-'));
    try {
      writeFileSync(join(dir, 'db'), 'postgres://sealhouse:s3cret@db:5432/sealhouse\n');
      writeFileSync(join(dir, 'pass'), 'correct horse');
      const config = loadConfig({ DATABASE_URL_FILE: join(dir, 'db'), SEALHOUSE_CA_KEY_PASSPHRASE_FILE: join(dir, 'pass') });
      assert.equal(config.databaseUrl, 'postgres://sealhouse:s3cret@db:5432/sealhouse');
      assert.equal(config.caKeyPassphrase, 'correct horse');
      assert.throws(() => loadConfig({ DATABASE_URL_FILE: join(dir, 'db'), DATABASE_URL: 'postgres://x@y/z' }), /set DATABASE_URL or DATABASE_URL_FILE, not both/);
      assert.throws(() => loadConfig({ DATABASE_URL_FILE: join(dir, 'missing') }), /^SealhouseError: DATABASE_URL_FILE: cannot read .*missing \(no such file or directory\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs JSON or pretty as asked, and leaves the choice to the terminal when unset', () => {
    assert.equal(loadConfig({}).logFormat, undefined);
    assert.equal(loadConfig({ SEALHOUSE_LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
    assert.equal(loadConfig({ SEALHOUSE_LOG_FORMAT: 'json' }).logFormat, 'json');
  });
});
