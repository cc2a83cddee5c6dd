import { createSign, createVerify, KeyObject } from 'node:crypto';
import { PtsConfigurationError, PtsSignatureError } from '../errors/pts-error.js';
import type { PtsMessageSpec } from './pts-fields.js';
import { parsePtsPrivateKey, parsePtsPublicKey, type PtsKeyInput } from './pts-keys.js';
import {
  buildMessageSignString,
  type PtsNullRendering,
  type PtsNumberRendering,
} from './pts-sign-string.js';

export interface PtsSignerOptions {
  /** Our private key: the merchant key on the merchant side, the gateway key in the sandbox. */
  privateKey?: PtsKeyInput;
  /** The other side's public key, used to verify what it signs. */
  publicKey?: PtsKeyInput;
  /** Appended to every sign string (A3). */
  safecode: string;
  nullRendering?: PtsNullRendering;
  /** Option names for error messages, e.g. `accounts[0].merchantPrivateKey`. */
  optionNames?: { privateKey?: string; publicKey?: string };
}

export interface PtsVerification {
  /** Which number rendering verified (A4); recorded with callbacks. */
  rendering: PtsNumberRendering;
  /** The sign string that verified, safecode included: never log it whole. */
  signString: string;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * SHA256withRSA `sign` over PTS sign strings (A3, A4). Keys are parsed once, here; the same
 * class signs for the merchant (client, withdraw confirmation) and for the sandbox gateway.
 */
export class PtsSigner {
  private readonly privateKey?: KeyObject;
  private readonly publicKey?: KeyObject;
  private readonly safecode: string;
  private readonly nullRendering: PtsNullRendering;

  constructor(options: PtsSignerOptions) {
    this.privateKey =
      options.privateKey === undefined
        ? undefined
        : parsePtsPrivateKey(options.privateKey, options.optionNames?.privateKey);
    this.publicKey =
      options.publicKey === undefined
        ? undefined
        : parsePtsPublicKey(options.publicKey, options.optionNames?.publicKey);
    this.safecode = options.safecode;
    this.nullRendering = options.nullRendering ?? 'empty';
  }

  /** The A3 sign string of a message (safecode included). */
  signString(
    spec: PtsMessageSpec,
    fields: Readonly<Record<string, unknown>>,
    numberRendering: PtsNumberRendering = 'raw',
    absentRequired: 'refuse' | 'empty' = 'refuse',
  ): string {
    return buildMessageSignString(spec, fields, this.safecode, {
      nullRendering: this.nullRendering,
      numberRendering,
      absentRequired,
    });
  }

  /** Signs a raw sign string; standard base64. */
  signRaw(signString: string): string {
    if (!this.privateKey) {
      throw new PtsConfigurationError({
        code: 'no_private_key',
        message: 'PTS: this signer has no private key, so it can only verify',
      });
    }
    return createSign('sha256').update(signString, 'utf8').sign(this.privateKey, 'base64');
  }

  /** Verifies a base64 signature over a raw sign string. Bad base64 is simply "no". */
  verifyRaw(signString: string, signature: string): boolean {
    if (!this.publicKey) {
      throw new PtsConfigurationError({
        code: 'no_public_key',
        message: 'PTS: this signer has no public key, so it can only sign',
      });
    }
    if (!BASE64_RE.test(signature) || signature.length % 4 !== 0) return false;
    return createVerify('sha256')
      .update(signString, 'utf8')
      .verify(this.publicKey, Buffer.from(signature, 'base64'));
  }

  /** The `sign` value for a message. */
  sign(spec: PtsMessageSpec, fields: Readonly<Record<string, unknown>>): string {
    return this.signRaw(this.signString(spec, fields));
  }

  /** The message with its `sign` added. */
  signMessage<T extends Record<string, unknown>>(
    spec: PtsMessageSpec,
    fields: T,
  ): T & { sign: string } {
    return { ...fields, sign: this.sign(spec, fields) };
  }

  /**
   * Verifies the `sign` field of a received message (A4): numbers as received first, then
   * PHP's float rendering once (only where it is the same decimal). A signed field that is
   * null, "" or absent renders as `key=` (A3, A5): the signature decides, and what the message
   * must carry is judged after. Throws `PtsSignatureError` when neither rendering verifies.
   */
  verify(spec: PtsMessageSpec, fields: Readonly<Record<string, unknown>>): PtsVerification {
    const signature = fields.sign;
    if (typeof signature !== 'string' || signature.length === 0) {
      throw new PtsSignatureError({
        code: 'missing_sign',
        message: 'the message has no `sign` field',
        field: 'sign',
      });
    }
    const raw = this.signString(spec, fields, 'raw', 'empty');
    if (this.verifyRaw(raw, signature)) return { rendering: 'raw', signString: raw };
    const php = this.signString(spec, fields, 'php-float', 'empty');
    if (php !== raw && this.verifyRaw(php, signature)) {
      return { rendering: 'php-float', signString: php };
    }
    throw new PtsSignatureError({
      code: 'signature_mismatch',
      message: `the \`sign\` of this ${spec.name} does not verify with the configured public key`,
      field: 'sign',
    });
  }
}
