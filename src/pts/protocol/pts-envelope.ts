import type { PtsCipher } from './pts-cipher.js';
import type { PtsMessageSpec } from './pts-fields.js';
import {
  isLosslessNumber,
  isPtsJsonObject,
  parsePtsJsonObject,
  stringifyPtsJson,
  type PtsJsonObject,
  type PtsJsonValue,
} from './pts-json.js';
import type { PtsSigner } from './pts-signer.js';
import {
  ptsTransactionSignature,
  type PtsTransactionSignatureOver,
} from './pts-transaction-signature.js';
import { PtsError, PtsProtocolError } from '../errors/pts-error.js';

export const PTS_TRANSACTION_SIGNATURE_HEADER = 'X-Transaction-Signature';

export interface PtsSealOptions {
  spec: PtsMessageSpec;
  signer: PtsSigner;
  cipher: PtsCipher;
  /** v2: the transaction secret for `X-Transaction-Signature`. */
  transactionSecret?: string;
  transactionSignatureOver?: PtsTransactionSignatureOver;
  /** v1: `{token_type} {access_token}`. */
  authorization?: string;
}

export interface PtsSealedRequest {
  /** The whole HTTP body: base64 of the AES ciphertext (A2.4). */
  body: string;
  headers: Record<string, string>;
  /** The signed JSON before encryption; contains `sign`, so never log it whole. */
  plaintext: string;
}

/** A2 steps 1-5: sign, serialise, encrypt, base64, headers. */
export function sealPtsRequest(
  fields: Record<string, unknown>,
  options: PtsSealOptions,
): PtsSealedRequest {
  const signed = options.spec.hasSign ? options.signer.signMessage(options.spec, fields) : fields;
  const plaintext = stringifyPtsJson(signed);
  const body = options.cipher.encrypt(plaintext);
  const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
  if (options.transactionSecret !== undefined) {
    const over = options.transactionSignatureOver ?? 'body';
    headers[PTS_TRANSACTION_SIGNATURE_HEADER] = ptsTransactionSignature(
      options.transactionSecret,
      over === 'body' ? body : plaintext,
    );
  }
  if (options.authorization !== undefined) {
    headers.Authorization = options.authorization;
  }
  return { body, headers, plaintext };
}

/** The gateway's side of A2: base64 -> AES -> JSON object (numbers kept as text). */
export function openPtsRequest(
  body: string,
  cipher: PtsCipher,
): { plaintext: string; message: PtsJsonObject } {
  const plaintext = cipher.decrypt(body);
  return { plaintext, message: parsePtsJsonObject(plaintext) };
}

export interface PtsResponseEnvelope {
  kind: 'envelope';
  code: string;
  message: string;
  data: PtsJsonValue | undefined;
  /** True when the body had to be decrypted first (A5). */
  wasEncrypted: boolean;
}

export interface PtsHtmlResponse {
  /** B 1.3: the Redirect or HTML response style; handed to the caller verbatim. */
  kind: 'html';
  html: string;
}

export interface PtsRedirectResponse {
  /** An HTTP 3xx with `Location` (A5): the payer is sent there, as with a `pay_url`. */
  kind: 'redirect';
  location: string;
}

/** What came with the body: the HTTP status and the headers A5 honours. */
export interface PtsResponseMeta {
  status?: number;
  contentType?: string;
  location?: string;
}

/** Builds a `{code, message, data}` answer the way the gateway does. */
export function ptsResponseBody(code: string, message: string, data?: PtsJsonValue): string {
  return stringifyPtsJson(data === undefined ? { code, message } : { code, message, data });
}

/** Media types that announce a page or a script rather than an envelope. */
const PAGE_MEDIA_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/ecmascript',
  'application/ecmascript',
]);

/**
 * Script that sends a browser somewhere (`location = `, `location.href = `, `.replace(`,
 * `.assign(`, `window.open(`, `document.write(`, `document.forms`, `.submit()`), for answers
 * whose Content-Type says nothing useful. Prose that merely mentions a location does not count.
 */
const NAVIGATING_SCRIPT_RE =
  /\blocation\s*(?:=(?!=)|\.\s*(?:href\s*=(?!=)|replace\s*\(|assign\s*\())|\bwindow\.open\s*\(|\bdocument\.(?:write\s*\(|forms\b)|\.submit\s*\(\s*\)/;

/**
 * A5: plain JSON `{code, message, data}`; when not JSON, try to decrypt it with the safecode and
 * parse again. An envelope counts whatever the HTTP status. Otherwise (docs/gateway-answers.md):
 * a 3xx with `Location` is a `redirect`; a 2xx page or script (by its `Content-Type`, or a body
 * that starts with `<` or navigates the browser) is the payment Redirect/HTML style, `html`; and
 * anything else, above all a 4xx/5xx page from a proxy or firewall, is a `PtsProtocolError`
 * carrying the HTTP status, never an acceptance.
 */
export function parsePtsResponse(
  text: string,
  cipher: PtsCipher | undefined,
  meta: PtsResponseMeta = {},
): PtsResponseEnvelope | PtsHtmlResponse | PtsRedirectResponse {
  const { status } = meta;
  const at = status ? ` HTTP ${status}` : '';
  if (status !== undefined && status >= 300 && status < 400) {
    if (meta.location) return { kind: 'redirect', location: meta.location };
    throw new PtsProtocolError({
      code: 'not_an_envelope',
      message: `PTS answered${at} without a \`Location\` header: ${preview(text.trim())}`,
      httpStatus: status,
    });
  }
  const trimmed = text.trim();
  let object: PtsJsonObject | undefined;
  let wasEncrypted = false;
  try {
    object = parsePtsJsonObject(trimmed);
  } catch {
    if (cipher && !trimmed.startsWith('<')) {
      try {
        object = parsePtsJsonObject(cipher.decrypt(trimmed));
        wasEncrypted = true;
      } catch (decryptError) {
        if (!(decryptError instanceof PtsError)) throw decryptError;
      }
    }
  }
  if (!object) {
    const success = status === undefined || (status >= 200 && status < 300);
    if (success && looksLikePage(trimmed, meta.contentType)) return { kind: 'html', html: text };
    throw new PtsProtocolError({
      code: 'not_an_envelope',
      message: `PTS answered${at} with a body that is neither JSON nor an encrypted envelope${success ? '' : ' (an error page is no acceptance)'}: ${preview(trimmed)}`,
      httpStatus: status,
    });
  }
  const code = object.code;
  const codeText = typeof code === 'string' ? code : isLosslessNumber(code) ? code.value : '';
  if (!/^\d{4}$/.test(codeText)) {
    throw new PtsProtocolError({
      code: 'not_an_envelope',
      message: `PTS answered${at} with JSON that has no 4-digit \`code\`: ${preview(trimmed)}`,
      httpStatus: status,
    });
  }
  const message = typeof object.message === 'string' ? object.message : '';
  return { kind: 'envelope', code: codeText, message, data: object.data, wasEncrypted };
}

function looksLikePage(body: string, contentType: string | undefined): boolean {
  const media = contentType?.split(';')[0].trim().toLowerCase();
  if (media && PAGE_MEDIA_TYPES.has(media)) return true;
  return body.startsWith('<') || NAVIGATING_SCRIPT_RE.test(body);
}

/**
 * A6: a callback is the flat field set, or (as the gateway documentation says callbacks follow
 * the response format) `{code, message, data: {...}}`. A body with `code`, an object `data` and
 * no top-level `user_id` is read as its `data`; the signature is over `data`'s fields.
 */
export function unwrapPtsCallback(body: PtsJsonObject): {
  message: PtsJsonObject;
  wrapped: boolean;
} {
  const data = body.data;
  if (body.user_id === undefined && body.code !== undefined && isPtsJsonObject(data)) {
    return { message: data, wrapped: true };
  }
  return { message: body, wrapped: false };
}

/** First bytes of a body for an error message, with anything that looks like a secret cut. */
function preview(text: string): string {
  const cut = text.slice(0, 80).replace(/("(?:sign|access_token|token)"\s*:\s*")[^"]*/g, '$1…');
  return JSON.stringify(cut + (text.length > 80 ? '…' : ''));
}
