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

export function validationMessage(errors: readonly SchemaError[]): string {
  const parts = errors.slice(0, 5).map((e) => {
    const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const where = path === '' ? 'request' : path;
    const extra = e.keyword === 'additionalProperties' && e.params?.additionalProperty ? ` (${String(e.params.additionalProperty)})` : '';
    return `${where} ${e.message ?? 'is invalid'}${extra}`;
  });
  if (errors.length > 5) parts.push(`and ${errors.length - 5} more`);
  return parts.length === 0 ? 'the request does not match the API schema' : `validation failed: ${parts.join('; ')}`;
}
