/**
 * String formats used in our OpenAPI specs (email, byte, uri-reference, date-time …), which
 * openapi-backend's Ajv does not know by itself; without them they would silently pass.
 */
import addFormats from 'ajv-formats';
import type { AjvCustomizer } from 'openapi-backend';

type AjvInstance = Parameters<AjvCustomizer>[0];

export const addSchemaFormats: AjvCustomizer = (ajv) =>
  (addFormats as unknown as (a: AjvInstance) => AjvInstance)(ajv);
