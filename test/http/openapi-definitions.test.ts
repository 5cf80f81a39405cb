/**
 * The OpenAPI documents the Rekor and Fulcio routers validate against are themselves valid
 * OpenAPI 3 (checked here rather than at every start: the routers use openapi-backend's quick
 * mode), and every operation's request validator compiles with our formats.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAPIBackend } from 'openapi-backend';
import { FULCIO_SPEC } from '../../src/http/fulcio-api.js';
import { REKOR_SPEC } from '../../src/http/rekor-api.js';
import { addSchemaFormats } from '../../src/http/schema-formats.js';

describe('openapi definitions', () => {
  for (const [name, spec] of [['rekor', REKOR_SPEC], ['fulcio', FULCIO_SPEC]] as const) {
    it(`${name}: a valid OpenAPI document whose operations all compile`, async () => {
      const api = new OpenAPIBackend({ definition: spec, apiRoot: '/', strict: true, customizeAjv: addSchemaFormats });
      await api.init();
      assert.doesNotThrow(() => api.validateDefinition());
      const operations = api.getOperations();
      assert.ok(operations.length >= 2, `${name} has its operations`);
      for (const op of operations) {
        assert.ok(op.operationId, `${op.method} ${op.path} has an operationId`);
        assert.ok(api.validator.getRequestValidatorsForOperation(op.operationId), `${op.operationId} has request validators`);
      }
    });
  }
});
