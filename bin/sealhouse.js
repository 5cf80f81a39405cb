#!/usr/bin/env node
// The sealhouse command; the TypeScript sources are compiled to dist/ by `npm run build` (run by
// `npm install`). In a checkout, a build older than its sources is refused rather than served: it
// would not be the code the operator is looking at. `npm start` runs
// `sealhouse --build-if-stale serve`: that first flag builds when a source changed, in this same
// process, instead of a second node started before the server only to check.
import { buildIfStale, staleReason } from '../scripts/build-state.js';

const root = new URL('..', import.meta.url).pathname;
if (process.argv[2] === '--build-if-stale') {
  process.argv.splice(2, 1);
  const status = buildIfStale(root);
  if (status !== 0) process.exit(status);
}
const stale = staleReason(root);
if (stale) {
  console.error(`sealhouse: the build in dist/ is stale: ${stale}. Run \`npm run build\` (or \`npm start\`, which builds when needed).`);
  process.exit(1);
}
// The embedded store's WebAssembly compiles on background threads while the server's modules
// load on this one (dist/src/storage/pglite-artifacts.js); with DATABASE_URL there is nothing to boot.
if (process.argv[2] === 'serve' && !process.env.DATABASE_URL && !process.env.SEALHOUSE_READ_DATABASE_URL) {
  (await import('../dist/src/storage/pglite-artifacts.js')).preparePgliteArtifacts();
}
await import('../dist/src/cli/main.js');
