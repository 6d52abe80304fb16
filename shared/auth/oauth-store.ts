// Every read and write of the OAuth tables (shared/store/oauth-ddl.ts), as plain SQL: insert a row, select
// it by its key, mark it used or revoked. Secrets arrive here already digested.

import type { Store } from "../store/store.ts";

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

export class OAuthStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  private nowIso(): string {
    return this.now().toISOString();
  }

  async insertClient(client: ClientRow): Promise<void> {
    await this.store.exec(
      `INSERT INTO mg_oauth_clients (client_id, secret_digest, client_name, redirect_uris, auth_method, created_at)
       VALUES ($id, $secret, $name, $uris, $method, $now::TIMESTAMP)`,
      {
        id: client.client_id,
        secret: client.secret_digest,
        name: client.client_name,
        uris: JSON.stringify(client.redirect_uris),
        method: client.auth_method,
        now: this.nowIso(),
      },
    );
  }

  async findClient(clientId: string): Promise<ClientRow | undefined> {
    const rows = await this.store.query<Omit<ClientRow, "redirect_uris"> & { redirect_uris: string }>(
      "SELECT client_id, secret_digest, client_name, redirect_uris, auth_method FROM mg_oauth_clients WHERE client_id = $id",
      { id: clientId },
    );
    return rows[0] ? { ...rows[0], redirect_uris: JSON.parse(rows[0].redirect_uris) as string[] } : undefined;
  }

  async insertGrant(grant: Omit<GrantRow, "revoked">): Promise<void> {
    await this.store.exec(
      `INSERT INTO mg_oauth_grants (grant_id, client_id, workspace_id, email, apis, resource, created_at)
       VALUES ($id, $client, $ws, $email, $apis, $resource, $now::TIMESTAMP)`,
      {
        id: grant.grant_id,
        client: grant.client_id,
        ws: grant.workspace_id,
        email: grant.email,
        apis: grant.apis.join(" "),
        resource: grant.resource,
        now: this.nowIso(),
      },
    );
  }

  async findGrant(grantId: string): Promise<GrantRow | undefined> {
    const rows = await this.store.query<Omit<GrantRow, "apis"> & { apis: string }>(
      `SELECT grant_id, client_id, workspace_id, email, apis, resource, revoked_at IS NOT NULL AS revoked
       FROM mg_oauth_grants WHERE grant_id = $id`,
      { id: grantId },
    );
    return rows[0] ? { ...rows[0], apis: rows[0].apis.split(" ") } : undefined;
  }

  async revokeGrant(grantId: string): Promise<void> {
    await this.store.exec("UPDATE mg_oauth_grants SET revoked_at = $now::TIMESTAMP WHERE grant_id = $id AND revoked_at IS NULL", {
      id: grantId,
      now: this.nowIso(),
    });
  }

  async countLiveGrants(workspaceId: string): Promise<number> {
    const rows = await this.store.query<{ live: number }>(
      "SELECT count(*) AS live FROM mg_oauth_grants WHERE workspace_id = $ws AND revoked_at IS NULL",
      { ws: workspaceId },
    );
    return Number(rows[0]?.live ?? 0);
  }

  async revokeWorkspaceGrants(workspaceId: string): Promise<void> {
    await this.store.exec("UPDATE mg_oauth_grants SET revoked_at = $now::TIMESTAMP WHERE workspace_id = $ws AND revoked_at IS NULL", {
      ws: workspaceId,
      now: this.nowIso(),
    });
  }

  async insertCode(digest: string, code: Omit<CodeRow, "expired" | "reused">, expiresAt: Date): Promise<void> {
    await this.store.exec(
      `INSERT INTO mg_oauth_codes (digest, grant_id, redirect_uri, code_challenge, expires_at)
       VALUES ($digest, $grant, $uri, $challenge, $expires::TIMESTAMP)`,
      { digest, grant: code.grant_id, uri: code.redirect_uri, challenge: code.code_challenge, expires: expiresAt.toISOString() },
    );
  }

  /** The code by digest, marked used in the same transaction, so two redemptions never both see it fresh. */
  async takeCode(digest: string): Promise<CodeRow | undefined> {
    return this.store.transaction(async (tx) => {
      const rows = await tx.query<CodeRow>(
        `SELECT grant_id, redirect_uri, code_challenge, expires_at <= $now::TIMESTAMP AS expired, used_at IS NOT NULL AS reused
         FROM mg_oauth_codes WHERE digest = $digest`,
        { digest, now: this.nowIso() },
      );
      if (rows[0] && !rows[0].reused) {
        await tx.exec("UPDATE mg_oauth_codes SET used_at = $now::TIMESTAMP WHERE digest = $digest", { digest, now: this.nowIso() });
      }
      return rows[0];
    });
  }

  async insertRefreshToken(digest: string, grantId: string, expiresAt: Date): Promise<void> {
    await this.store.exec(
      "INSERT INTO mg_oauth_refresh_tokens (digest, grant_id, expires_at) VALUES ($digest, $grant, $expires::TIMESTAMP)",
      { digest, grant: grantId, expires: expiresAt.toISOString() },
    );
  }

  /** The refresh token by digest; with `use`, marked used in the same transaction (rotation). */
  async takeRefreshToken(digest: string, use: boolean): Promise<RefreshRow | undefined> {
    return this.store.transaction(async (tx) => {
      const rows = await tx.query<RefreshRow>(
        `SELECT grant_id, expires_at <= $now::TIMESTAMP AS expired, used_at IS NOT NULL AS reused
         FROM mg_oauth_refresh_tokens WHERE digest = $digest`,
        { digest, now: this.nowIso() },
      );
      if (use && rows[0] && !rows[0].reused) {
        await tx.exec("UPDATE mg_oauth_refresh_tokens SET used_at = $now::TIMESTAMP WHERE digest = $digest", { digest, now: this.nowIso() });
      }
      return rows[0];
    });
  }
}
