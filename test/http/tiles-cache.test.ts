/**
 * The memory of served tiles (src/http/tile-response-cache.ts) and how the tiles router uses it:
 * least recently used out first, bounded by bytes, an oversized item never admitted; through
 * HTTP, a path asks its TileLog once per encoding, while errors and the checkpoint are asked
 * every time (a 404 beyond the tree becomes a tile later; the checkpoint changes).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { SealhouseError } from '../../src/errors.js';
import { TileResponseCache } from '../../src/http/tile-response-cache.js';
import { createTilesRouter, type TileLog } from '../../src/http/tiles-router.js';

describe('TileResponseCache', () => {
  it('evicts the least recently used first and stays within its byte bound', () => {
    const cache = new TileResponseCache(100);
    cache.set('a', Buffer.alloc(10, 1));
    cache.set('b', Buffer.alloc(10, 2));
    cache.set('c', Buffer.alloc(10, 3));
    assert.equal(cache.get('a')?.[0], 1, 'a is now the most recently used');
    for (let i = 0; i < 8; i++) cache.set(`fill ${i}`, Buffer.alloc(10));
    assert.equal(cache.get('b'), undefined, 'b was the least recently used: 110 bytes → 100');
    assert.equal(cache.size, 10);
    cache.set('one more', Buffer.alloc(10));
    assert.equal(cache.get('c'), undefined, 'then c');
    assert.equal(cache.get('a')?.[0], 1, 'a, used after both, stays');
    assert.equal(cache.size, 10);
  });

  it('never admits an item over an eighth of its bound, and keeps the first bytes of a key', () => {
    const cache = new TileResponseCache(80);
    cache.set('big', Buffer.alloc(11));
    assert.equal(cache.get('big'), undefined);
    cache.set('k', Buffer.from('first'));
    cache.set('k', Buffer.from('later'));
    assert.equal(cache.get('k')?.toString(), 'first');
    const off = new TileResponseCache(0);
    off.set('x', Buffer.alloc(1));
    assert.equal(off.size, 0, 'a bound of 0 turns it off');
  });
});

describe('the tiles router remembers served paths', () => {
  const calls: string[] = [];
  let size = 3;
  let note = 'one\n';
  const log: TileLog = {
    async tile(path) {
      calls.push(path);
      const width = Number(/\.p\/([0-9]+)$/.exec(path)?.[1] ?? 256);
      if (width > size) throw new SealhouseError('not_found', `${path} is beyond the tree (size ${size})`);
      return Buffer.alloc(width * 32, width);
    },
    checkpoint: async () => note,
  };
  let url = '';
  let close: () => void = () => {};
  before(async () => {
    const app = express();
    app.use(createTilesRouter({ log, prefix: '/x' }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    close = () => server.close();
  });
  after(() => close());

  it('asks the log once per path and encoding; errors and the checkpoint every time', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/tile/0/000.p/3`)).status, 200);
    assert.deepEqual(calls.splice(0), ['tile/0/000.p/3']);
    await fetch(`${url}/tile/entries/000.p/2`, { headers: { 'accept-encoding': 'identity' } });
    await fetch(`${url}/tile/entries/000.p/2`, { headers: { 'accept-encoding': 'gzip' } });
    await fetch(`${url}/tile/entries/000.p/2`, { headers: { 'accept-encoding': 'gzip' } });
    assert.deepEqual(calls.splice(0), ['tile/entries/000.p/2', 'tile/entries/000.p/2'], 'identity and gzip are kept apart');
    assert.equal((await fetch(`${url}/tile/0/000.p/5`)).status, 404);
    size = 5;
    assert.equal((await fetch(`${url}/tile/0/000.p/5`)).status, 200, 'a 404 is not remembered');
    assert.deepEqual(calls.splice(0), ['tile/0/000.p/5', 'tile/0/000.p/5']);
    assert.equal(await (await fetch(`${url}/checkpoint`)).text(), 'one\n');
    note = 'two\n';
    assert.equal(await (await fetch(`${url}/checkpoint`)).text(), 'two\n', 'the checkpoint is read afresh');
  });
});
