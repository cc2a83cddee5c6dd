import type { PtsCipher } from './pts-cipher.js';
import type { PtsMessageSpec } from './pts-fields.js';
import {
  isLosslessNumber,
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
import { PtsDecryptionError, PtsError, PtsProtocolError } from '../errors/pts-error.js';

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

/** Builds a `{code, message, data}` answer the way the gateway does. */
export function ptsResponseBody(code: string, message: string, data?: PtsJsonValue): string {
  return stringifyPtsJson(data === undefined ? { code, message } : { code, message, data });
}

/**
 * A5: plain JSON `{code, message, data}`; when not JSON, try to decrypt it with the safecode and
 * parse again; HTML/JavaScript (payment Redirect/HTML styles) is returned as `html`.
 */
export function parsePtsResponse(
  text: string,
  cipher: PtsCipher | undefined,
  httpStatus?: number,
): PtsResponseEnvelope | PtsHtmlResponse {
  const trimmed = text.trim();
  if (trimmed.startsWith('<') || /^\s*(window\.|location\.|document\.)/.test(trimmed)) {
    return { kind: 'html', html: text };
  }
  let object: PtsJsonObject | undefined;
  let wasEncrypted = false;
  try {
    object = parsePtsJsonObject(trimmed);
  } catch (plainError) {
    if (cipher) {
      try {
        object = parsePtsJsonObject(cipher.decrypt(trimmed));
        wasEncrypted = true;
      } catch (error) {
        if (!(error instanceof PtsError)) throw error;
      }
    }
    if (!object) {
      throw new PtsProtocolError(
        plainError instanceof PtsDecryptionError ? plainError.code : 'not_an_envelope',
        `PTS answered${httpStatus ? ` HTTP ${httpStatus}` : ''} with a body that is neither JSON nor an encrypted envelope: ${preview(trimmed)}`,
        httpStatus,
      );
    }
  }
  const code = object.code;
  const codeText = typeof code === 'string' ? code : isLosslessNumber(code) ? code.value : '';
  if (!/^\d{4}$/.test(codeText)) {
    throw new PtsProtocolError(
      'not_an_envelope',
      `PTS answered${httpStatus ? ` HTTP ${httpStatus}` : ''} with JSON that has no 4-digit \`code\`: ${preview(trimmed)}`,
      httpStatus,
    );
  }
  const message = typeof object.message === 'string' ? object.message : '';
  return { kind: 'envelope', code: codeText, message, data: object.data, wasEncrypted };
}

/** First bytes of a body for an error message, with anything that looks like a secret cut. */
function preview(text: string): string {
  const cut = text.slice(0, 80).replace(/("(?:sign|access_token|token)"\s*:\s*")[^"]*/g, '$1…');
  return JSON.stringify(cut + (text.length > 80 ? '…' : ''));
}
