/**
 * The open-loop bench's tail line: where in a run the slowest 1 % of requests were due. It is
 * read as evidence (a p99 made of three stalls is a different problem from a spread), so it must
 * name the windows that hold them and say so when nothing stands out.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeTail } from '../../bench/http-bench-open-loop.js';

describe('open-loop tail', () => {
  it('names the 100 ms windows that hold the slowest requests', () => {
    // 1,000 requests due 1 ms apart at 5 ms; those due at 300–309 ms and 700–704 ms took 50 ms.
    const dues = Array.from({ length: 1000 }, (_, i) => i);
    const latencies = dues.map((due) => ((due >= 300 && due < 310) || (due >= 700 && due < 705) ? 50 : 5));
    assert.equal(describeTail(latencies, dues, 50), 'slowest 1 %: 15 of 15 due in 2 windows of 100 ms (at 0.3, 0.7 s)');
  });

  it('says the tail is spread when no window holds a tenth of it', () => {
    const dues = Array.from({ length: 2000 }, (_, i) => i);
    const latencies = dues.map((due) => (due % 100 === 7 ? 40 : 5)); // one slow request in every window
    assert.equal(describeTail(latencies, dues, 40), 'slowest 1 %: 20 requests, spread over the run');
  });
});
