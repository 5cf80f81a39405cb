/**
 * The error every primitive in src/core throws for bad input. `code` uses the server's names
 * (src/errors.ts ErrorCode), so the server turns a CoreError into its SealhouseError with the
 * same code at the boundary (fromCoreError) and the page shows the message as it is.
 */
export type CoreErrorCode = 'invalid_input' | 'malformed_key' | 'malformed_note' | 'malformed_proof' | 'verification_failed';

export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}
