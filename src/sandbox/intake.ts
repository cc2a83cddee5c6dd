import type { IncomingMessage } from 'node:http';
import { openPtsRequest } from '../pts/protocol/pts-envelope.js';
import {
  ptsEndpointSpec,
  ptsMessageSpec,
  type PtsMessageSpec,
} from '../pts/protocol/pts-fields.js';
import { parsePtsJsonObject, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../pts/protocol/pts-message.js';
import { verifyPtsTransactionSignature } from '../pts/protocol/pts-transaction-signature.js';
import {
  PtsDecryptionError,
  PtsMalformedMessageError,
  PtsSignatureError,
} from '../pts/errors/pts-error.js';
import { PtsSandboxRefusal } from './error.js';
import type { PtsSandboxRequestRecord, PtsSandboxRoute } from './gateway.js';
import {
  mediaType,
  PTS_SANDBOX_BODY_LIMIT_BYTES,
  PtsSandboxBodyTooLarge,
  readRequestBody,
} from './http.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import { checkFields, idText } from './request-fields.js';
import type { PtsSandboxStore } from './store.js';

/** A merchant request the gateway accepted: whose it is and what it says. */
export interface PtsSandboxIntakeResult {
  account: PtsSandboxAccount;
  message: PtsJsonObject;
  /** False for the v1 token calls (plain JSON, no `sign`). */
  sealed: boolean;
}

/**
 * Reads what a merchant sends as strictly as the gateway does (docs/protocol.md, Part B):
 * method, `Content-Type`, body size, the merchant (GUID or v1 access token), HMAC, decryption,
 * the field tables, `user_id`, `sign` and the v2 timestamp window. Each refusal is a
 * `PtsSandboxRefusal` carrying the envelope code listed in src/sandbox/README.md.
 */
export class PtsSandboxIntake {
  private readonly byGuid = new Map<string, PtsSandboxAccount>();
  private readonly byUserId = new Map<string, PtsSandboxAccount>();

  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly store: Pick<PtsSandboxStore, 'findToken'>,
  ) {
    for (const account of settings.accounts) {
      this.byGuid.set(account.guid, account);
      this.byUserId.set(account.userId, account);
    }
  }

  account(userId: string): PtsSandboxAccount | undefined {
    return this.byUserId.get(userId);
  }

  /** Reads, opens and checks one request; notes the merchant and order on `record`. */
  async read(
    req: IncomingMessage,
    route: PtsSandboxRoute,
    record: PtsSandboxRequestRecord,
  ): Promise<PtsSandboxIntakeResult> {
    if (req.method !== 'POST') {
      throw PtsSandboxRefusal.fromCode(
        '1020',
        `${route.endpoint} accepts POST only, got ${req.method}`,
      );
    }
    let raw: Buffer;
    try {
      raw = await readRequestBody(req, PTS_SANDBOX_BODY_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PtsSandboxBodyTooLarge)
        throw PtsSandboxRefusal.fromCode('1020', error.message);
      throw error;
    }
    const endpointSpec = ptsEndpointSpec(route.version, route.endpoint);
    const requestSpec = ptsMessageSpec(route.version, endpointSpec.request);
    if (!endpointSpec.encrypted) return this.readTokenCall(req, requestSpec, raw, record);

    let account: PtsSandboxAccount;
    if (route.version === 'v2') {
      const found = this.byGuid.get(route.guid ?? '');
      if (!found) throw PtsSandboxRefusal.fromCode('1009', 'no merchant has this GUID');
      account = found;
      record.userId = account.userId;
      requireMediaType(req, 'text/plain');
    } else {
      requireMediaType(req, 'text/plain');
      account = this.authorize(req);
      record.userId = account.userId;
    }

    const body = raw.toString('utf8');
    const hmacOver = account.transactionSignatureOver;
    if (route.version === 'v2' && hmacOver === 'body') checkHmac(req, account, body);
    let opened: { plaintext: string; message: PtsJsonObject };
    try {
      opened = openPtsRequest(body, account.cipher);
    } catch (error) {
      if (error instanceof PtsDecryptionError) {
        throw PtsSandboxRefusal.fromCode('1017', error.message);
      }
      if (error instanceof PtsMalformedMessageError) {
        throw PtsSandboxRefusal.fromCode('1001', error.message);
      }
      throw error;
    }
    if (route.version === 'v2' && hmacOver === 'plaintext') {
      checkHmac(req, account, opened.plaintext);
    }
    const message = opened.message;
    if (typeof message.order_id === 'string') record.orderId = message.order_id;

    checkFields(requestSpec, message);
    if (idText(message.user_id) !== account.userId) {
      throw PtsSandboxRefusal.fromCode(
        '1009',
        route.version === 'v2'
          ? '`user_id` does not belong to the merchant of this GUID'
          : '`user_id` does not belong to the merchant of this access token',
      );
    }
    try {
      account.signer.verify(requestSpec, message);
    } catch (error) {
      if (error instanceof PtsSignatureError) {
        throw PtsSandboxRefusal.fromCode(
          '1010',
          '`sign` does not verify with the merchant public key over the signed fields',
        );
      }
      throw error;
    }
    if (route.version === 'v2') this.checkTimestamp(message.timestamp);
    return { account, message, sealed: true };
  }

  /** v1 `/merchant/random_code` and `/merchant/token`: plain JSON, no sign (B 3). */
  private readTokenCall(
    req: IncomingMessage,
    spec: PtsMessageSpec,
    raw: Buffer,
    record: PtsSandboxRequestRecord,
  ): PtsSandboxIntakeResult {
    requireMediaType(req, 'application/json');
    let message: PtsJsonObject;
    try {
      message = parsePtsJsonObject(raw.toString('utf8'));
      validatePtsMessage(spec, message);
    } catch (error) {
      if (error instanceof PtsMalformedMessageError) {
        throw PtsSandboxRefusal.fromCode('1001', error.message);
      }
      throw error;
    }
    const account = this.byUserId.get(idText(message.user_id) ?? '');
    if (!account) throw PtsSandboxRefusal.fromCode('1009', 'no merchant has this `user_id`');
    record.userId = account.userId;
    return { account, message, sealed: false };
  }

  /** v1 transaction calls: `Authorization: {token_type} {access_token}` (B 3). */
  private authorize(req: IncomingMessage): PtsSandboxAccount {
    const header = req.headers.authorization;
    if (!header) throw PtsSandboxRefusal.fromCode('1012', 'the Authorization header is missing');
    const match = /^(\S+) +(\S+)$/.exec(header.trim());
    if (!match || match[1].toLowerCase() !== 'bearer') {
      throw PtsSandboxRefusal.fromCode('1012', 'Authorization must be `Bearer {access_token}`');
    }
    const token = this.store.findToken(match[2]);
    if (!token) throw PtsSandboxRefusal.fromCode('1012', 'the access token is unknown');
    if (token.expired) throw PtsSandboxRefusal.fromCode('1016', 'the access token has expired');
    const account = this.byUserId.get(token.userId);
    if (!account) throw PtsSandboxRefusal.fromCode('1012', 'the access token is unknown');
    return account;
  }

  private checkTimestamp(value: unknown): void {
    const timestamp = Number(idText(value));
    const skew = Math.abs(Date.now() / 1000 - timestamp);
    const tolerance = this.settings.timestampToleranceSeconds;
    if (!(skew <= tolerance)) {
      throw PtsSandboxRefusal.fromCode(
        '1020',
        `\`timestamp\` is ${Math.round(skew)} s away from the gateway clock (allowed: ${tolerance} s)`,
      );
    }
  }
}

function checkHmac(req: IncomingMessage, account: PtsSandboxAccount, message: string): void {
  const header = req.headers['x-transaction-signature'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) {
    throw PtsSandboxRefusal.fromCode('1009', 'the X-Transaction-Signature header is missing');
  }
  if (!verifyPtsTransactionSignature(account.merchant.transactionSecret, message, value)) {
    throw PtsSandboxRefusal.fromCode(
      '1009',
      `X-Transaction-Signature does not match the HMAC of the ${account.transactionSignatureOver === 'body' ? 'request body' : 'request plaintext'}`,
    );
  }
}

function requireMediaType(req: IncomingMessage, wanted: string): void {
  const given = mediaType(req.headers['content-type']);
  if (given !== wanted) {
    throw PtsSandboxRefusal.fromCode(
      '1020',
      `Content-Type must be ${wanted}, got ${given || 'none'}`,
    );
  }
}
