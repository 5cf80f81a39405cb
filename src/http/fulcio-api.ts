/**
 * The Fulcio API (reference §1; fulcio.proto and fulcio_legacy.proto behind grpc-gateway),
 * routed and validated by openapi-backend against openapi/fulcio.yaml: v2 signingCert,
 * trustBundle and configuration, and the legacy v1 signingCert (201, PEM chain) and rootCert.
 * Handlers only decode the transport — camelCase or snake_case fields (protojson), the token
 * from `credentials` or `Authorization: Bearer` — and leave every decision to the CaService.
 */
import express, { type Request, type Response } from 'express';
import { OpenAPIBackend, type Context } from 'openapi-backend';
import type { Logger } from 'pino';
import type { CaService } from '../ca/ca-service.js';
import type { IssuerJson } from '../oidc/configuration.js';
import { INVALID_PUBLIC_KEY } from '../ca/public-key.js';
import { SealhouseError } from '../errors.js';
import { rejectUnparsedBody } from './json-body.js';
import { fulcioErrorHandler, GRPC, sendGrpcError } from './fulcio-errors.js';
import { loadOpenApiDocument } from './openapi-document.js';
import { addSchemaFormats } from './schema-formats.js';
import { acceptGoClientShapes, noteDroppedNulls } from './go-client-shapes.js';
import { validationMessage } from './validation-message.js';

export const FULCIO_SPEC = new URL('../../../openapi/fulcio.yaml', import.meta.url).pathname;
export const PEM_CHAIN_TYPE = 'application/pem-certificate-chain';

export interface FulcioApiDeps {
  readonly ca: CaService;
  readonly configuration: () => { issuers: IssuerJson[] };
  /** True while shutting down: no new certificates. */
  readonly draining: () => boolean;
  readonly logger?: Logger;
}

type Handler = (c: Context, req: Request, res: Response) => Promise<void> | void;
type Json = Record<string, unknown> | undefined;

/** protojson accepts a field by its JSON (camelCase) or proto (snake_case) name. */
const pick = <T>(o: Json, camel: string, snake: string): T | undefined => (o?.[camel] ?? o?.[snake]) as T | undefined;

/** What grpc-gateway copies into the `oidcidentitytoken` metadata (Fulcio cmd/app/http.go). */
function bearerToken(req: Request): string {
  const header = req.headers.authorization ?? '';
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '';
}

/** Go's legacy body: PEMs each followed by a newline, the whole trimmed. */
const pemText = (pems: readonly string[]): string => pems.map((p) => `${p}\n`).join('').trim();

function assertAccepting(deps: FulcioApiDeps): void {
  if (deps.draining()) throw new SealhouseError('unavailable', 'the CA is shutting down and issues no new certificates; retry against another instance');
}

export async function createFulcioRouter(deps: FulcioApiDeps): Promise<express.Router> {
  const handlers: Record<string, Handler> = {
    createSigningCertificate: async (c, req, res) => {
      assertAccepting(deps);
      const body = c.request.requestBody as Json;
      const keyRequest = pick<Json>(body, 'publicKeyRequest', 'public_key_request');
      const csr = pick<string>(body, 'certificateSigningRequest', 'certificate_signing_request');
      if (keyRequest && csr) throw new SealhouseError('invalid_input', 'set either publicKeyRequest or certificateSigningRequest, not both');
      const token = pick<string>(pick<Json>(body, 'credentials', 'credentials'), 'oidcIdentityToken', 'oidc_identity_token') || bearerToken(req);
      const issued = await deps.ca.issue({
        token,
        publicKey: pick<Json>(keyRequest, 'publicKey', 'public_key')?.content as string | undefined,
        proofOfPossession: pick<string>(keyRequest, 'proofOfPossession', 'proof_of_possession'),
        csr,
      });
      res.json({ signedCertificateEmbeddedSct: { chain: { certificates: issued.chainPem } } });
    },

    getTrustBundle: (_c, _req, res) => void res.json({ chains: deps.ca.trustBundle().map((certificates) => ({ certificates })) }),

    getConfiguration: (_c, _req, res) => void res.json(deps.configuration()),

    createSigningCertificateLegacy: async (c, req, res) => {
      assertAccepting(deps);
      const body = (c.request.requestBody ?? {}) as { publicKey?: { content?: string }; signedEmailAddress?: string; certificateSigningRequest?: string };
      const csr = body.certificateSigningRequest;
      // Fulcio checks this before the token (legacy_server.go).
      if (!csr && !body.publicKey) throw new SealhouseError('invalid_input', `${INVALID_PUBLIC_KEY}: public key not provided`);
      const issued = await deps.ca.issue({
        token: bearerToken(req),
        // v1 `content` is protobuf bytes: base64 of the PEM (or DER) key.
        publicKey: csr ? undefined : Buffer.from(body.publicKey?.content ?? '', 'base64'),
        proofOfPossession: body.signedEmailAddress,
        csr,
      });
      res.status(201).type(PEM_CHAIN_TYPE).send(pemText(issued.chainPem));
    },

    getRootCertificateLegacy: (_c, _req, res) => void res.type(PEM_CHAIN_TYPE).send(pemText(deps.ca.trustBundle().flat())),
  };

  const labelled = Object.fromEntries(
    Object.entries(handlers).map(([operationId, handler]) => [
      operationId,
      async (c: Context, req: Request, res: Response) => {
        res.locals.operation = operationId;
        try {
          await handler(c, req, res);
        } catch (err) {
          throw noteDroppedNulls(err, res.locals.droppedNulls as string[] | undefined);
        }
      },
    ]),
  );
  // quick: no check of the definition against the OpenAPI schema at start (test/http/openapi-definitions.test.ts
  // does it), and each operation's validator is compiled at its first request: ~0.6 s less per start.
  // The parsed document, not its path: http/openapi-document.ts.
  const api = new OpenAPIBackend({ definition: loadOpenApiDocument(FULCIO_SPEC), apiRoot: '/', quick: true, strict: true, customizeAjv: addSchemaFormats });
  api.register({
    ...labelled,
    validationFail: (c: Context, _req: Request, res: Response) => {
      res.locals.operation = c.operation?.operationId ?? 'invalid';
      throw noteDroppedNulls(new SealhouseError('schema_violation', validationMessage(c.validation.errors ?? [])), res.locals.droppedNulls as string[] | undefined);
    },
    notFound: (_c, req: Request, res: Response) => sendGrpcError(res, GRPC.notFound, `no Fulcio API path ${req.originalUrl.split('?')[0] ?? ''}`),
    methodNotAllowed: (_c, req: Request, res: Response) =>
      sendGrpcError(res, GRPC.unimplemented, `method ${req.method} is not allowed on ${req.originalUrl.split('?')[0] ?? ''}`),
  });
  await api.init();
  // Go clients' `null` members and undeclared query parameters mean what they mean to Fulcio.
  acceptGoClientShapes(api, (paths, _req, res) => void ((res as Response).locals.droppedNulls = paths));

  const router = express.Router();
  const handle = async (req: Request, res: Response, next: express.NextFunction): Promise<void> => {
    try {
      await api.handleRequest(
        // HEAD is GET without the body, as on the Rekor routes.
        { method: req.method === 'HEAD' ? 'GET' : req.method, path: req.originalUrl.split('?')[0] ?? req.path, query: req.query as Record<string, string>, headers: req.headers as Record<string, string>, body: req.body },
        req,
        res,
      );
    } catch (err) {
      next(err);
    }
  };
  router.use('/api/v2', rejectUnparsedBody, handle);
  router.all('/api/v1/signingCert', rejectUnparsedBody, handle);
  router.all('/api/v1/rootCert', rejectUnparsedBody, handle);
  router.use(fulcioErrorHandler(deps.logger));
  return router;
}
