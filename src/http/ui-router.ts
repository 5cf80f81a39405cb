/**
 * Serves the search UI (public/build, produced by scripts/build-ui.js via `npm run build`) at
 * `/`. The files are built at build time and served from this process: no CDN, no outside
 * network, which the Content-Security-Policy enforces in the browser (rekor-api.md §9 is the
 * UI this replaces; it calls the same-origin API, so connect-src 'self' is enough).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';

export const UI_DIR = new URL('../../../public/build/', import.meta.url).pathname;

/** The page may load only its own scripts and styles and talk only to this origin. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function createUiRouter(dir = UI_DIR): express.Router {
  const router = express.Router();
  if (!existsSync(join(dir, 'index.html'))) {
    // A readable answer instead of the API's JSON 404 when someone runs the server unbuilt.
    router.get('/', (_req, res) => {
      res.status(503).type('text/plain').send('The search UI is not built. Run `npm run build` (or `node scripts/build-ui.js`) and restart Sealhouse.\n');
    });
    return router;
  }
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, path) => {
        res.locals.operation = 'ui';
        res.set('X-Content-Type-Options', 'nosniff');
        if (path.endsWith('.html')) {
          // index.html names the current asset files, so it must always be revalidated; the hashed assets never change.
          res.set('Cache-Control', 'no-cache');
          res.set('Content-Security-Policy', UI_CSP);
          res.set('Referrer-Policy', 'no-referrer');
        } else {
          res.set('Cache-Control', 'public, max-age=31536000, immutable');
        }
      },
    }),
  );
  return router;
}
