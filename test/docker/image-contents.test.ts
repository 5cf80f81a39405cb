/**
 * The Docker image, without a Docker engine (none runs here): its runtime stage is assembled the
 * way the Dockerfile's COPY lines say — from this checkout and from the build this test was
 * compiled into — and then started as the container would start it. A file the runtime reads
 * but the Dockerfile does not copy, or a runtime import of a devDependency (pruned from the
 * image by `npm prune --omit=dev`), fails here instead of in an operator's first `docker run`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';
import { loadConfig } from '../../src/config.js';
import { loadFulcioConfig } from '../../src/oidc/config.js';
import { freePort } from '../fixtures/oidc-issuer-process.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The tsc output this test belongs to (dist/ or dist-<name>/): what the image's build stage produces. */
const BUILD = fileURLToPath(new URL('../../', import.meta.url));

interface Copy {
  readonly fromBuild: boolean;
  readonly source: string;
  readonly target: string;
}

/** The runtime stage's COPY instructions (everything after the last FROM). */
function runtimeCopies(dockerfile: string): Copy[] {
  const stages = dockerfile.split(/^FROM .*$/m);
  const runtime = stages[stages.length - 1] ?? '';
  return [...runtime.matchAll(/^COPY\s+(--from=\S+\s+)?(\S+)\s+(\S+)\s*$/gm)].map((m) => {
    const source = (m[2] as string).replace(/^\/app\//, '');
    const target = (m[3] as string).replace(/^\.\/?/, '');
    // `COPY package.json ./` copies into the directory under the source's own name.
    return { fromBuild: Boolean(m[1]), source, target: target === '' || target.endsWith('/') ? `${target}${basename(source)}` : target };
  });
}

/** Where a COPY's source lives here: the build stage's /app/dist is this test's tsc output. */
function localSource(copy: Copy): string {
  if (copy.fromBuild && copy.source.startsWith('dist/')) return join(BUILD, copy.source.slice('dist/'.length));
  return join(REPO, copy.source);
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? jsFiles(full) : name.endsWith('.js') ? [full] : [];
  });
}

/** Package names imported (statically or by a literal dynamic import) by the compiled server. */
function importedPackages(srcDir: string): Set<string> {
  const names = new Set<string>();
  for (const file of jsFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^import\s[^'"]*?from\s*|^export\s[^'"]*?from\s*|import\(\s*)['"]([^'"./][^'"]*)['"]/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return names;
}

describe('the Docker image, assembled from its Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const copies = runtimeCopies(dockerfile);
  const app = mkdtempSync(join(tmpdir(), 'sealhouse-image-'));
  const data = mkdtempSync(join(tmpdir(), 'sealhouse-image-data-'));
  let child: ChildProcess | undefined;
  let port = 0;

  before(() => {
    for (const copy of copies) {
      const target = join(app, copy.target);
      mkdirSync(dirname(target), { recursive: true });
      // node_modules is linked, not copied (hundreds of MB); the dependency check below stands in for the prune.
      if (copy.source === 'node_modules') symlinkSync(join(REPO, 'node_modules'), target);
      else cpSync(localSource(copy), target, { recursive: true });
    }
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child?.once('exit', resolve));
    }
    rmSync(app, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('copies what the runtime reads: the server, its migrations, API specs, UI bundle and CLI', () => {
    const targets = new Set(copies.map((c) => c.target));
    for (const needed of ['node_modules', 'dist/src', 'migrations', 'openapi', 'public', 'bin', 'package.json']) assert.ok(targets.has(needed), `the runtime stage copies ${needed}`);
    assert.ok(existsSync(join(app, 'public/build')), 'the search UI bundle is in the image (built by the build stage)');
    assert.match(dockerfile, /^USER node$/m, 'runs as the unprivileged node user');
    assert.match(dockerfile, /^HEALTHCHECK .*process\.env\.PORT/m, 'the health check follows PORT');
  });

  it('imports at run time only packages that are dependencies (devDependencies are pruned from the image)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing = [...importedPackages(join(app, 'dist/src'))].filter((name) => !(name in pkg.dependencies));
    assert.deepEqual(missing, [], `imported by dist/src but not in "dependencies": ${missing.join(', ')}`);
  });

  it('keeps keys and local state out of the build context (.dockerignore)', () => {
    const ignored = new Set(readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    for (const entry of ['data', 'node_modules', 'dist', '.git']) assert.ok(ignored.has(entry), `.dockerignore lists ${entry}`);
  });

  it('starts as the container does (CMD, NODE_ENV=production, SEALHOUSE_DATA_DIR, PORT) and serves the API and the UI', async () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    assert.equal(cmd[0], 'node');
    port = await freePort();
    child = spawn(process.execPath, cmd.slice(1), {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: data, NODE_ENV: 'production', SEALHOUSE_DATA_DIR: data, PORT: String(port), SEALHOUSE_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 120_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      assert.equal(child.exitCode, null, `the image's server exited: ${stderr}`);
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(ready, `ready within 120 s; stderr: ${stderr}`);
    const ui = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);
    const root = (await (await fetch(`http://127.0.0.1:${port}/trusted_root.json`)).json()) as { tlogs: unknown[] };
    assert.ok(root.tlogs.length >= 1);
    const version = spawn(process.execPath, [...cmd.slice(1, 2), '--version'], { cwd: app });
    let out = '';
    version.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => version.once('exit', resolve));
    assert.match(out, /^sealhouse \d+\.\d+\.\d+/);
  });
});

describe('docker-compose.yml', () => {
  const compose = loadYaml(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { build?: string; environment?: Record<string, string>; secrets?: string[]; profiles?: string[] }>;
    secrets: Record<string, { file: string }>;
  };
  const sealhouses = Object.entries(compose.services).filter(([, s]) => s.build === '.');

  it('every Sealhouse service is configured with settings config.ts accepts (secret files standing in for the real ones)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealhouse-compose-'));
    try {
      for (const [name, service] of sealhouses) {
        const env: Record<string, string> = { ...service.environment };
        for (const [key, value] of Object.entries(env)) {
          if (!key.endsWith('_FILE')) continue;
          const secret = value.replace('/run/secrets/', '');
          assert.ok((service.secrets ?? []).includes(secret) && compose.secrets[secret], `${name}: ${key} names a secret the service mounts`);
          const file = join(dir, secret);
          writeFileSync(file, key.endsWith('DATABASE_URL_FILE') ? 'postgres://sealhouse:pw@postgres:5432/sealhouse\n' : 'secret\n');
          env[key] = file;
        }
        const config = loadConfig(env);
        assert.equal(config.port, 3000, `${name} listens where its ports mapping points`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a dev profile whose instance trusts the development issuer, and a production one that does not', () => {
    const dev = compose.services['sealhouse-dev'];
    assert.deepEqual(dev?.profiles, ['dev']);
    assert.equal(dev?.environment?.SEALHOUSE_DEV_OIDC, '1');
    assert.equal(compose.services.sealhouse?.environment?.SEALHOUSE_DEV_OIDC, undefined);
  });

  it('has a replicas profile: a streaming replica of postgres and a reader on it that sends writes to the writer', () => {
    const replica = compose.services['postgres-replica'] as { profiles?: string[]; command?: string[]; depends_on?: Record<string, unknown>; volumes?: string[] } | undefined;
    const reader = compose.services['sealhouse-reader'];
    assert.deepEqual(replica?.profiles, ['replicas']);
    assert.deepEqual(reader?.profiles, ['replicas']);
    assert.match(replica?.command?.join('\n') ?? '', /pg_basebackup -h postgres .*-R /);
    assert.ok(replica?.depends_on?.postgres, 'the replica waits for the primary');
    // The reader is configured as one (config.ts refuses DATABASE_URL beside it) and redirects writes to the writer's public URL.
    assert.equal(reader?.environment?.DATABASE_URL_FILE, undefined);
    assert.ok(reader?.environment?.SEALHOUSE_READ_DATABASE_URL_FILE);
    assert.equal(reader?.environment?.SEALHOUSE_WRITE_URL, compose.services.sealhouse?.environment?.SEALHOUSE_URL);
    // The primary lets the replica stream: the init script it mounts adds the replication line.
    const primary = compose.services.postgres as { volumes?: string[] } | undefined;
    const mount = primary?.volumes?.find((v) => v.includes('docker-entrypoint-initdb.d'));
    assert.ok(mount, 'the primary mounts the replication init script');
    assert.match(readFileSync(join(REPO, mount.split(':')[0] as string), 'utf8'), /host replication all all scram-sha-256/);
  });

  it('the issuer example it points to is a valid Fulcio issuer config', async () => {
    const issuers = await loadFulcioConfig(join(REPO, 'deploy/oidc-issuers.example.yaml'));
    assert.ok(issuers.oidcIssuers.size >= 1);
  });
});
