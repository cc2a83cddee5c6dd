import 'dotenv/config';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/app/database/data-source-options.js';

/**
 * For the TypeORM CLI (`npm run migration:run`, `npm run migration:revert`). It needs a running
 * server: set DATABASE_URL (`npm start` starts an embedded one and migrates by itself);
 * DATABASE_SCHEMA picks a schema other than `public`.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('ormconfig.ts: set DATABASE_URL to the PostgreSQL server to migrate');
}

export default new DataSource(
  buildDataSourceOptions({ url, schema: process.env.DATABASE_SCHEMA || undefined }),
);
