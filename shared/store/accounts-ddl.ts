// Tables for tenants and credentials; they live beside the data in the same store.

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
