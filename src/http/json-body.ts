/**
 * JSON request bodies for every API on this server. A body that cannot be parsed (not JSON,
 * too large) is not answered where it is parsed: the failure is kept on the response and raised
 * by the API the request is for, so Rekor answers `{code, message}`, Fulcio
 * `{code, message, details}` and the CT log plain text, each with its own status mapping.
 *
 * Compressed bodies (Content-Encoding gzip, deflate, br) are inflated as they stream in and the
 * limit applies to the inflated bytes, so a small "gzip bomb" stops at maxBodyBytes (413).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { fromBodyParserError } from './error-map.js';

export function parseJsonBodies(maxBodyBytes: number): RequestHandler {
  // Clients send application/json (sometimes with parameters, sometimes without a type at all).
  // Not `strict`: a body that is valid JSON but not an object ("x", 42, null) then reaches the
  // schema check and is told so, instead of being called "not valid JSON".
  // DER timestamp queries (RFC 3161, application/timestamp-query) are not JSON: they are left
  // unread for the TSA router, which reads the bytes itself (http/tsa-router.ts).
  const parse = express.json({ limit: maxBodyBytes, type: (req) => !isTimestampQuery(req.headers['content-type']), strict: false });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err !== undefined) res.locals.bodyError = fromBodyParserError(err, req.headers['content-encoding']) ?? err;
      next();
    });
  };
}

/** Whether a Content-Type names an RFC 3161 DER timestamp query (parameters allowed). */
export const isTimestampQuery = (contentType: string | undefined): boolean => /^\s*application\/timestamp-query\s*(;|$)/i.test(contentType ?? '');

/** The body's parse error, if there was one (use first in a router that reads bodies). */
export function bodyError(res: Pick<Response, 'locals'>): unknown {
  return res.locals.bodyError;
}

/** Middleware form of bodyError: fail the request with the body's parse error, if any. */
export function rejectUnparsedBody(_req: Request, res: Response, next: NextFunction): void {
  next(bodyError(res));
}
