/** The monitor's state file: first run, round trip, atomic replacement, and files it must not trust. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadState, saveState, StateFileError, type MonitorState } from '../../src/monitor/state.js';
import { tempDir } from './fixtures.js';

const dir = tempDir();
after(() => dir.cleanup());

const state: MonitorState = { version: 1, url: 'http://log.example', origin: 'log.example - 1', size: 3, rootHash: 'ab'.repeat(32), checkpoint: 'note\n', verifiedAt: '2026-01-01T00:00:00.000Z' };

describe('monitor state file', () => {
  it('is absent on the first run', () => {
    assert.equal(loadState(join(dir.path, 'none.json')), undefined);
  });

  it('round-trips and leaves no temporary file behind', () => {
    const path = dir.file('rt.json');
    saveState(path, state);
    saveState(path, { ...state, size: 4 });
    assert.deepEqual(loadState(path), { ...state, size: 4 });
    assert.deepEqual(readdirSync(dir.path).filter((f) => f.includes('.tmp')), []);
  });

  it('refuses a file that is not JSON, or not a state, saying how to start over', () => {
    assert.throws(() => loadState(dir.file('garbage.json', '{"version":')), (e: unknown) => e instanceof StateFileError && /not JSON.*trust on first use/.test(e.message));
    assert.throws(() => loadState(dir.file('shape.json', { ...state, rootHash: 'xyz' })), (e: unknown) => e instanceof StateFileError && /not a sealhouse monitor state/.test(e.message));
    assert.throws(() => loadState(dir.file('neg.json', { ...state, size: -1 })), StateFileError);
  });

  it('says which file it cannot write, and keeps the old one', () => {
    const path = dir.file('keep.json');
    saveState(path, state);
    assert.throws(() => saveState(join(dir.path, 'missing-dir', 'x.json'), state), (e: unknown) => e instanceof StateFileError && /cannot write the state file .*missing-dir/.test(e.message));
    assert.deepEqual(loadState(path), state);
  });
});
