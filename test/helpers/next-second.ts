/**
 * Shards and authority epochs start on whole seconds, and a rotation within the second the one
 * in use started is refused ("rotate again in a second"). A test that rotates right after a
 * start or another rotation waits for the next second first: with a fast start-up, two steps of
 * a test can fall in the same second.
 */
export const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));
