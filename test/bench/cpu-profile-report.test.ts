/** bench/cpu-profile-report.ts attributes a V8 profile's samples to modules, src/ phases and stacks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { moduleOf, summarizeProfile } from '../../bench/cpu-profile-report.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

describe('cpu-profile-report', () => {
  it('names a frame by package, node: area or src/ directory', () => {
    assert.equal(moduleOf(frame('handle', 'file:///x/node_modules/router/index.js')), 'router');
    assert.equal(moduleOf(frame('x', 'file:///x/node_modules/@scope/pkg/a.js')), '@scope/pkg');
    assert.equal(moduleOf(frame('end', 'node:_http_outgoing')), 'node:_http_outgoing');
    assert.equal(moduleOf(frame('digest', 'node:internal/crypto/hash')), 'node:crypto/hash');
    assert.equal(moduleOf(frame('verifyDigest', 'file:///w/dist/src/entries/digest-verify.js')), 'src/entries');
    assert.equal(moduleOf(frame('(garbage collector)', '')), '(garbage collector)');
    assert.equal(moduleOf(frame('writev', '')), '(native) writev');
  });

  it('charges self time to the leaf and phase time to the innermost src/ file on the stack', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
        { id: 2, callFrame: frame('submit', 'file:///w/dist/src/log/log-service.js'), children: [3] },
        { id: 3, callFrame: frame('canonicalize', 'file:///w/node_modules/canonicalize/lib.js') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [3, 3, 4, 2],
      timeDeltas: [100, 50, 1000, 10],
      startTime: 0,
      endTime: 1160,
    };
    const s = summarizeProfile(profile);
    assert.equal(s.totalMicros, 1160);
    assert.equal(s.byModule.get('canonicalize'), 150);
    assert.equal(s.byModule.get('src/log'), 10);
    assert.equal(s.byPhase.get('log/log-service'), 160);
    assert.equal(s.byPhase.get('(idle)'), 1000);
    assert.equal(s.folded.get('submit [src/log];canonicalize [canonicalize]'), 150);
  });
});
