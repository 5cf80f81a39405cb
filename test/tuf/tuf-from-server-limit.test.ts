/**
 * `sealhouse tuf init|update --from-server URL` reads at most MAX_DOCUMENT_BYTES (4 MiB) of each
 * document: a server declaring more is refused before its body is read, one streaming more
 * without a Content-Length is cut off at the limit, and the error says what to do. A document
 * of ordinary size is still taken.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { MAX_DOCUMENT_BYTES } from '../../src/cli/commands/tuf.js';

let work: string;
let server: Server;
let base: string;
/** How /trusted_root.json answers: a small document, a declared oversize body, or an endless chunked one. */
let mode: 'small' | 'declared' | 'chunked' = 'small';
let streamedBytes = 0;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sealhouse-tuf-limit-'));
  server = createServer((req, res) => {
    if (req.url === '/signing_config.json') { res.end('{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"}\n'); return; }
    if (req.url !== '/trusted_root.json') { res.statusCode = 404; res.end(); return; }
    if (mode === 'small') { res.end('{"mediaType":"small"}\n'); return; }
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    if (mode === 'declared') res.setHeader('Content-Length', String(MAX_DOCUMENT_BYTES + 1));
    // Chunked: keeps writing (up to 64 MiB) until the client goes away.
    streamedBytes = 0;
    const limit = mode === 'declared' ? MAX_DOCUMENT_BYTES + 1 : 64 * 1024 * 1024;
    const pump = (): void => {
      while (streamedBytes < limit && !res.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, limit - streamedBytes));
        streamedBytes += part.length;
        if (!res.write(part)) { res.once('drain', pump); return; }
      }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); rmSync(work, { recursive: true, force: true }); });

const init = (name: string) => runCli(['tuf', 'init', '--offline-keys', join(work, name, 'offline'), '--online-keys', join(work, name, 'online'), '--repo', join(work, name, 'repo'), '--from-server', base]);

test('the limit is 4 MiB', () => {
  assert.equal(MAX_DOCUMENT_BYTES, 4 * 1024 * 1024);
});

test('a document of ordinary size is taken', async () => {
  mode = 'small';
  const result = await init('small');
  assert.equal(result.status, 0, result.stderr);
  assert.ok(readdirSync(join(work, 'small', 'repo', 'targets')).some((f) => f.endsWith('.trusted_root.json')));
});

test('a Content-Length over the limit is refused, with what to do instead', async () => {
  mode = 'declared';
  const result = await init('declared');
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /trusted_root\.json sent more than 4 MiB, far more than a trust document: is --from-server the base URL of a Sealhouse\? \(or save the two documents and give --trusted-root F --signing-config F\)/);
  assert.ok(!existsSync(join(work, 'declared')), 'nothing was written');
});

test('a chunked body is cut off once it passes the limit', async () => {
  mode = 'chunked';
  const result = await init('chunked');
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /sent more than 4 MiB/);
  assert.ok(streamedBytes < 16 * 1024 * 1024, `the client read on to ${streamedBytes} bytes`);
});
