// Tables for tenants, credentials and shared settings, in each engine's dialect. Adding an account table
// means one entry in each list here and its statements (both dialects side by side) in the module using it.

export const ACCOUNT_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS mg_workspaces (
     id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, plan VARCHAR NOT NULL,
     suspended BOOLEAN NOT NULL DEFAULT false, created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS mg_users (
     workspace_id VARCHAR NOT NULL, email VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
     created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS mg_api_keys (
     digest VARCHAR PRIMARY KEY, workspace_id VARCHAR NOT NULL, scope VARCHAR NOT NULL,
     encrypted VARCHAR NOT NULL, prefix VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
  // The key GET /api/v1/api-key shows and regenerate replaces (databases made before it get the column).
  "ALTER TABLE mg_api_keys ADD COLUMN IF NOT EXISTS shown BOOLEAN DEFAULT false",
  `CREATE TABLE IF NOT EXISTS mg_tokens (
     jti VARCHAR PRIMARY KEY, workspace_id VARCHAR NOT NULL, subject VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     issued_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
  // Key-management sessions (cookie value stored as its HMAC digest); ending one deletes its row.
  `CREATE TABLE IF NOT EXISTS mg_sessions (
     digest VARCHAR PRIMARY KEY, workspace_id VARCHAR NOT NULL, email VARCHAR NOT NULL,
     created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)`,
];

/**
 * The version column of ClickHouse's account tables, and the value a change writes: the engine's own
 * clock in nanoseconds, so every server's changes are ordered by one clock and the newest row wins.
 */
export const ACCOUNT_VERSION = "toUInt64(toUnixTimestamp64Nano(now64(9)))";

/**
 * The same tables on ClickHouse, shared by every server. A change never updates a row in place: it
 * inserts the row's next version (INSERT … SELECT from the current one), ReplacingMergeTree keeps the
 * newest per key, and every read says FINAL. Sessions are ended by a newer row with `mg_deleted = 1`.
 * Rows copied from DuckDB carry version 0, so a change made on ClickHouse always wins over a re-copy.
 */
export const CLICKHOUSE_ACCOUNT_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS mg_schema_version (version UInt32, applied_at DateTime64(3, 'UTC'))
     ENGINE = MergeTree ORDER BY version`,
  `CREATE TABLE IF NOT EXISTS mg_workspaces (
     id String, name String, plan String, suspended Bool, created_at DateTime64(3, 'UTC'), mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY id`,
  `CREATE TABLE IF NOT EXISTS mg_users (
     workspace_id String, email String, password_hash String, created_at DateTime64(3, 'UTC'), mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY email`,
  `CREATE TABLE IF NOT EXISTS mg_api_keys (
     digest String, workspace_id String, scope String, encrypted String, prefix String,
     created_at DateTime64(3, 'UTC'), revoked_at Nullable(DateTime64(3, 'UTC')), shown Bool, mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY digest`,
  `CREATE TABLE IF NOT EXISTS mg_tokens (
     jti String, workspace_id String, subject String, kind String, issued_at DateTime64(3, 'UTC'),
     expires_at DateTime64(3, 'UTC'), revoked_at Nullable(DateTime64(3, 'UTC')), mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY jti`,
  // The engine removes rows two days after it stored them (a session lasts 8 hours). The TTLs count on the
  // engine's clock, not on the product's (METRIGATE_NOW may pin that one in the past).
  `CREATE TABLE IF NOT EXISTS mg_sessions (
     digest String, workspace_id String, email String, created_at DateTime64(3, 'UTC'),
     expires_at DateTime64(3, 'UTC'), mg_version UInt64, mg_deleted UInt8 DEFAULT 0, mg_stored DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY digest TTL mg_stored + INTERVAL 2 DAY`,
  // Deployment-wide settings: the fingerprint of the secret every server must share (shared-secret.ts).
  `CREATE TABLE IF NOT EXISTS mg_settings (name String, value String, mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY name`,
  // Exported Parquet files, so a link made by one server downloads from any (clickhouse-export-files.ts).
  // Links expire after an hour; the bytes go a day after they were stored.
  `CREATE TABLE IF NOT EXISTS mg_export_files (
     workspace_id String, file String, chunk UInt32, data String, expires_at DateTime64(3, 'UTC'), mg_stored DateTime DEFAULT now())
     ENGINE = MergeTree ORDER BY (workspace_id, file, chunk) TTL mg_stored + INTERVAL 1 DAY`,
];

/** Columns of each account table (without versions), in order: what `copy --to clickhouse` moves. */
export const ACCOUNT_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  mg_workspaces: ["id", "name", "plan", "suspended", "created_at"],
  mg_users: ["workspace_id", "email", "password_hash", "created_at"],
  mg_api_keys: ["digest", "workspace_id", "scope", "encrypted", "prefix", "created_at", "revoked_at", "shown"],
  mg_tokens: ["jti", "workspace_id", "subject", "kind", "issued_at", "expires_at", "revoked_at"],
  mg_sessions: ["digest", "workspace_id", "email", "created_at", "expires_at"],
};
