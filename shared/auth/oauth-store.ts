// Every read and write of the OAuth tables (shared/store/oauth-ddl.ts) in both engines' dialects, side by
// side: insert a row, select it by its key, mark it used or revoked. Secrets arrive here already digested.
// DuckDB updates rows in place inside a transaction; ClickHouse inserts the row's next version and reads
// FINAL, and a one-time secret is claimed through `ClaimOnce` (it has no transactions to do it with).

import NodeCache from "node-cache";
import type { Redis } from "ioredis";
import { ACCOUNT_VERSION as V } from "../store/accounts-ddl.ts";
import type { SqlParams, Store } from "../store/store.ts";

export interface ClientRow {
  client_id: string;
  secret_digest: string | null;
  client_name: string;
  redirect_uris: string[];
  auth_method: string;
}

export interface GrantRow {
  grant_id: string;
  client_id: string;
  workspace_id: string;
  email: string;
  apis: string[];
  resource: string;
  revoked: boolean;
}

export interface CodeRow {
  grant_id: string;
  redirect_uri: string;
  code_challenge: string;
  expired: boolean;
  /** True when the code had been redeemed before this call. */
  reused: boolean;
}

export interface RefreshRow {
  grant_id: string;
  expired: boolean;
  /** True when the token had been rotated away before this call. */
  reused: boolean;
}

/**
 * Claims a one-time secret (by digest): true for exactly one caller. With Redis every server shares the
 * claims (SET NX); without it this process is the only one that can redeem (a single server).
 */
export type ClaimOnce = (digest: string, ttlSeconds: number) => Promise<boolean>;

export function redisClaimOnce(redis: Redis, namespace: string): ClaimOnce {
  return async (digest, ttlSeconds) => (await redis.set(`${namespace}:oauth-used:${digest}`, "1", "EX", ttlSeconds, "NX")) === "OK";
}

export function processClaimOnce(): ClaimOnce {
  const claimed = new NodeCache({ useClones: false, checkperiod: 600 });
  return async (digest, ttlSeconds) => {
    if (claimed.has(digest)) return false;
    claimed.set(digest, true, ttlSeconds);
    return true;
  };
}

const TS = "DateTime64(3, 'UTC')";
const GRANT_COLUMNS = "grant_id, client_id, workspace_id, email, apis, resource, created_at, revoked_at, mg_version";

/** ClickHouse revokes the live grants matching `where` by inserting their next version, revoked now. */
const revokeGrantsWhere = (where: string) => `INSERT INTO mg_oauth_grants (${GRANT_COLUMNS})
      SELECT grant_id, client_id, workspace_id, email, apis, resource, created_at, {now:${TS}}, ${V} FROM mg_oauth_grants FINAL
      WHERE ${where} AND revoked_at IS NULL`;

export const OAUTH_SQL = {
  insertClient: {
    duckdb: `INSERT INTO mg_oauth_clients (client_id, secret_digest, client_name, redirect_uris, auth_method, created_at)
       VALUES ($id, $secret, $name, $uris, $method, $now::TIMESTAMP)`,
    clickhouse: `INSERT INTO mg_oauth_clients (client_id, secret_digest, client_name, redirect_uris, auth_method, created_at, mg_version)
      SELECT {id:String}, {secret:Nullable(String)}, {name:String}, {uris:String}, {method:String}, {now:${TS}}, ${V}`,
  },
  findClient: {
    duckdb: "SELECT client_id, secret_digest, client_name, redirect_uris, auth_method FROM mg_oauth_clients WHERE client_id = $id",
    clickhouse: `SELECT client_id, secret_digest, client_name, redirect_uris, auth_method FROM mg_oauth_clients FINAL
      WHERE client_id = {id:String}`,
  },
  insertGrant: {
    duckdb: `INSERT INTO mg_oauth_grants (grant_id, client_id, workspace_id, email, apis, resource, created_at)
       VALUES ($id, $client, $ws, $email, $apis, $resource, $now::TIMESTAMP)`,
    clickhouse: `INSERT INTO mg_oauth_grants (${GRANT_COLUMNS})
      SELECT {id:String}, {client:String}, {ws:String}, {email:String}, {apis:String}, {resource:String}, {now:${TS}}, NULL, ${V}`,
  },
  findGrant: {
    duckdb: `SELECT grant_id, client_id, workspace_id, email, apis, resource, revoked_at IS NOT NULL AS revoked
       FROM mg_oauth_grants WHERE grant_id = $id`,
    clickhouse: `SELECT grant_id, client_id, workspace_id, email, apis, resource, CAST(revoked_at IS NOT NULL, 'Bool') AS revoked
      FROM mg_oauth_grants FINAL WHERE grant_id = {id:String}`,
  },
  revokeGrant: {
    duckdb: "UPDATE mg_oauth_grants SET revoked_at = $now::TIMESTAMP WHERE grant_id = $id AND revoked_at IS NULL",
    clickhouse: revokeGrantsWhere("grant_id = {id:String}"),
  },
  countLiveGrants: {
    duckdb: "SELECT count(*) AS live FROM mg_oauth_grants WHERE workspace_id = $ws AND revoked_at IS NULL",
    clickhouse: "SELECT count() AS live FROM mg_oauth_grants FINAL WHERE workspace_id = {ws:String} AND revoked_at IS NULL",
  },
  revokeWorkspaceGrants: {
    duckdb: "UPDATE mg_oauth_grants SET revoked_at = $now::TIMESTAMP WHERE workspace_id = $ws AND revoked_at IS NULL",
    clickhouse: revokeGrantsWhere("workspace_id = {ws:String}"),
  },
  insertCode: {
    duckdb: `INSERT INTO mg_oauth_codes (digest, grant_id, redirect_uri, code_challenge, expires_at)
       VALUES ($digest, $grant, $uri, $challenge, $expires::TIMESTAMP)`,
    clickhouse: `INSERT INTO mg_oauth_codes (digest, grant_id, redirect_uri, code_challenge, expires_at, used_at, mg_version)
      SELECT {digest:String}, {grant:String}, {uri:String}, {challenge:String}, {expires:${TS}}, NULL, ${V}`,
  },
  findCode: {
    duckdb: `SELECT grant_id, redirect_uri, code_challenge, expires_at <= $now::TIMESTAMP AS expired, used_at IS NOT NULL AS reused
       FROM mg_oauth_codes WHERE digest = $digest`,
    clickhouse: `SELECT grant_id, redirect_uri, code_challenge, CAST(expires_at <= {now:${TS}}, 'Bool') AS expired,
        CAST(used_at IS NOT NULL, 'Bool') AS reused
      FROM mg_oauth_codes FINAL WHERE digest = {digest:String}`,
  },
  useCode: {
    duckdb: "UPDATE mg_oauth_codes SET used_at = $now::TIMESTAMP WHERE digest = $digest",
    clickhouse: `INSERT INTO mg_oauth_codes (digest, grant_id, redirect_uri, code_challenge, expires_at, used_at, mg_version)
      SELECT digest, grant_id, redirect_uri, code_challenge, expires_at, {now:${TS}}, ${V} FROM mg_oauth_codes FINAL
      WHERE digest = {digest:String}`,
  },
  insertRefreshToken: {
    duckdb: "INSERT INTO mg_oauth_refresh_tokens (digest, grant_id, expires_at) VALUES ($digest, $grant, $expires::TIMESTAMP)",
    clickhouse: `INSERT INTO mg_oauth_refresh_tokens (digest, grant_id, expires_at, used_at, mg_version)
      SELECT {digest:String}, {grant:String}, {expires:${TS}}, NULL, ${V}`,
  },
  findRefreshToken: {
    duckdb: `SELECT grant_id, expires_at <= $now::TIMESTAMP AS expired, used_at IS NOT NULL AS reused
       FROM mg_oauth_refresh_tokens WHERE digest = $digest`,
    clickhouse: `SELECT grant_id, CAST(expires_at <= {now:${TS}}, 'Bool') AS expired, CAST(used_at IS NOT NULL, 'Bool') AS reused
      FROM mg_oauth_refresh_tokens FINAL WHERE digest = {digest:String}`,
  },
  useRefreshToken: {
    duckdb: "UPDATE mg_oauth_refresh_tokens SET used_at = $now::TIMESTAMP WHERE digest = $digest",
    clickhouse: `INSERT INTO mg_oauth_refresh_tokens (digest, grant_id, expires_at, used_at, mg_version)
      SELECT digest, grant_id, expires_at, {now:${TS}}, ${V} FROM mg_oauth_refresh_tokens FINAL WHERE digest = {digest:String}`,
  },
} as const;

type Statement = keyof typeof OAUTH_SQL;

/** How long a claim on a one-time secret is kept: longer than any code or refresh token lives. */
const CLAIM_SECONDS = 61 * 24 * 3600;

export class OAuthStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    /** ClickHouse only: who redeems a code or rotates a refresh token first. */
    private readonly claimOnce: ClaimOnce = processClaimOnce(),
  ) {}

  private nowIso(): string {
    return this.now().toISOString();
  }

  private sql(statement: Statement): string {
    return OAUTH_SQL[statement][this.store.dialect];
  }

  private exec(statement: Statement, params: SqlParams): Promise<void> {
    return this.store.exec(this.sql(statement), params);
  }

  private query<T>(statement: Statement, params: SqlParams): Promise<T[]> {
    return this.store.query<T>(this.sql(statement), params);
  }

  async insertClient(client: ClientRow): Promise<void> {
    await this.exec("insertClient", {
      id: client.client_id,
      secret: client.secret_digest,
      name: client.client_name,
      uris: JSON.stringify(client.redirect_uris),
      method: client.auth_method,
      now: this.nowIso(),
    });
  }

  async findClient(clientId: string): Promise<ClientRow | undefined> {
    const rows = await this.query<Omit<ClientRow, "redirect_uris"> & { redirect_uris: string }>("findClient", { id: clientId });
    return rows[0] ? { ...rows[0], redirect_uris: JSON.parse(rows[0].redirect_uris) as string[] } : undefined;
  }

  async insertGrant(grant: Omit<GrantRow, "revoked">): Promise<void> {
    await this.exec("insertGrant", {
      id: grant.grant_id,
      client: grant.client_id,
      ws: grant.workspace_id,
      email: grant.email,
      apis: grant.apis.join(" "),
      resource: grant.resource,
      now: this.nowIso(),
    });
  }

  async findGrant(grantId: string): Promise<GrantRow | undefined> {
    const rows = await this.query<Omit<GrantRow, "apis"> & { apis: string }>("findGrant", { id: grantId });
    return rows[0] ? { ...rows[0], apis: rows[0].apis.split(" ") } : undefined;
  }

  async revokeGrant(grantId: string): Promise<void> {
    await this.exec("revokeGrant", { id: grantId, now: this.nowIso() });
  }

  async countLiveGrants(workspaceId: string): Promise<number> {
    const rows = await this.query<{ live: number }>("countLiveGrants", { ws: workspaceId });
    return Number(rows[0]?.live ?? 0);
  }

  async revokeWorkspaceGrants(workspaceId: string): Promise<void> {
    await this.exec("revokeWorkspaceGrants", { ws: workspaceId, now: this.nowIso() });
  }

  async insertCode(digest: string, code: Omit<CodeRow, "expired" | "reused">, expiresAt: Date): Promise<void> {
    await this.exec("insertCode", { digest, grant: code.grant_id, uri: code.redirect_uri, challenge: code.code_challenge, expires: expiresAt.toISOString() });
  }

  /** The code by digest; with `use`, marked used at once, so two redemptions never both see it fresh. */
  takeCode(digest: string, use: boolean): Promise<CodeRow | undefined> {
    return this.takeOnce<CodeRow>(digest, "findCode", "useCode", use);
  }

  async insertRefreshToken(digest: string, grantId: string, expiresAt: Date): Promise<void> {
    await this.exec("insertRefreshToken", { digest, grant: grantId, expires: expiresAt.toISOString() });
  }

  /** The refresh token by digest; with `use`, marked used at once (rotation). */
  takeRefreshToken(digest: string, use: boolean): Promise<RefreshRow | undefined> {
    return this.takeOnce<RefreshRow>(digest, "findRefreshToken", "useRefreshToken", use);
  }

  /**
   * Reads a one-time secret's row and, with `use`, marks it used: DuckDB in one transaction; ClickHouse by
   * claiming it first (a caller that loses the claim sees the secret as already used).
   */
  private async takeOnce<T extends { reused: boolean }>(digest: string, find: Statement, markUsed: Statement, use: boolean): Promise<T | undefined> {
    const params = { digest, now: this.nowIso() };
    if (this.store.dialect === "duckdb") {
      return this.store.transaction(async (tx) => {
        const [row] = await tx.query<T>(this.sql(find), params);
        if (use && row && !row.reused) await tx.exec(this.sql(markUsed), params);
        return row;
      });
    }
    const [row] = await this.query<T>(find, params);
    if (!use || !row || row.reused) return row;
    if (!(await this.claimOnce(digest, CLAIM_SECONDS))) return { ...row, reused: true };
    await this.exec(markUsed, params);
    return row;
  }
}
