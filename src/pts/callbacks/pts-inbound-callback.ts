import type { PtsCallbackKind, PtsCallbackOutcome } from './pts-callback.entity.js';
import type { PtsRawBody } from './pts-raw-body.js';

/** A callback (or withdraw confirmation) as it reached us. */
export interface PtsInboundCallback {
  kind: PtsCallbackKind;
  body: PtsRawBody;
  remoteAddress?: string;
  /** Headers worth keeping (content type, user agent, forwarded-for); never authorisation. */
  headers: Record<string, string>;
  replayOf?: string;
  /**
   * Refused before its body was read (a sender `callbackAllowedIps` does not allow): stored
   * without a body and answered with this status (docs/hardening.md, section 1).
   */
  refused?: { httpStatus: number; reason: string };
}

/** What to answer and what was recorded. */
export interface PtsCallbackVerdict {
  callbackId?: string;
  outcome: PtsCallbackOutcome;
  reason?: string;
  httpStatus: number;
  contentType: 'text/plain' | 'application/json';
  body: string;
}

const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-forwarded-for',
  'x-real-ip',
  'content-length',
];

/** Headers of interest from a request, lower-cased; nothing that could hold a credential. */
export function keptCallbackHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined)
      kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 256);
  }
  return kept;
}
