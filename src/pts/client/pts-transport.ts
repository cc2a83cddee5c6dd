import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { PtsError, PtsNetworkError, PtsTimeoutError } from '../errors/pts-error.js';
import { PtsMetrics } from '../metrics/pts-metrics.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { PTS_SUCCESS_CODE } from '../protocol/pts-codes.js';
import {
  parsePtsResponse,
  type PtsHtmlResponse,
  type PtsRedirectResponse,
  type PtsResponseEnvelope,
} from '../protocol/pts-envelope.js';
import type { PtsEndpointName } from '../protocol/pts-fields.js';

export interface PtsHttpRequest {
  account: PtsAccount;
  endpoint: PtsEndpointName;
  /** Path below the account's base URL. */
  path: string;
  /** Sent byte for byte: the v2 HMAC covers exactly this text. */
  body: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  /**
   * True for payment and withdraw creation: once the request may have left, a failure leaves
   * the outcome unknown (A8).
   */
  hasEffect: boolean;
}

export interface PtsHttpResponse {
  status: number;
  text: string;
  /** The `Content-Type` header, as sent. */
  contentType?: string;
  /** The `Location` header resolved against the request URL (redirects are not followed). */
  location?: string;
}

/**
 * A successful exchange: a `1000` envelope, or (payments only) the Redirect/HTML style as a page
 * or script with a 2xx status, or a 3xx redirect (A5).
 */
export type PtsExchangeResult = (PtsResponseEnvelope | PtsHtmlResponse | PtsRedirectResponse) & {
  httpStatus: number;
};

/** Errors that mean the connection was never made, so the request cannot have reached PTS. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ERR_INVALID_URL',
]);

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * One HTTP POST to PTS through `@nestjs/axios`: the body verbatim, any status accepted (the
 * envelope decides), and a hard deadline. Axios' own `timeout` watches the socket; the abort
 * signal bounds the whole exchange, so a gateway that trickles bytes still fails in time.
 */
@Injectable()
export class PtsTransport {
  constructor(
    private readonly http: HttpService,
    private readonly metrics: PtsMetrics,
  ) {}

  /**
   * Sends one request and reads the answer per A5: a `1000` envelope or HTML is returned, any
   * other envelope code becomes a `PtsGatewayError` (one factory), anything else a
   * `PtsProtocolError` carrying the HTTP status. Every exchange is counted in `PtsMetrics`.
   */
  async exchange(request: PtsHttpRequest): Promise<PtsExchangeResult> {
    const started = performance.now();
    // The label of pts_requests_total: envelope code, html, http_<status>, timeout or network.
    let outcome = 'network';
    try {
      const response = await this.post(request);
      outcome = `http_${response.status}`;
      const parsed = parsePtsResponse(response.text, request.account.cipher, response);
      if (parsed.kind !== 'envelope') {
        outcome = parsed.kind;
        return { ...parsed, httpStatus: response.status };
      }
      outcome = parsed.code;
      if (parsed.code !== PTS_SUCCESS_CODE) {
        throw PtsError.fromGatewayAnswer(parsed, response.status);
      }
      return { ...parsed, httpStatus: response.status };
    } catch (error) {
      if (error instanceof PtsTimeoutError) outcome = 'timeout';
      else if (error instanceof PtsNetworkError) outcome = 'network';
      throw error;
    } finally {
      this.metrics.recordRequest(
        request.account.name,
        request.endpoint,
        outcome,
        (performance.now() - started) / 1000,
      );
    }
  }

  async post(request: PtsHttpRequest): Promise<PtsHttpResponse> {
    const controller = new AbortController();
    let deadlinePassed = false;
    const timer = setTimeout(() => {
      deadlinePassed = true;
      controller.abort();
    }, request.timeoutMs);
    const url = `${request.account.baseUrl}${request.path}`;
    try {
      const response = await firstValueFrom(
        this.http.post<string>(url, request.body, {
          headers: { ...request.headers },
          responseType: 'text',
          transformRequest: [(data: unknown) => data],
          transformResponse: [(data: unknown) => data],
          validateStatus: () => true,
          timeout: request.timeoutMs,
          signal: controller.signal,
          maxRedirects: 0,
          proxy: false,
        }),
      );
      const data: unknown = response.data;
      return {
        status: response.status,
        text: typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : '',
        contentType: headerText(response.headers['content-type']),
        location: resolveLocation(headerText(response.headers.location), url),
      };
    } catch (error) {
      throw this.describe(error, request, deadlinePassed);
    } finally {
      clearTimeout(timer);
    }
  }

  private describe(error: unknown, request: PtsHttpRequest, deadlinePassed: boolean): Error {
    const what = `PTS ${request.endpoint} (account "${request.account.name}")`;
    const code = isAxiosError(error) ? error.code : undefined;
    // Never chain the axios error itself: its `config` holds the Authorization and
    // X-Transaction-Signature headers, and whoever logs `cause` would print them.
    const cause = new Error(
      `${code ?? 'error'}: ${error instanceof Error ? error.message : 'connection error'}`,
    );
    if (deadlinePassed || (code !== undefined && TIMEOUT_CODES.has(code))) {
      return new PtsTimeoutError({
        code: 'timeout',
        message: `${what} did not answer within ${request.timeoutMs} ms${request.hasEffect ? '; the request may have been accepted: query the order to learn its outcome' : ''}`,
        outcomeUnknown: request.hasEffect,
        cause,
      });
    }
    const sent = code === undefined || !NOT_SENT_CODES.has(code);
    return new PtsNetworkError({
      code: 'network',
      message: `${what} failed: ${code ?? (error instanceof Error ? error.message : 'connection error')}${request.hasEffect && sent ? '; the connection broke after the request was sent, so it may have been accepted: query the order to learn its outcome' : ''}`,
      outcomeUnknown: request.hasEffect && sent,
      cause,
    });
  }
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/**
 * A relative `Location` means a place on the gateway's host. Only an http(s) URL can send a
 * payer anywhere; anything else (`javascript:`, garbage) counts as no `Location` at all.
 */
function resolveLocation(location: string | undefined, requestUrl: string): string | undefined {
  if (location === undefined || location.trim() === '') return undefined;
  try {
    const url = new URL(location.trim(), requestUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
