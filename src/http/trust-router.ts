/**
 * The trust documents clients and operators fetch (reference §4): GET /trusted_root.json
 * (protobuf-specs TrustedRoot) and GET /signing_config.json (SigningConfig v0.2; also under its
 * TUF target name signing_config.v0.2.json). Both are built from the instance's keys, CA
 * epochs and log shards (src/trust/trust-documents.ts) — the same documents `sealhouse
 * trust-root` and `sealhouse signing-config` print — at start and again after a key rotation,
 * so `documents` is asked on every request.
 */
import express from 'express';
import type { TrustDocuments } from '../trust/trust-documents.js';
import type { SigningConfigJson } from '../trust/signing-config.js';
import type { TrustedRootJson } from '../trust/trusted-root.js';
import type { TrustTargets } from '../tuf/repository.js';

export function createTrustRouter(documents: () => TrustDocuments): express.Router {
  const router = express.Router();
  // Serialised once per set of documents: every response between rotations is the identical byte string.
  let served: { docs: TrustDocuments; root: string; signing: string } | undefined;
  const texts = (): { root: string; signing: string } => {
    const docs = documents();
    if (served?.docs !== docs) served = { docs, root: trustDocumentText(docs.trustedRoot), signing: trustDocumentText(docs.signingConfig) };
    return served;
  };
  const send = (operation: string, pick: 'root' | 'signing') => (_req: express.Request, res: express.Response) => {
    res.locals.operation = operation;
    res.type('application/json').set('Cache-Control', 'no-cache').send(texts()[pick]);
  };
  router.get('/trusted_root.json', send('trustedRoot', 'root'));
  router.get(['/signing_config.json', '/signing_config.v0.2.json'], send('signingConfig', 'signing'));
  return router;
}

/** The text the routes serve and the CLI prints, so both are byte-identical. */
export const trustDocumentText = (doc: TrustedRootJson | SigningConfigJson): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The documents as TUF targets: exactly the bytes the routes serve. */
export const trustTargets = (docs: TrustDocuments): TrustTargets => ({
  trustedRoot: Buffer.from(trustDocumentText(docs.trustedRoot), 'utf8'),
  signingConfig: Buffer.from(trustDocumentText(docs.signingConfig), 'utf8'),
});
