/**
 * Rotations start their new shard or authority at a whole second (an RFC 3161 genTime, a shard's
 * activeFrom), so one may not open in the second the one in use opened: its window would be
 * empty. Both rotations refuse that with SecondTakenError, and `rotateWhenSecondFree` — what the
 * CLI's `rotate` runs — simply tries again once that second is over: a rotation right after a
 * start takes at most a second longer instead of failing.
 */
import { SealhouseError } from '../errors.js';

export class SecondTakenError extends SealhouseError {
  constructor(
    what: string,
    /** When the shard or authority in use started: the rotation may start from the next second. */
    readonly startedAt: Date,
  ) {
    super('invalid_input', `${what} only started at ${startedAt.toISOString()}: rotate again in a second`);
  }
}

/** `rotate(now)`, and once more after the taken second if the one in use started in it. */
export async function rotateWhenSecondFree<T>(rotate: (at: Date) => Promise<T>): Promise<T> {
  try {
    return await rotate(new Date());
  } catch (err) {
    if (!(err instanceof SecondTakenError)) throw err;
    const free = Math.floor(err.startedAt.getTime() / 1000) * 1000 + 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, free - Date.now())));
    return rotate(new Date());
  }
}
