// Tables of the OAuth authorization server that /mcp trusts: registered clients, grants (a user's consent,
// and the family every code and refresh token of it belongs to), codes and refresh tokens, in each engine's
// dialect. Secrets are stored only as HMAC digests. On ClickHouse they follow the account tables' scheme
// (accounts-ddl.ts): a change inserts the row's next version, reads say FINAL.

export const OAUTH_DDL: readonly string[] = [
  // Clients from dynamic registration (RFC 7591); redirect_uris is a JSON array. Client ID Metadata
  // Documents are fetched and cached, never stored.
  `CREATE TABLE IF NOT EXISTS mg_oauth_clients (
     client_id VARCHAR PRIMARY KEY, secret_digest VARCHAR, client_name VARCHAR NOT NULL,
     redirect_uris VARCHAR NOT NULL, auth_method VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`,
  // One consent: which user let which client use which APIs (space-separated) of which workspace, for
  // which resource. Revoking it ends every code, refresh token and access token issued under it.
  `CREATE TABLE IF NOT EXISTS mg_oauth_grants (
     grant_id VARCHAR PRIMARY KEY, client_id VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, email VARCHAR NOT NULL,
     apis VARCHAR NOT NULL, resource VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS mg_oauth_codes (
     digest VARCHAR PRIMARY KEY, grant_id VARCHAR NOT NULL, redirect_uri VARCHAR NOT NULL,
     code_challenge VARCHAR NOT NULL, expires_at TIMESTAMP NOT NULL, used_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS mg_oauth_refresh_tokens (
     digest VARCHAR PRIMARY KEY, grant_id VARCHAR NOT NULL, expires_at TIMESTAMP NOT NULL, used_at TIMESTAMP)`,
];

const TS = "DateTime64(3, 'UTC')";

/**
 * The same tables on ClickHouse, shared by every server. Codes live ten minutes and refresh tokens 30
 * days; the engine removes their rows a while after they were stored (on its own clock, as sessions do).
 */
export const CLICKHOUSE_OAUTH_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS mg_oauth_clients (
     client_id String, secret_digest Nullable(String), client_name String, redirect_uris String, auth_method String,
     created_at ${TS}, mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY client_id`,
  `CREATE TABLE IF NOT EXISTS mg_oauth_grants (
     grant_id String, client_id String, workspace_id String, email String, apis String, resource String,
     created_at ${TS}, revoked_at Nullable(${TS}), mg_version UInt64)
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY grant_id`,
  `CREATE TABLE IF NOT EXISTS mg_oauth_codes (
     digest String, grant_id String, redirect_uri String, code_challenge String, expires_at ${TS},
     used_at Nullable(${TS}), mg_version UInt64, mg_stored DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY digest TTL mg_stored + INTERVAL 1 DAY`,
  `CREATE TABLE IF NOT EXISTS mg_oauth_refresh_tokens (
     digest String, grant_id String, expires_at ${TS}, used_at Nullable(${TS}), mg_version UInt64,
     mg_stored DateTime DEFAULT now())
     ENGINE = ReplacingMergeTree(mg_version) ORDER BY digest TTL mg_stored + INTERVAL 60 DAY`,
];

/** Columns of the OAuth tables that `copy --to clickhouse` moves (codes live minutes: not copied). */
export const OAUTH_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  mg_oauth_clients: ["client_id", "secret_digest", "client_name", "redirect_uris", "auth_method", "created_at"],
  mg_oauth_grants: ["grant_id", "client_id", "workspace_id", "email", "apis", "resource", "created_at", "revoked_at"],
  mg_oauth_refresh_tokens: ["digest", "grant_id", "expires_at", "used_at"],
};
