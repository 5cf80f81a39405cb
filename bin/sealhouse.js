#!/usr/bin/env node
// The sealhouse command; the TypeScript sources are compiled to dist/ by `npm run build`.
import "../dist/src/cli/main.js";
