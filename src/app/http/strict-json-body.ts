import type { NextFunction, Request, Response } from 'express';
import { text } from 'express';
import { parse } from 'lossless-json';

/** Deeper than this, a request body is refused: no admin body nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * The admin API's JSON body parser (docs/hardening.md). Stricter than `express.json()`: a key
 * given twice is refused (`"amount":"1","amount":"1000"` must not quietly become 1000), so is a
 * body nested deeper than `MAX_JSON_DEPTH` (validation recurses) and any string holding a NUL
 * character (PostgreSQL text cannot store one). Every refusal is a `400` JSON answer.
 */
export function strictJsonBody(limit: string) {
  const readText = text({ type: ['application/json', 'application/*+json'], limit });
  return (req: Request, res: Response, next: NextFunction): void => {
    readText(req, res, (error?: unknown) => {
      if (error) {
        const status = (error as { status?: number }).status ?? 400;
        return refuse(
          res,
          status,
          status === 413
            ? `body larger than ${limit}`
            : status === 415
              ? 'send JSON as UTF-8'
              : 'unreadable body',
        );
      }
      if (typeof req.body !== 'string') return next();
      if (req.body.trim() === '') {
        req.body = undefined;
        return next();
      }
      const problem = parseStrictJson(req.body);
      if (typeof problem === 'string') return refuse(res, 400, problem);
      req.body = problem.value;
      next();
    });
  };
}

/** Parses JSON text as the admin API accepts it; a string is the reason it is refused. */
export function parseStrictJson(json: string): { value: unknown } | string {
  const depth = maxDepth(json);
  if (depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
  let value: unknown;
  try {
    value = parse(json, null, (number: string) => Number(number));
  } catch (error) {
    const message = error instanceof Error ? error.message : 'invalid';
    return /Duplicate key/i.test(message)
      ? `body is not accepted: ${message} (each key may appear once)`
      : `body is not valid JSON: ${message}`;
  }
  if (typeof value !== 'object' || value === null) return 'body must be a JSON object';
  if (hasNul(value)) return 'strings must not contain NUL (\\u0000) characters';
  return { value };
}

/** The deepest nesting of arrays and objects, counted without parsing (strings skipped). */
function maxDepth(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  }
  return false;
}

/** A NUL byte anywhere in the path or query (`%00`): refused before any route sees it. */
export function refuseNulInUrl(req: Request, res: Response, next: NextFunction): void {
  if (/%00/i.test(req.originalUrl) || req.originalUrl.includes(String.fromCharCode(0))) {
    return refuse(res, 400, 'the path or query contains a NUL (%00) character');
  }
  next();
}

const ERRORS: Record<number, string> = {
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

function refuse(res: Response, status: number, message: string): void {
  res.status(status).json({ statusCode: status, error: ERRORS[status] ?? 'Bad Request', message });
}
