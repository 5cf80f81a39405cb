/** How a failed command tells the operator what went wrong: one line for what they can fix, the stack only for our bugs. */
import { SealhouseError } from '../errors.js';

/** Prints the failure and returns the exit code. */
export function reportFailure(err: unknown): number {
  if (err instanceof SealhouseError) console.error(`sealhouse: ${err.message}`);
  else console.error(err);
  return 1;
}
