/**
 * GET /tuf/<file>: the TUF repository `sealhouse tuf init` wrote (src/tuf/repository.ts), read
 * from disk per request so `sealhouse tuf update` takes effect without a restart. Only the
 * repository's own names are served, so no request can reach outside the directory.
 */
import { existsSync, readFile } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

// Versioned metadata, timestamp.json, root.json, and targets/<sha256hex>.<target name>.
const METADATA = /^(?:[1-9][0-9]{0,9}\.(?:root|targets|snapshot)\.json|timestamp\.json|root\.json)$/;
const TARGET = /^[0-9a-f]{64}\.(?:trusted_root\.json|signing_config\.v0\.2\.json)$/;

export function createTufRouter(dir: string): express.Router {
  const router = express.Router();
  const send = (file: string, cache: string) => (res: express.Response): void => {
    if (!existsSync(dir)) {
      res.status(404).type('text/plain').send(`no TUF repository at ${dir}: run \`sealhouse tuf init\`\n`);
      return;
    }
    readFile(file, (err, bytes) => {
      if (err) res.status(404).type('text/plain').send('not found\n');
      else res.type('application/json').set('Cache-Control', cache).send(bytes);
    });
  };
  router.get('/tuf/targets/:name', (req, res) => {
    res.locals.operation = 'tuf';
    const name = req.params.name;
    if (!TARGET.test(name)) { res.status(404).type('text/plain').send('not found\n'); return; }
    send(join(dir, 'targets', name), 'public, max-age=31536000, immutable')(res);
  });
  router.get('/tuf/:name', (req, res) => {
    res.locals.operation = 'tuf';
    const name = req.params.name;
    if (!METADATA.test(name)) { res.status(404).type('text/plain').send('not found\n'); return; }
    // The unversioned names change in place; the versioned ones never do.
    send(join(dir, name), name === 'timestamp.json' || name === 'root.json' ? 'no-cache' : 'public, max-age=31536000, immutable')(res);
  });
  return router;
}
