import { randomInt } from 'node:crypto';
import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import { PtsSandboxError } from './error.js';
import type { PtsSandboxDeliveries } from './deliveries.js';
import type { PtsSandboxWithdrawConfirm } from './withdraw-confirm.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import {
  isFinalStatus,
  plannedStatuses,
  type PtsSandboxOrder,
  type PtsSandboxOutcome,
} from './order.js';
import type { PtsSandboxStore } from './store.js';
import type { PtsSandboxTimers } from './timers.js';

const ERROR_MESSAGES: Partial<Record<PtsTransactionStatusCode, string>> = {
  '3000': 'Payment failed (sandbox)',
  '4000': 'Order error (sandbox)',
  '5000': 'Order expired (sandbox)',
};

/**
 * How orders move after they are created: the checkout page and `settle` for payments; for
 * withdrawals the confirmation (when configured) and then 0000 -> 1000 -> 2000 on a timer.
 * Every change is committed to the store first, then its callback is queued.
 */
export class PtsSandboxLifecycle {
  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly store: PtsSandboxStore,
    private readonly deliveries: PtsSandboxDeliveries,
    private readonly confirmations: PtsSandboxWithdrawConfirm,
    private readonly timers: PtsSandboxTimers,
    private readonly accountOf: (userId: string) => PtsSandboxAccount | undefined,
  ) {}

  /** Moves an order to an outcome and queues one callback per status it passes. */
  settle(order: PtsSandboxOrder, outcome: PtsSandboxOutcome, cause: string): PtsSandboxOrder {
    const account = this.accountOf(order.userId);
    if (!account) {
      throw new PtsSandboxError({
        code: 'unknown_merchant',
        message: `PTS sandbox: no merchant ${order.userId}`,
      });
    }
    const snapshots = plannedStatuses(order, outcome).map((status) =>
      this.store.transition(order, status, cause, this.extraFor(order, status)),
    );
    this.settings.log(`order ${order.orderId} -> ${order.status} (${cause})`);
    this.deliveries.enqueueCallbacks(account, snapshots);
    return snapshots[snapshots.length - 1];
  }

  private extraFor(
    order: PtsSandboxOrder,
    status: PtsTransactionStatusCode,
  ): Partial<Pick<PtsSandboxOrder, 'errorMessage' | 'referenceNumber'>> {
    if (status === '2000') {
      return {
        errorMessage: undefined,
        referenceNumber: `${order.kind === 'payment' ? 'INV' : 'REF'}${Date.now()}${randomInt(100, 1000)}`,
      };
    }
    return ERROR_MESSAGES[status] ? { errorMessage: ERROR_MESSAGES[status] } : {};
  }

  /** After a withdraw request was answered: confirmation, then the timed progression. */
  startWithdrawal(account: PtsSandboxAccount, order: PtsSandboxOrder): void {
    this.timers.run(() => this.runWithdrawal(account, order));
  }

  /** After a restart from a state file: withdrawals still on their way continue. */
  resume(): void {
    for (const order of this.store.all()) {
      if (order.kind !== 'withdraw' || isFinalStatus(order.status)) continue;
      const account = this.accountOf(order.userId);
      if (account && (order.status === '0000' || order.status === '1000')) {
        this.startWithdrawal(account, order);
      }
    }
  }

  private async runWithdrawal(account: PtsSandboxAccount, order: PtsSandboxOrder): Promise<void> {
    if (account.merchant.withdrawConfirmUrl && order.confirmation !== 'confirmed') {
      order.confirmation = 'pending';
      this.store.touch(order);
      const result = await this.confirmations.confirm(account, order);
      if (this.timers.isStopped) return;
      if (result !== 'confirmed') {
        order.confirmation = 'rejected';
        if (order.status === '0000') {
          // B 1.5: anything but a confirmed SUCCESS halts the withdrawal as an anomaly (1019).
          const snapshot = this.store.transition(order, '4000', `confirmation ${result}`, {
            errorMessage: 'Withdraw confirm failed',
          });
          this.deliveries.enqueueCallbacks(account, [snapshot]);
        } else {
          this.store.touch(order);
        }
        return;
      }
      order.confirmation = 'confirmed';
      this.store.touch(order);
    }
    if (!this.settings.autoSettleWithdrawals) return;
    for (const [from, to] of [
      ['0000', '1000'],
      ['1000', '2000'],
    ] as const) {
      if (order.status === from) {
        if (!(await this.timers.sleep(this.settings.withdrawDelayMs))) return;
        // settle() or the control API may have moved the order meanwhile.
        if (order.status !== from) return;
        const snapshot = this.store.transition(
          order,
          to,
          'withdrawal progressed',
          this.extraFor(order, to),
        );
        this.settings.log(`order ${order.orderId} -> ${to} (withdrawal progressed)`);
        this.deliveries.enqueueCallbacks(account, [snapshot]);
      }
    }
  }
}
