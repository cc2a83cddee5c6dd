import { PtsError } from '../pts/errors/pts-error.js';
import { ptsMessageSpec } from '../pts/protocol/pts-fields.js';
import {
  isLosslessNumber,
  parsePtsJsonObject,
  stringifyPtsJson,
} from '../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../pts/protocol/pts-message.js';
import { errorText, type PtsSandboxDeliveryLog } from './delivery-record.js';
import type { PtsSandboxFaults } from './faults.js';
import { postJson } from './http.js';
import type { PtsSandboxOrder } from './order.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import { signGatewayMessage, takeSigningEffects } from './signing.js';
import type { PtsSandboxTimers } from './timers.js';

export type PtsSandboxConfirmResult = 'confirmed' | 'rejected' | 'unreachable';

/**
 * Withdraw confirmations (B 1.5): the gateway asks the merchant's confirmation URL, signed with
 * the gateway key, retried on a 5xx or a network error with the callbacks' backoff, and takes
 * only a signed `confirm: SUCCESS` for this order as a yes; every attempt recorded.
 */
export class PtsSandboxWithdrawConfirm {
  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly faults: PtsSandboxFaults,
    private readonly timers: PtsSandboxTimers,
    private readonly log: PtsSandboxDeliveryLog,
  ) {}

  /** Asks the merchant's confirmation URL whether a withdrawal may proceed (B 4.10). */
  async confirm(
    account: PtsSandboxAccount,
    order: PtsSandboxOrder,
  ): Promise<PtsSandboxConfirmResult> {
    const url = account.merchant.withdrawConfirmUrl!;
    const kind = 'withdrawConfirm' as const;
    const site = { endpoint: kind, userId: order.userId, orderId: order.orderId };
    const base = { kind, url, userId: order.userId, orderId: order.orderId };
    if (this.faults.take(site, ['drop'])) {
      this.log.push({
        ...base,
        attempt: 0,
        copy: 0,
        accepted: false,
        error: 'dropped by fault',
        faults: ['drop'],
      });
      return 'unreachable';
    }
    const applied: string[] = [];
    const delay = this.faults.take(site, ['delay']);
    if (delay) {
      applied.push('delay');
      if (!(await this.timers.sleep(delay.ms))) return 'unreachable';
    }
    const effects = takeSigningEffects(this.faults, site);
    applied.push(...effects.applied);
    const spec = ptsMessageSpec(order.version, 'withdrawConfirmRequest');
    const fields = {
      user_id: order.userId,
      order_id: order.orderId,
      amount: order.amount,
      timestamp: order.requestTimestamp,
    };
    const body = stringifyPtsJson(signGatewayMessage(account, spec, fields, effects));
    const faults = applied.length > 0 ? applied : undefined;
    for (let attempt = 1; attempt <= this.settings.callbackAttempts; attempt += 1) {
      if (this.timers.isStopped) return 'unreachable';
      try {
        const answer = await postJson(url, body, {
          timeoutMs: this.settings.callbackTimeoutMs,
          signal: this.timers.signal,
        });
        const common = {
          ...base,
          attempt,
          copy: 0,
          httpStatus: answer.status,
          responseBody: answer.body.slice(0, 500),
          faults,
        };
        // A 5xx is the merchant's own trouble: worth another attempt. Anything else is an answer.
        if (answer.status < 500) {
          const verdict = judgeConfirmation(account, order, answer.status, answer.body);
          this.log.push({ ...common, ...verdict });
          return verdict.accepted ? 'confirmed' : 'rejected';
        }
        this.log.push({ ...common, accepted: false, error: `HTTP ${answer.status}` });
      } catch (error) {
        if (this.timers.isStopped) return 'unreachable';
        this.log.push({
          ...base,
          attempt,
          copy: 0,
          accepted: false,
          error: errorText(error),
          faults,
        });
      }
      if (
        attempt < this.settings.callbackAttempts &&
        !(await this.timers.sleep(this.log.backoff(attempt)))
      ) {
        return 'unreachable';
      }
    }
    return 'unreachable';
  }
}

/** A6 from the gateway's side: the answer must be signed JSON for this order. */
function judgeConfirmation(
  account: PtsSandboxAccount,
  order: PtsSandboxOrder,
  httpStatus: number,
  body: string,
): { accepted: boolean; confirm?: string; error?: string } {
  try {
    const message = parsePtsJsonObject(body.trim());
    const spec = ptsMessageSpec(order.version, 'withdrawConfirmResponse');
    validatePtsMessage(spec, message);
    const confirm = typeof message.confirm === 'string' ? message.confirm : undefined;
    account.signer.verify(spec, message);
    const userId = isLosslessNumber(message.user_id) ? message.user_id.value : message.user_id;
    if (userId !== order.userId || message.order_id !== order.orderId) {
      return { accepted: false, confirm, error: 'the answer names another order' };
    }
    if (confirm !== 'SUCCESS') {
      return { accepted: false, confirm, error: `the merchant answered confirm=${confirm}` };
    }
    return { accepted: true, confirm };
  } catch (error) {
    if (!(error instanceof PtsError)) throw error;
    return {
      accepted: false,
      error: `HTTP ${httpStatus}, unusable answer: ${error.message}`,
    };
  }
}
