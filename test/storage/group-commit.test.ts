/**
 * GroupCommit (src/storage/group-commit.ts) on its own, with a commit function the test holds
 * open: back-pressure (a full queue is refused with 503-class `unavailable` and Retry-After,
 * nothing queued is lost), the per-client fair share, batching limits, shutdown, per-item
 * errors, and the optimistic-insert retry (AlreadyLogged → once more with lookUpExisting).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SealhouseError } from '../../src/errors.js';
import { AlreadyLogged, type CommitAttempt, GroupCommit, type GroupCommitOptions } from '../../src/storage/group-commit.js';

/** A commit function whose batches wait until released; records each batch and attempt. */
function heldCommit() {
  const batches: { items: number[]; attempt: CommitAttempt }[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  return {
    batches,
    open(): void {
      release();
    },
    close(): void {
      gate = new Promise<void>((r) => (release = r));
    },
    fn: async (items: readonly number[], attempt: CommitAttempt): Promise<number[]> => {
      batches.push({ items: [...items], attempt });
      await gate;
      return items.map((i) => i * 10);
    },
  };
}

const options = (o: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({ maxBatch: 4, maxDelayMs: 50, maxQueue: 6, ...o });

function isOverloaded(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SealhouseError);
    assert.equal(err.code, 'unavailable');
    assert.equal(err.retryAfterSeconds, 1, 'the HTTP layer sends Retry-After: 1');
    assert.match(err.message, pattern);
    return true;
  };
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('GroupCommit', () => {
  it('refuses submissions beyond maxQueue waiting items, and commits everything it accepted', async () => {
    const commit = heldCommit();
    const group = new GroupCommit(options(), commit.fn);
    const first = [1, 2, 3, 4].map((i) => group.submit(i)); // one batch, now committing (held)
    await tick();
    assert.equal(commit.batches.length, 1);
    const waiting = [5, 6, 7, 8, 9, 10].map((i) => group.submit(i)); // fills the queue of 6
    assert.equal(group.depth, 6);
    await assert.rejects(group.submit(11), isOverloaded(/overloaded \(6 entries waiting\)/));
    commit.open();
    assert.deepEqual(await Promise.all([...first, ...waiting]), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.deepEqual(commit.batches.map((b) => b.items.length), [4, 4, 2], 'batches of at most maxBatch');
    assert.equal(await group.submit(12), 120, 'room again once the queue drained');
  });

  it('holds one client to its fair share while others still get in', async () => {
    const commit = heldCommit();
    const group = new GroupCommit(options({ maxQueue: 100, maxQueuePerClient: 3 }), commit.fn);
    const mine = [1, 2, 3].map((i) => group.submit(i, 'client-a'));
    await assert.rejects(group.submit(4, 'client-a'), isOverloaded(/you have 3 entries waiting, your share/));
    const theirs = group.submit(5, 'client-b');
    const exempt = group.submit(6); // no client key: not counted against any share
    commit.open();
    assert.deepEqual(await Promise.all([...mine, theirs, exempt]), [10, 20, 30, 50, 60]);
    assert.equal(await group.submit(7, 'client-a'), 70, 'answered items give the share back');
  });

  it('a share counts items while they commit, not only while they wait', async () => {
    const commit = heldCommit();
    const group = new GroupCommit(options({ maxQueue: 100, maxQueuePerClient: 2 }), commit.fn);
    const a = [group.submit(1, 'c'), group.submit(2, 'c')];
    await tick(80); // past maxDelayMs: the batch is now committing (held)
    assert.equal(group.depth, 0);
    await assert.rejects(group.submit(3, 'c'), isOverloaded(/your share/));
    commit.open();
    await Promise.all(a);
  });

  it('after close, refuses new items and still commits the queued ones', async () => {
    const commit = heldCommit();
    const group = new GroupCommit(options({ maxQueue: 100 }), commit.fn);
    const queued = [1, 2, 3, 4, 5].map((i) => group.submit(i));
    const closing = group.close();
    await assert.rejects(group.submit(9), isOverloaded(/shutting down/));
    commit.open();
    await closing;
    assert.deepEqual(await Promise.all(queued), [10, 20, 30, 40, 50]);
  });

  it('a per-item error rejects that item alone; a thrown commit rejects its whole batch only', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>(options({ maxBatch: 2, maxQueue: 100 }), async (items) => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return items.map((i) => (i === 4 ? new SealhouseError('duplicate_entry', 'seen') : i));
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => group.submit(i)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /connection lost/);
    assert.match(String((results[3] as PromiseRejectedResult).reason), /seen/);
  });

  it('retries an optimistic commit once with lookUpExisting after AlreadyLogged', async () => {
    const attempts: boolean[] = [];
    const group = new GroupCommit<number, number>(options({ maxQueue: 100 }), async (items, { lookUpExisting }) => {
      attempts.push(lookUpExisting);
      if (!lookUpExisting) throw new AlreadyLogged();
      return items.map((i) => i + 1);
    });
    assert.equal(await group.submit(41), 42);
    assert.deepEqual(attempts, [false, true]);
  });

  it('does not loop: AlreadyLogged on the retry rejects the batch', async () => {
    let attempts = 0;
    const group = new GroupCommit<number, number>(options({ maxQueue: 100 }), async () => {
      attempts++;
      throw new AlreadyLogged();
    });
    await assert.rejects(group.submit(1), AlreadyLogged);
    assert.equal(attempts, 2);
  });
});
