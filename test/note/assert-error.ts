/** assert.throws for SealhouseError: checks the code and that the message names the problem. */
import assert from 'node:assert/strict';
import { SealhouseError, type ErrorCode } from '../../src/errors.js';

export function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp | string, label = ''): SealhouseError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SealhouseError, `${label}: expected a SealhouseError(${code}), got ${String(caught)}`);
  assert.equal(caught.code, code, `${label}: wrong code for "${caught.message}"`);
  if (typeof message === 'string') assert.ok(caught.message.includes(message), `${label}: "${caught.message}" does not mention "${message}"`);
  else if (message !== undefined) assert.match(caught.message, message, label);
  return caught;
}
