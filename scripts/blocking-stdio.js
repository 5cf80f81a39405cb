// Preloaded (--import) into the test runner and each test file's process by scripts/run-tests.js:
// stdout and stderr become blocking, so that a child's last test verdicts reach the parent before
// --test-force-exit ends the process. Written to a non-blocking pipe they were lost now and then
// (nodejs/node#64833): CI reported 1,596 of 1,608 tests, the missing ones the tails of two files,
// and still passed; a failing test there would have been named nowhere. Measured on 20 files of 60
// tests: 3 of 8 runs short without this, 0 of 8 with it.
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
