import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { PtsError, PtsProtocolError } from '../errors/pts-error.js';
import { PtsMetrics } from '../metrics/pts-metrics.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { ptsEndpointPath, ptsEndpointSpec, ptsMessageSpec } from '../protocol/pts-fields.js';
import {
  isLosslessNumber,
  isPtsJsonObject,
  stringifyPtsJson,
  type PtsJsonObject,
} from '../protocol/pts-json.js';
import { validatePtsMessage } from '../protocol/pts-message.js';
import { ptsTokenHash } from '../protocol/pts-transaction-signature.js';
import { PtsAccessTokenEntity } from './pts-access-token.entity.js';
import { withPtsRetry } from './pts-retry.js';
import { PtsTransport } from './pts-transport.js';

/**
 * Lifetime assumed when PTS gives a token neither `expires_in` nor a future `expires_at` (B 8.16:
 * the docs only say the token "keeps living until the expire time provided in the response").
 */
export const PTS_ASSUMED_TOKEN_LIFETIME_SECONDS = 3600;

interface PtsCachedToken {
  /** `{token_type} {access_token}`: a secret. */
  authorization: string;
  /** Epoch ms after which the token should no longer be used. */
  refreshAt: number;
  /** Epoch ms when it was fetched from PTS (by whichever instance). */
  fetchedAt: number;
}

/** A token PTS refused (1012/1016), and when the refused request was sent. */
interface PtsRejectedToken {
  authorization: string;
  sentAt: number;
}

/**
 * v1 access tokens (A1, B 3), shared by every instance through PostgreSQL (A9).
 *
 * Single flight at two levels: in one process, one promise per account; across processes, a
 * transaction-scoped advisory lock around "re-read the row, fetch only if it is still stale,
 * store". Fifty callers needing a token at once therefore cause one fetch in all.
 */
@Injectable()
export class PtsAccessTokens {
  private readonly logger = new Logger('PtsClient');
  private readonly memory = new Map<string, PtsCachedToken>();
  private readonly inFlight = new Map<string, Promise<PtsCachedToken>>();

  constructor(
    private readonly transport: PtsTransport,
    private readonly settings: PtsSettings,
    private readonly metrics: PtsMetrics,
    /** The host's DataSource (`TypeOrmModule.forRoot` with `PTS_ENTITIES`). */
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The `Authorization` header value for a v1 account, fetching a token when needed. */
  async authorization(account: PtsAccount, timeoutMs: number): Promise<string> {
    const cached = this.memory.get(tokenKey(account));
    if (cached && Date.now() < cached.refreshAt) return cached.authorization;
    return this.load(account, undefined, timeoutMs);
  }

  /**
   * PTS refused the token of a request sent at `sentAt` (1012/1016). Returns a token fetched
   * after that moment: the one another caller or instance already fetched if there is one,
   * otherwise a new one. A token merely different from the refused one is not enough: PTS may
   * have revoked every token issued before some moment, and an older one would fail as well.
   */
  async refresh(
    account: PtsAccount,
    rejected: string,
    sentAt: number,
    timeoutMs: number,
  ): Promise<string> {
    const key = tokenKey(account);
    const refused: PtsRejectedToken = { authorization: rejected, sentAt };
    const cached = this.memory.get(key);
    if (cached && usable(cached, refused)) return cached.authorization;
    if (cached) this.memory.delete(key);
    return this.load(account, refused, timeoutMs);
  }

  private async load(
    account: PtsAccount,
    rejected: PtsRejectedToken | undefined,
    timeoutMs: number,
  ): Promise<string> {
    const key = tokenKey(account);
    // A flight that was already under way when the token was refused may bring back a token
    // that is no better; then one more flight, which knows of the refusal, settles it.
    for (let round = 0; round < 2; round++) {
      let flight = this.inFlight.get(key);
      if (!flight) {
        const started = this.loadShared(account, rejected, timeoutMs);
        flight = started.finally(() => {
          if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
        });
        this.inFlight.set(key, flight);
      }
      const token = await flight;
      // Just fetched or checked under the lock: only the refusal matters, not the clock.
      if (usable(token, rejected, false)) return token.authorization;
    }
    throw new PtsProtocolError({
      code: 'token_not_renewed',
      message: `PTS kept handing out the access token it had just refused (account "${account.name}")`,
    });
  }

  private async loadShared(
    account: PtsAccount,
    rejected: PtsRejectedToken | undefined,
    timeoutMs: number,
  ): Promise<PtsCachedToken> {
    const token = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `pts_access_token|${tokenKey(account)}`,
      ]);
      const stored = await this.read(manager, account);
      if (stored && usable(stored, rejected)) return stored;
      return this.fetchAndStore(manager, account, timeoutMs);
    });
    this.memory.set(tokenKey(account), token);
    return token;
  }

  private async read(
    manager: EntityManager,
    account: PtsAccount,
  ): Promise<PtsCachedToken | undefined> {
    const row = await manager.findOne(PtsAccessTokenEntity, {
      where: { baseUrl: account.baseUrl, userId: account.userId },
    });
    if (!row) return undefined;
    let accessToken: string;
    try {
      accessToken = account.cipher.decrypt(row.accessTokenSealed);
    } catch (error) {
      // Sealed under another safecode (rotated): as good as absent, fetch a new one.
      if (error instanceof PtsError) return undefined;
      throw error;
    }
    return {
      authorization: `${row.tokenType} ${accessToken}`,
      refreshAt: this.refreshAt(row.fetchedAt.getTime(), row.expiresAt.getTime()),
      fetchedAt: row.fetchedAt.getTime(),
    };
  }

  private refreshAt(fetchedAt: number, expiresAt: number): number {
    // Never spend more than half a short-lived token's life waiting for the margin.
    const margin = Math.min(
      this.settings.tokenRefreshMarginSeconds * 1000,
      Math.max(0, expiresAt - fetchedAt) / 2,
    );
    return expiresAt - margin;
  }

  private async fetchAndStore(
    manager: EntityManager,
    account: PtsAccount,
    timeoutMs: number,
  ): Promise<PtsCachedToken> {
    const fetchedAt = Date.now();
    const randomCode = await this.call(
      account,
      'randomCode',
      { user_id: account.userId },
      timeoutMs,
    );
    const answer = await this.call(
      account,
      'token',
      {
        user_id: account.userId,
        hash: ptsTokenHash(stringField(randomCode, 'code'), account.userId, account.safecode),
      },
      timeoutMs,
    );
    const tokenType = stringField(answer, 'token_type');
    const accessToken = stringField(answer, 'access_token');
    const expiresAt = tokenExpiry(answer, fetchedAt);
    if (expiresAt.assumed) {
      this.logger.warn(
        `PTS gave the access token of account "${account.name}" no usable expires_in/expires_at; assuming ${PTS_ASSUMED_TOKEN_LIFETIME_SECONDS} s`,
      );
    }
    await manager.upsert(
      PtsAccessTokenEntity,
      {
        baseUrl: account.baseUrl,
        userId: account.userId,
        tokenType,
        accessTokenSealed: account.cipher.encrypt(accessToken),
        expiresAt: new Date(expiresAt.at),
        fetchedAt: new Date(fetchedAt),
      },
      ['baseUrl', 'userId'],
    );
    this.metrics.recordTokenRefresh(account.name);
    this.logger.log(
      `Fetched a v1 access token for account "${account.name}", valid until ${new Date(expiresAt.at).toISOString()}`,
    );
    return {
      authorization: `${tokenType} ${accessToken}`,
      refreshAt: this.refreshAt(fetchedAt, expiresAt.at),
      fetchedAt,
    };
  }

  /** B 3: the two token calls are plain JSON, unsigned, unencrypted; idempotent, so retried. */
  private async call(
    account: PtsAccount,
    endpoint: 'randomCode' | 'token',
    fields: Record<string, string>,
    timeoutMs: number,
  ): Promise<PtsJsonObject> {
    const spec = ptsEndpointSpec(account.apiVersion, endpoint);
    const body = stringifyPtsJson(fields);
    return withPtsRetry(
      this.settings.retry,
      async () => {
        const result = await this.transport.exchange({
          account,
          endpoint,
          path: ptsEndpointPath(spec),
          body,
          headers: { 'Content-Type': 'application/json' },
          timeoutMs,
          hasEffect: false,
        });
        const data = result.kind === 'envelope' ? result.data : undefined;
        if (!isPtsJsonObject(data)) {
          throw new PtsProtocolError({
            code: 'unexpected_answer',
            message: `PTS answered ${endpoint} without a data object (account "${account.name}")`,
            httpStatus: result.httpStatus,
          });
        }
        validatePtsMessage(ptsMessageSpec(account.apiVersion, spec.response), data);
        return data;
      },
      (error, attempt, delayMs) =>
        this.logger.warn(
          `PTS ${endpoint} for account "${account.name}" failed (${describeError(error)}); attempt ${attempt + 1} in ${delayMs} ms`,
        ),
    );
  }
}

/** Not about to expire, and (after a refusal) fetched after the refused request was sent. */
function usable(
  token: PtsCachedToken,
  rejected: PtsRejectedToken | undefined,
  checkExpiry = true,
): boolean {
  if (checkExpiry && Date.now() >= token.refreshAt) return false;
  if (!rejected) return true;
  return token.authorization !== rejected.authorization && token.fetchedAt >= rejected.sentAt;
}

function tokenKey(account: PtsAccount): string {
  return `${account.baseUrl}|${account.userId}`;
}

/** `expires_in` first (immune to clock skew between us and PTS), then `expires_at`, else 3600 s. */
function tokenExpiry(answer: PtsJsonObject, fetchedAt: number): { at: number; assumed: boolean } {
  const expiresIn = integerOf(answer.expires_in);
  if (expiresIn !== undefined && expiresIn > 0)
    return { at: fetchedAt + expiresIn * 1000, assumed: false };
  const expiresAt = integerOf(answer.expires_at);
  // An expiry already past by our clock is clock skew, not a dead token: assume instead.
  if (expiresAt !== undefined && expiresAt * 1000 > fetchedAt) {
    return { at: expiresAt * 1000, assumed: false };
  }
  return { at: fetchedAt + PTS_ASSUMED_TOKEN_LIFETIME_SECONDS * 1000, assumed: true };
}

function integerOf(value: unknown): number | undefined {
  const text = isLosslessNumber(value) ? value.value : value;
  return typeof text === 'string' && /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/** A field `validatePtsMessage` has already checked to be a non-empty string. */
function stringField(data: PtsJsonObject, key: string): string {
  const value = data[key];
  if (typeof value !== 'string') throw new Error(`unreachable: ${key} was validated as a string`);
  return value;
}

export function describeError(error: unknown): string {
  if (error instanceof PtsError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : 'unknown error';
}
