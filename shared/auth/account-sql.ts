// Every statement of the accounts layer in both engines' dialects, side by side. DuckDB updates and deletes
// rows in place; ClickHouse inserts the row's next version (ACCOUNT_VERSION) and reads FINAL.

import { ACCOUNT_VERSION as V } from "../store/accounts-ddl.ts";

const TS = "DateTime64(3, 'UTC')";
const KEY_COLUMNS = "digest, workspace_id, scope, encrypted, prefix, created_at, revoked_at, shown, mg_version";
const TOKEN_COLUMNS = "jti, workspace_id, subject, kind, issued_at, expires_at, revoked_at, mg_version";
const SESSION_COLUMNS = "digest, workspace_id, email, created_at, expires_at, mg_version, mg_deleted";

export const ACCOUNT_SQL = {
  insertWorkspace: {
    duckdb: "INSERT INTO mg_workspaces (id, name, plan, suspended, created_at) VALUES ($id, $name, $plan, false, $now::TIMESTAMP)",
    clickhouse: `INSERT INTO mg_workspaces (id, name, plan, suspended, created_at, mg_version)
      SELECT {id:String}, {name:String}, {plan:String}, false, {now:${TS}}, ${V}`,
  },
  findWorkspace: {
    duckdb: "SELECT id, name, plan, suspended FROM mg_workspaces WHERE id = $id",
    clickhouse: "SELECT id, name, plan, suspended FROM mg_workspaces FINAL WHERE id = {id:String}",
  },
  workspaceIds: {
    duckdb: "SELECT id FROM mg_workspaces WHERE NOT (suspended AND $activeOnly) ORDER BY id",
    clickhouse: "SELECT id FROM mg_workspaces FINAL WHERE NOT (suspended AND {activeOnly:Bool}) ORDER BY id",
  },
  setSuspended: {
    duckdb: "UPDATE mg_workspaces SET suspended = $suspended WHERE id = $id",
    clickhouse: `INSERT INTO mg_workspaces (id, name, plan, suspended, created_at, mg_version)
      SELECT id, name, plan, {suspended:Bool}, created_at, ${V} FROM mg_workspaces FINAL WHERE id = {id:String}`,
  },
  userExists: {
    duckdb: "SELECT 1 FROM mg_users WHERE email = $email",
    clickhouse: "SELECT 1 FROM mg_users FINAL WHERE email = {email:String}",
  },
  insertUser: {
    duckdb: "INSERT INTO mg_users (workspace_id, email, password_hash, created_at) VALUES ($ws, $email, $hash, $now::TIMESTAMP)",
    clickhouse: `INSERT INTO mg_users (workspace_id, email, password_hash, created_at, mg_version)
      SELECT {ws:String}, {email:String}, {hash:String}, {now:${TS}}, ${V}`,
  },
  userByEmail: {
    duckdb: "SELECT workspace_id, password_hash FROM mg_users WHERE email = $email",
    clickhouse: "SELECT workspace_id, password_hash FROM mg_users FINAL WHERE email = {email:String}",
  },
  insertToken: {
    duckdb: `INSERT INTO mg_tokens (jti, workspace_id, subject, kind, issued_at, expires_at)
       VALUES ($jti, $ws, $subject, $kind, to_timestamp($iat)::TIMESTAMP, $exp::TIMESTAMP)`,
    clickhouse: `INSERT INTO mg_tokens (${TOKEN_COLUMNS})
      SELECT {jti:String}, {ws:String}, {subject:String}, {kind:String}, toDateTime64({iat:Int64}, 3, 'UTC'), {exp:${TS}}, NULL, ${V}`,
  },
  tokenWorkspace: {
    duckdb: "SELECT workspace_id FROM mg_tokens WHERE jti = $jti",
    clickhouse: "SELECT workspace_id FROM mg_tokens FINAL WHERE jti = {jti:String}",
  },
  tokenRecord: {
    duckdb: "SELECT workspace_id, revoked_at IS NOT NULL AS revoked FROM mg_tokens WHERE jti = $jti",
    clickhouse: "SELECT workspace_id, CAST(revoked_at IS NOT NULL, 'Bool') AS revoked FROM mg_tokens FINAL WHERE jti = {jti:String}",
  },
  revokeToken: {
    duckdb: "UPDATE mg_tokens SET revoked_at = $now::TIMESTAMP WHERE jti = $jti",
    clickhouse: `INSERT INTO mg_tokens (${TOKEN_COLUMNS})
      SELECT jti, workspace_id, subject, kind, issued_at, expires_at, {now:${TS}}, ${V} FROM mg_tokens FINAL WHERE jti = {jti:String}`,
  },
  serviceTokens: {
    duckdb: `SELECT jti, subject, issued_at, expires_at, revoked_at FROM mg_tokens
       WHERE workspace_id = $ws AND kind = 'service' ORDER BY issued_at DESC, jti`,
    clickhouse: `SELECT jti, subject, issued_at, expires_at, revoked_at FROM mg_tokens FINAL
       WHERE workspace_id = {ws:String} AND kind = 'service' ORDER BY issued_at DESC, jti`,
  },
  insertApiKey: {
    duckdb: `INSERT INTO mg_api_keys (digest, workspace_id, scope, encrypted, prefix, created_at, shown)
       VALUES ($digest, $ws, $scope, $encrypted, $prefix, $now::TIMESTAMP, $shown)`,
    clickhouse: `INSERT INTO mg_api_keys (${KEY_COLUMNS})
      SELECT {digest:String}, {ws:String}, {scope:String}, {encrypted:String}, {prefix:String}, {now:${TS}}, NULL, {shown:Bool}, ${V}`,
  },
  keyRecord: {
    duckdb: "SELECT digest, workspace_id, scope FROM mg_api_keys WHERE digest = $digest AND revoked_at IS NULL",
    clickhouse: "SELECT digest, workspace_id, scope FROM mg_api_keys FINAL WHERE digest = {digest:String} AND revoked_at IS NULL",
  },
  markNewestKeyShown: {
    duckdb: `UPDATE mg_api_keys SET shown = true WHERE digest = (
         SELECT digest FROM mg_api_keys WHERE workspace_id = $ws AND scope = 'read' AND revoked_at IS NULL
         ORDER BY created_at DESC, digest LIMIT 1)`,
    clickhouse: `INSERT INTO mg_api_keys (${KEY_COLUMNS})
      SELECT digest, workspace_id, scope, encrypted, prefix, created_at, revoked_at, true, ${V} FROM mg_api_keys FINAL
      WHERE workspace_id = {ws:String} AND scope = 'read' AND revoked_at IS NULL ORDER BY created_at DESC, digest LIMIT 1`,
  },
  shownKey: {
    duckdb: "SELECT encrypted FROM mg_api_keys WHERE workspace_id = $ws AND shown AND revoked_at IS NULL LIMIT 1",
    clickhouse: "SELECT encrypted FROM mg_api_keys FINAL WHERE workspace_id = {ws:String} AND shown AND revoked_at IS NULL LIMIT 1",
  },
  revokeShownKey: {
    duckdb: "UPDATE mg_api_keys SET revoked_at = $now::TIMESTAMP, shown = false WHERE workspace_id = $ws AND shown AND revoked_at IS NULL",
    clickhouse: `INSERT INTO mg_api_keys (${KEY_COLUMNS})
      SELECT digest, workspace_id, scope, encrypted, prefix, created_at, {now:${TS}}, false, ${V} FROM mg_api_keys FINAL
      WHERE workspace_id = {ws:String} AND shown AND revoked_at IS NULL`,
  },
  endExpiredSessions: {
    duckdb: "DELETE FROM mg_sessions WHERE expires_at <= $now::TIMESTAMP",
    clickhouse: `INSERT INTO mg_sessions (${SESSION_COLUMNS})
      SELECT digest, workspace_id, email, created_at, expires_at, ${V}, 1 FROM mg_sessions FINAL
      WHERE expires_at <= {now:${TS}} AND mg_deleted = 0`,
  },
  insertSession: {
    duckdb: `INSERT INTO mg_sessions (digest, workspace_id, email, created_at, expires_at)
       VALUES ($digest, $ws, $email, $now::TIMESTAMP, $expires::TIMESTAMP)`,
    clickhouse: `INSERT INTO mg_sessions (${SESSION_COLUMNS})
      SELECT {digest:String}, {ws:String}, {email:String}, {now:${TS}}, {expires:${TS}}, ${V}, 0`,
  },
  findSession: {
    duckdb: "SELECT workspace_id, email FROM mg_sessions WHERE digest = $digest AND expires_at > $now::TIMESTAMP",
    clickhouse: `SELECT workspace_id, email FROM mg_sessions FINAL
      WHERE digest = {digest:String} AND expires_at > {now:${TS}} AND mg_deleted = 0`,
  },
  endSession: {
    duckdb: "DELETE FROM mg_sessions WHERE digest = $digest",
    clickhouse: `INSERT INTO mg_sessions (${SESSION_COLUMNS})
      SELECT digest, workspace_id, email, created_at, expires_at, ${V}, 1 FROM mg_sessions FINAL
      WHERE digest = {digest:String} AND mg_deleted = 0`,
  },
  endWorkspaceSessions: {
    duckdb: "DELETE FROM mg_sessions WHERE workspace_id = $ws AND digest <> $keep",
    clickhouse: `INSERT INTO mg_sessions (${SESSION_COLUMNS})
      SELECT digest, workspace_id, email, created_at, expires_at, ${V}, 1 FROM mg_sessions FINAL
      WHERE workspace_id = {ws:String} AND digest <> {keep:String} AND mg_deleted = 0`,
  },
} as const;
