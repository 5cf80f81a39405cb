#!/usr/bin/env node
// Part of `npm run build`, after tsc: migrate an empty embedded database once and keep it as
// dist/pglite-template.tar, from which fresh data directories and test databases are unpacked
// (src/storage/pglite-template.ts says when it is used).
import { migrate } from '../dist/src/storage/migrate.js';
import { PgliteSql } from '../dist/src/storage/pglite-sql.js';
import { PGLITE_TEMPLATE, saveTemplate } from '../dist/src/storage/pglite-template.js';

const sql = await PgliteSql.open();
await migrate(sql);
saveTemplate(await sql.dump());
await sql.close();
console.log(`build-pglite-template: ${PGLITE_TEMPLATE}`);
