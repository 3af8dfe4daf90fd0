/** The storage service's tables, on SQLite and PostgreSQL (times in milliseconds: BIGINT there). */
import type { ServiceMigration } from '../define-service';

const tables = (id: string, time: string) => `
  CREATE TABLE storage_collections (
    account_id ${id} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    modified ${time} NOT NULL,
    PRIMARY KEY (account_id, name)
  );
  CREATE TABLE storage_records (
    account_id ${id} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    size INTEGER NOT NULL,
    modified ${time} NOT NULL,
    sortindex INTEGER,
    expires ${time},
    PRIMARY KEY (account_id, collection, id)
  );
  CREATE INDEX storage_records_modified ON storage_records(account_id, collection, modified);
  CREATE TABLE storage_batches (
    id TEXT PRIMARY KEY,
    account_id ${id} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    created ${time} NOT NULL,
    records TEXT NOT NULL
  );
`;

export const STORAGE_MIGRATIONS: readonly ServiceMigration[] = [
  { version: 1, name: 'collections, records and pending batches', sqlite: tables('INTEGER', 'INTEGER'), postgres: tables('BIGINT', 'BIGINT') },
];
