/**
 * Turning schema-validation errors (ajv, via openapi-backend) into one sentence a person can
 * act on, in the spirit of go-openapi's "logIndex in query should be >= 0".
 */
interface SchemaError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

const INT64_MAX = 2 ** 63;

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

const pathOf = (e: SchemaError): string => (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');

function describe(e: SchemaError): string {
  const where = pathOf(e) || 'request';
  // ajv prints the int64 bound as the float 9223372036854776000; say what is meant.
  if (e.keyword === 'maximum' && Number(e.params?.limit) >= INT64_MAX) return `${where} must be at most 9223372036854775807 (int64)`;
  const extra = e.keyword === 'additionalProperties' && e.params?.additionalProperty ? ` (${String(e.params.additionalProperty)})` : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/** `body` (optional) is the parsed request body, named when the whole body has the wrong JSON type. */
export function validationMessage(errors: readonly SchemaError[], body?: unknown): string {
  // A body of the wrong JSON type produces follow-on errors (openapi-backend even tries to parse
  // a string body as JSON); the type is the one thing to fix.
  const wrongType = errors.find((e) => pathOf(e) === 'requestBody' && e.keyword === 'type');
  if (wrongType) {
    const got = body === undefined ? '' : `, not ${jsonType(body)}`;
    return `validation failed: the request body must be a JSON ${String(wrongType.params?.type)}${got}`;
  }
  const parts = errors.slice(0, 5).map(describe);
  if (errors.length > 5) parts.push(`and ${errors.length - 5} more`);
  return parts.length === 0 ? 'the request does not match the API schema' : `validation failed: ${parts.join('; ')}`;
}
