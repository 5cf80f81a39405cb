#!/usr/bin/env node
// The sealhouse command; the TypeScript sources are compiled to dist/ by `npm run build` (run by
// `npm install`, and by `npm start` when a source changed). In a checkout, a build older than its
// sources is refused rather than served: it would not be the code the operator is looking at.
import { staleReason } from '../scripts/build-state.js';

const stale = staleReason(new URL('..', import.meta.url).pathname);
if (stale) {
  console.error(`sealhouse: the build in dist/ is stale: ${stale}. Run \`npm run build\` (or \`npm start\`, which builds when needed).`);
  process.exit(1);
}
await import('../dist/src/cli/main.js');
