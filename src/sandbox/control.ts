import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PtsSandboxDeliveryRecord } from './delivery-record.js';
import { PtsSandboxError } from './error.js';
import type { PtsSandboxActiveFault, PtsSandboxFault } from './faults.js';
import type { PtsSandboxRequestRecord } from './gateway.js';
import { readRequestBody, send, sendJson } from './http.js';
import type { PtsSandboxOrder, PtsSandboxOutcome } from './order.js';
import type { PtsSandboxChargeOutcome, PtsSandboxSubscription } from './subscriptions.js';

/** What the control API drives: the public face of `PtsSandbox`. */
export interface PtsSandboxControlTarget {
  readonly requests: readonly PtsSandboxRequestRecord[];
  readonly deliveries: readonly PtsSandboxDeliveryRecord[];
  readonly faults: readonly PtsSandboxActiveFault[];
  readonly merchants: readonly PtsSandboxMerchantInfo[];
  setFault(fault: PtsSandboxFault): void;
  clearFaults(): void;
  settle(userId: string, orderId: string, outcome: PtsSandboxOutcome): Promise<void>;
  order(userId: string, orderId: string): PtsSandboxOrder | undefined;
  orders(userId?: string): PtsSandboxOrder[];
  expireTokens(userId?: string): void;
  subscription(userId: string, orderId: string): PtsSandboxSubscription | undefined;
  subscriptions(userId?: string): PtsSandboxSubscription[];
  chargeSubscription(
    userId: string,
    orderId: string,
    outcome: PtsSandboxChargeOutcome,
  ): PtsSandboxSubscription;
}

/** A merchant as the control API shows it: identifiers only, no secret. */
export interface PtsSandboxMerchantInfo {
  userId: string;
  guid: string;
  withdrawConfirmUrl?: string;
  currencies: readonly string[];
}

const OUTCOMES: readonly PtsSandboxOutcome[] = ['pay', 'fail', 'expire', 'error'];

const ROUTES = [
  'GET    /sandbox/control/merchants',
  'GET    /sandbox/control/requests',
  'GET    /sandbox/control/deliveries',
  'GET    /sandbox/control/faults',
  'POST   /sandbox/control/faults            body: a fault, e.g. {"kind":"drop","endpoint":"payment","times":1}',
  'DELETE /sandbox/control/faults',
  'GET    /sandbox/control/orders?userId=',
  'GET    /sandbox/control/orders/{userId}/{orderId}',
  'POST   /sandbox/control/orders/{userId}/{orderId}/settle   body: {"outcome":"pay|fail|expire|error"}',
  'POST   /sandbox/control/tokens/expire     body: {"userId"?: "..."}',
  'GET    /sandbox/control/subscriptions?userId=',
  'GET    /sandbox/control/subscriptions/{userId}/{orderId}',
  'POST   /sandbox/control/subscriptions/{userId}/{orderId}/charge   body: {"outcome":"pay|fail"}',
];

const CHARGE_OUTCOMES: readonly PtsSandboxChargeOutcome[] = ['pay', 'fail'];

/**
 * `/sandbox/control/*`: the sandbox's knobs over HTTP, for people and other processes.
 * Unauthenticated on purpose: it exists only in the sandbox, which listens on loopback by
 * default and never guards real money.
 */
export class PtsSandboxControl {
  constructor(private readonly target: PtsSandboxControlTarget) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const parts = path
      .replace(/^\/sandbox\/control\/?/, '')
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const method = req.method ?? 'GET';
    const t = this.target;
    try {
      const [head, a, b, c] = parts;
      if (parts.length === 0 && method === 'GET') return sendJson(res, 200, { routes: ROUTES });
      if (head === 'merchants' && parts.length === 1 && method === 'GET')
        return sendJson(res, 200, t.merchants);
      if (head === 'requests' && parts.length === 1 && method === 'GET')
        return sendJson(res, 200, t.requests);
      if (head === 'deliveries' && parts.length === 1 && method === 'GET')
        return sendJson(res, 200, t.deliveries);
      if (head === 'faults' && parts.length === 1) {
        if (method === 'GET') return sendJson(res, 200, t.faults);
        if (method === 'POST') {
          t.setFault((await readJson(req)) as PtsSandboxFault);
          return sendJson(res, 201, t.faults[t.faults.length - 1] ?? null);
        }
        if (method === 'DELETE') {
          t.clearFaults();
          return send(res, 204, 'text/plain', '');
        }
      }
      if (head === 'orders') {
        if (parts.length === 1 && method === 'GET') {
          return sendJson(res, 200, t.orders(query.get('userId') ?? undefined));
        }
        if (parts.length === 3 && method === 'GET') {
          const order = t.order(a, b);
          return order
            ? sendJson(res, 200, order)
            : problem(res, 404, `no order ${b} for merchant ${a}`);
        }
        if (parts.length === 4 && c === 'settle' && method === 'POST') {
          const body = (await readJson(req)) as { outcome?: unknown };
          const outcome = body?.outcome as PtsSandboxOutcome;
          if (!OUTCOMES.includes(outcome)) {
            return problem(res, 400, `outcome must be one of ${OUTCOMES.join(', ')}`);
          }
          await t.settle(a, b, outcome);
          return sendJson(res, 200, t.order(a, b));
        }
      }
      if (head === 'subscriptions') {
        if (parts.length === 1 && method === 'GET') {
          return sendJson(res, 200, t.subscriptions(query.get('userId') ?? undefined));
        }
        if (parts.length === 3 && method === 'GET') {
          const sub = t.subscription(a, b);
          return sub
            ? sendJson(res, 200, sub)
            : problem(res, 404, `no subscription ${b} for merchant ${a}`);
        }
        if (parts.length === 4 && c === 'charge' && method === 'POST') {
          const body = (await readJson(req, true)) as { outcome?: unknown } | undefined;
          const outcome = (body?.outcome ?? 'pay') as PtsSandboxChargeOutcome;
          if (!CHARGE_OUTCOMES.includes(outcome)) {
            return problem(res, 400, `outcome must be one of ${CHARGE_OUTCOMES.join(', ')}`);
          }
          return sendJson(res, 200, t.chargeSubscription(a, b, outcome));
        }
      }
      if (head === 'tokens' && a === 'expire' && parts.length === 2 && method === 'POST') {
        const body = (await readJson(req, true)) as { userId?: unknown } | undefined;
        const userId = typeof body?.userId === 'string' ? body.userId : undefined;
        t.expireTokens(userId);
        return send(res, 204, 'text/plain', '');
      }
      return problem(
        res,
        404,
        `no control route ${method} ${path}; GET /sandbox/control lists them`,
      );
    } catch (error) {
      if (!(error instanceof PtsSandboxError)) throw error;
      const status =
        error.code === 'unknown_order'
          ? 404
          : error.code === 'order_final' || error.code === 'transition_not_allowed'
            ? 409
            : 400;
      return problem(res, status, error.message, error.code);
    }
  }
}

async function readJson(req: IncomingMessage, allowEmpty = false): Promise<unknown> {
  const text = (await readRequestBody(req, 64 * 1024)).toString('utf8').trim();
  if (text === '' && allowEmpty) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new PtsSandboxError({
      code: 'invalid_json',
      message: 'PTS sandbox: the body must be JSON',
    });
  }
}

function problem(res: ServerResponse, status: number, message: string, code?: string): void {
  sendJson(res, status, { statusCode: status, message, ...(code ? { code } : {}) });
}
