/**
 * Serves the search UI (public/build, produced by `npm run build:ui`) at `/`. The files are
 * built at build time and served from this process: no CDN, no outside network.
 */
import { existsSync } from 'node:fs';
import express from 'express';

export const UI_DIR = new URL('../../../public/build/', import.meta.url).pathname;

export function createUiRouter(dir = UI_DIR): express.Router {
  const router = express.Router();
  if (!existsSync(dir)) return router;
  // index.html must always be revalidated (it names the current asset files); hashed assets are immutable.
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, path) => {
        res.set('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      },
    }),
  );
  return router;
}
