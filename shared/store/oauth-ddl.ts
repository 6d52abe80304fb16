// Tables of the OAuth authorization server that /mcp trusts: registered clients, grants (a user's consent,
// and the family every code and refresh token of it belongs to), codes and refresh tokens. Secrets are
// stored only as HMAC digests. Kept to plain columns so a ClickHouse twin is a line-by-line copy.

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
