import type { EntitySchema } from 'typeorm';
import { PtsAccessTokenEntity } from './client/pts-access-token.entity.js';
import { PtsCallbackEntity } from './callbacks/pts-callback.entity.js';
import { PtsOrderHistoryEntity } from './orders/pts-order-history.entity.js';
import { PtsOrderEntity } from './orders/pts-order.entity.js';
import { PtsOutboxEntity } from './orders/pts-outbox.entity.js';
import { PtsSubscriptionPaymentEntity } from './subscriptions/pts-subscription-payment.entity.js';
import { PtsSubscriptionEntity } from './subscriptions/pts-subscription.entity.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
type PtsEntityTarget = Function | EntitySchema;

/**
 * Every TypeORM entity of the module, for the host's DataSource (`entities: [...PTS_ENTITIES]`).
 * Each capability adds its entities here.
 */
export const PTS_ENTITIES: readonly PtsEntityTarget[] = [
  PtsOrderEntity,
  PtsOrderHistoryEntity,
  PtsCallbackEntity,
  PtsOutboxEntity,
  PtsAccessTokenEntity,
  PtsSubscriptionEntity,
  PtsSubscriptionPaymentEntity,
];
