/** C2SP tlog-tiles paths: formatting and strict parsing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatEntriesPath, formatTilePath, parseTilePath, tileWidth } from '../../src/merkle/tiles.js';
import { SealhouseError } from '../../src/errors.js';

describe('tile paths', () => {
  it('formats indexes as 3-digit groups with x prefixes', () => {
    assert.equal(formatTilePath({ level: 1, index: 1_234_067, width: 7 }), 'tile/1/x001/x234/067.p/7');
    assert.equal(formatTilePath({ level: 0, index: 0, width: 256 }), 'tile/0/000');
    assert.equal(formatTilePath({ level: 2, index: 1000, width: 256 }), 'tile/2/x001/000');
    assert.equal(formatEntriesPath(5, 3), 'tile/entries/005.p/3');
  });

  it('parses what it formats', () => {
    assert.deepEqual(parseTilePath('tile/1/x001/x234/067.p/7'), { kind: 'hash', level: 1, index: 1_234_067, width: 7 });
    assert.deepEqual(parseTilePath('tile/entries/x001/000'), { kind: 'entries', index: 1000, width: 256 });
  });

  it('rejects every malformed path with a typed error naming the problem', () => {
    const bad = [
      'tile/0/1', 'tile/0/0001', 'tile/0/001/002', 'tile/0/x000/001', 'tile/0/001.p/0', 'tile/0/001.p/256',
      'tile/0/001.p/007', 'tile/64/000', 'tile/01/000', 'tile/-1/000', 'tiles/0/000', 'tile/0/00a', '',
      'tile/0/x001', 'tile/entries/001.p/', '../tile/0/000', 'tile/0/000/',
    ];
    for (const path of bad) {
      assert.throws(() => parseTilePath(path), (e: unknown) => e instanceof SealhouseError && e.code === 'malformed_tile_path', path);
    }
  });

  it('knows the width of a tile at a given tree size', () => {
    assert.equal(tileWidth({ level: 0, index: 0 }, 300), 256);
    assert.equal(tileWidth({ level: 0, index: 1 }, 300), 44);
    assert.equal(tileWidth({ level: 1, index: 0 }, 300), 1);
    assert.equal(tileWidth({ level: 0, index: 2 }, 300), 0);
  });
});
