/**
 * WorkerPool (src/workers/worker-pool.ts), the one pool behind the SET signer, the CA's crypto
 * and DSSE matching: answers really come from another thread; refusals keep their code and
 * message; the queue is bounded with a retry hint; a crashed thread is replaced and what it
 * owed is answered inline; a script that never works is given up on; close() drains; the init
 * message (key material) never shows in errors or in util.inspect.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { threadId as mainThread } from 'node:worker_threads';
import { isSealhouseError } from '../../src/errors.js';
import { WorkerPool } from '../../src/workers/worker-pool.js';
import { probe, type ProbeAnswer, type ProbeJob } from './probe-worker.js';

const SCRIPT = new URL('./probe-worker.js', import.meta.url);

function pool(options: { size?: number; maxQueue?: number; init?: string; lazy?: boolean; script?: URL } = {}) {
  return new WorkerPool<ProbeJob, ProbeAnswer>({
    name: 'probe',
    script: options.script ?? SCRIPT,
    size: options.size ?? 1,
    maxQueue: options.maxQueue ?? 16,
    ...(options.init === undefined ? {} : { init: options.init }),
    ...(options.lazy === undefined ? {} : { lazy: options.lazy }),
    inline: (job) => probe(job, options.init),
  });
}

describe('WorkerPool', () => {
  it('answers from worker threads, not the main thread, spreading jobs over the threads', async () => {
    const p = pool({ size: 2 });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => p.run({ kind: 'slow', ms: 20 })));
      const threads = new Set(answers.map((a) => a.threadId));
      assert.ok(!threads.has(mainThread), 'no job ran on the main thread');
      assert.equal(threads.size, 2, 'both threads worked');
      assert.equal(p.workerAnswers, 6);
      assert.equal(p.started, 2);
    } finally {
      await p.close();
    }
  });

  it('a lazy pool starts no thread until the first job', async () => {
    const p = pool({ lazy: true });
    try {
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(p.started, 0);
      assert.notEqual((await p.run({ kind: 'who' })).threadId, mainThread);
      assert.equal(p.started, 1);
    } finally {
      await p.close();
    }
  });

  it('a refusal in the worker keeps its code and message', async () => {
    const p = pool();
    try {
      await assert.rejects(p.run({ kind: 'fail' }), (err: unknown) => isSealhouseError(err, 'invalid_input') && err.message === 'the probe refused this job');
      assert.equal(p.workerAnswers, 1, 'the refusal came from the worker');
    } finally {
      await p.close();
    }
  });

  it('refuses jobs beyond the queue limit with unavailable and a retry hint', async () => {
    const p = pool({ maxQueue: 2 });
    try {
      const owed = [p.run({ kind: 'slow', ms: 200 }), p.run({ kind: 'slow', ms: 10 })];
      await assert.rejects(p.run({ kind: 'who' }), (err: unknown) => {
        assert.ok(isSealhouseError(err, 'unavailable'), String(err));
        assert.equal(err.retryAfterSeconds, 1);
        assert.match(err.message, /too many probe jobs/);
        return true;
      });
      await Promise.all(owed);
      assert.notEqual((await p.run({ kind: 'who' })).threadId, mainThread, 'admitted again once the queue drained');
    } finally {
      await p.close();
    }
  });

  it('replaces a crashed thread; what it owed is answered inline', async () => {
    const p = pool();
    try {
      const first = await p.run({ kind: 'who' });
      await assert.rejects(p.run({ kind: 'crash' }), /crash job run inline/, 'the orphaned job ran inline on the main thread');
      const next = await p.run({ kind: 'who' });
      assert.notEqual(next.threadId, mainThread, 'a worker answers again');
      assert.notEqual(next.threadId, first.threadId, 'a new thread replaced the dead one');
      assert.equal(p.started, 2);
    } finally {
      await p.close();
    }
  });

  it('gives up on a script that cannot run and answers inline, without a restart loop', async () => {
    const p = pool({ script: new URL('./no-such-worker.js', import.meta.url) });
    try {
      for (let i = 0; i < 6; i++) assert.equal((await p.run({ kind: 'who' })).threadId, mainThread);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(p.workerAnswers, 0);
    } finally {
      await p.close();
    }
  });

  it('close() waits for owed answers, then runs later jobs inline', async () => {
    const p = pool();
    const owed = p.run({ kind: 'slow', ms: 150 });
    let answered = false;
    void owed.then(() => (answered = true));
    await p.close();
    assert.ok(answered, 'the owed job was answered before close() resolved');
    assert.notEqual((await owed).threadId, mainThread);
    assert.equal((await p.run({ kind: 'who' })).threadId, mainThread);
  });

  it('never shows the init message (key material) in errors or in inspect', async () => {
    const secret = 'bad-key-0123456789abcdef-SECRET';
    const p = pool({ init: secret });
    try {
      await assert.rejects(p.run({ kind: 'init' }), (err: unknown) => {
        assert.ok(!String((err as Error).message).includes('SECRET'));
        assert.ok(!inspect(err, { depth: 5 }).includes('SECRET'));
        return true;
      });
      assert.ok(!inspect(p, { depth: 5, showHidden: true }).includes('SECRET'));
    } finally {
      await p.close();
    }
    const good = pool({ init: 'a key' });
    try {
      assert.deepEqual(await good.run({ kind: 'init' }), { threadId: (await good.run({ kind: 'who' })).threadId, init: '5 characters' });
    } finally {
      await good.close();
    }
    const broken = pool({ init: 'throw in setup' });
    try {
      await assert.rejects(broken.run({ kind: 'who' }), /setup failed without saying what it was given/);
      assert.equal(broken.workerAnswers, 1, 'a failed setup answers each job with its error instead of killing the thread');
    } finally {
      await broken.close();
    }
  });
});
