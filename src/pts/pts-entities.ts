import type { EntitySchema } from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
type PtsEntityTarget = Function | EntitySchema;

/**
 * Every TypeORM entity of the module, for the host's DataSource (`entities: [...PTS_ENTITIES]`).
 * Each capability adds its entities here.
 */
export const PTS_ENTITIES: readonly PtsEntityTarget[] = [];
