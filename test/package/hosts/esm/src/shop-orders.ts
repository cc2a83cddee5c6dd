import { Injectable } from '@nestjs/common';
import { OnPtsOrderStatus, type PtsOrderStatusEvent } from 'pts-nest';

/** The shop's business logic: runs after PTS's news is committed, at least once per status. */
@Injectable()
export class ShopOrders {
  readonly paid = new Map<string, PtsOrderStatusEvent[]>();

  @OnPtsOrderStatus('success')
  async markPaid(event: PtsOrderStatusEvent): Promise<void> {
    // A real shop marks its order paid here, keyed by event.idempotencyKey.
    this.paid.set(event.orderId, [...(this.paid.get(event.orderId) ?? []), event]);
  }
}
