import { CreateSchemaInfo1764100000000 } from './1764100000000-create-schema-info.js';
import { CreateAccessTokens1764100000001 } from './1764100000001-create-access-tokens.js';
import { CreateOrdersAndCallbacks1764100000002 } from './1764100000002-create-orders-and-callbacks.js';
import { OutboxOrderIndex1764100000003 } from './1764100000003-outbox-order-index.js';
import { Reconciliation1764100000004 } from './1764100000004-reconciliation.js';
import { CallbackBodyDigest1764100000012 } from './1764100000012-callback-body-digest.js';
import { OrderSearchIndexes1764100000016 } from './1764100000016-order-search-indexes.js';
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
  Reconciliation1764100000004,
  CallbackBodyDigest1764100000012,
  OrderSearchIndexes1764100000016,
  SubscriptionsAndKeptFields1764100001500,
];

/**
 * The migrations table of the service and of `pts migrate`. A host that runs `PTS_MIGRATIONS`
 * through its own DataSource uses its own table (TypeORM's `migrations` by default); the boot
 * check looks in both.
 */
export const PTS_MIGRATIONS_TABLE = 'pts_migrations';
