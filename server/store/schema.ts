/**
 * The tables of the beta store as Kysely sees them, the same on SQLite and
 * PostgreSQL. Times are milliseconds since the epoch; days are 'YYYY-MM-DD'
 * strings.
 */
import type { Generated } from 'kysely';

export type StoreDialect = 'sqlite' | 'postgres';

export interface BetaTables {
  schema_version: { version: number; name: string; applied_at: number };
  accounts: {
    id: Generated<number>;
    email: string;
    email_key: string;
    password_hash: string;
    created_at: number;
    accepted_terms: string;
    accepted_terms_at: number;
  };
  sessions: { token_hash: string; account_id: number; created_at: number; expires_at: number };
  rate_limits: { key: string; count: number; reset_at: number };
  manifests: { serial: number; bytes: Buffer; etag: string; published_at: number };
  key_documents: { serial: number; bytes: Buffer; etag: string; published_at: number };
  halt_documents: { serial: number; bytes: Buffer; etag: string; published_at: number };
  notes: { account_id: number; url: string; text: string; created_at: number; updated_at: number };
  usage_batches: { install_id: string; batch_id: string; received_at: number };
  install_activity: { feature_id: string; install_id: string; day: string };
  event_counts: { feature_id: string; event: string; day: string; count: number };
  feedback: {
    id: Generated<number>;
    feature_id: string;
    rating: number;
    comment: string;
    install_id: string;
    feedback_id: string | null;
    account_id: number | null;
    created_at: number;
    /** Absent from feedback sent by older add-ons. */
    feature_version: string | null;
  };
}
