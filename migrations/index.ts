import { CreateSchemaInfo1764100000000 } from './1764100000000-create-schema-info.js';
import { CreateAccessTokens1764100000001 } from './1764100000001-create-access-tokens.js';
import { CreateOrdersAndCallbacks1764100000002 } from './1764100000002-create-orders-and-callbacks.js';
import { OutboxOrderIndex1764100000003 } from './1764100000003-outbox-order-index.js';
import { SubscriptionsAndKeptFields1764100001500 } from './1764100001500-subscriptions-and-kept-fields.js';

/**
 * Every migration, in order. Listed by class rather than by glob so that the same list works
 * from TypeScript (tests, CLI through tsx) and from the compiled service.
 */
export const PTS_MIGRATIONS = [
  CreateSchemaInfo1764100000000,
  CreateAccessTokens1764100000001,
  CreateOrdersAndCallbacks1764100000002,
  OutboxOrderIndex1764100000003,
  SubscriptionsAndKeptFields1764100001500,
];
