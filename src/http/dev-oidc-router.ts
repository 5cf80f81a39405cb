/**
 * The development OIDC issuer's public documents (OpenID Connect Discovery 1.0 §4,
 * https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig), mounted only when
 * SEALHOUSE_DEV_OIDC=1: `<SEALHOUSE_URL>/dev-oidc/.well-known/openid-configuration` and its JWKS.
 * There is deliberately no token endpoint: tokens come from `sealhouse dev-token` on the host.
 */
import express from 'express';
import { DEV_OIDC_PATH, type DevOidcIssuer } from '../oidc/dev-oidc.js';

export function createDevOidcRouter(issuer: DevOidcIssuer): express.Router {
  const router = express.Router();
  // Served at /dev-oidc like every other API path, whatever path SEALHOUSE_URL carries for a proxy.
  router.get(`${DEV_OIDC_PATH}/.well-known/openid-configuration`, (_req, res) => {
    res.locals.operation = 'devOidcDiscovery';
    res.json(issuer.discovery());
  });
  router.get(`${DEV_OIDC_PATH}/jwks`, (_req, res) => {
    res.locals.operation = 'devOidcJwks';
    res.json(issuer.jwks());
  });
  return router;
}
