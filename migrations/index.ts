import { CreateSchemaInfo1764100000000 } from './1764100000000-create-schema-info.js';

/**
 * Every migration, in order. Listed by class rather than by glob so that the same list works
 * from TypeScript (tests, CLI through tsx) and from the compiled service.
 */
export const PTS_MIGRATIONS = [CreateSchemaInfo1764100000000];
