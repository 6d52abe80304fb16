// Workspaces, users, API keys and JWTs: issuing, verifying and revoking every credential of CONTRACT §4.

import { randomBytes, randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import NodeCache from "node-cache";
import type { Clock } from "../clock.ts";
import { Forbidden, InvalidInput, NotFound, Unauthorized } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { DECOY_HASH, hashPassword, verifyPassword } from "./passwords.ts";
import { constantTimeEqual, decrypt, encrypt, hmacHex, type Keys } from "./secrets.ts";

export const PLANS = ["starter", "growth", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];
export const SCOPES = ["read", "write"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Workspace {
  id: string;
  name: string;
  plan: Plan;
  suspended: boolean;
}

/** Who is calling: the workspace, and the credential that limits and logs refer to (never the secret). */
export interface Principal {
  workspace: Workspace;
  kind: "jwt" | "api_key";
  /** Stable id of the credential: the token's jti or the key's digest prefix. */
  credentialId: string;
  scope: Scope;
  subject: string;
}

export const API_KEY_PREFIX = "mg_live_";
const SESSION_PREFIX = "mg_sess_";
export const SESSION_SECONDS = 8 * 3600;
export const USER_TOKEN_SECONDS = 24 * 3600;
export const SERVICE_TOKEN_SECONDS = 90 * 24 * 3600;
const JWT_ALGORITHM = "HS256";
const JWT_ISSUER = "metrigate";
const CLOCK_TOLERANCE_SECONDS = 60;
const WORKSPACE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/**
 * Every request looks up its credential and workspace; the rows found are reused for this long. Every
 * change to them goes through this class (the database has one writing process), which drops them at
 * once, so a regenerated key, a revoked token or a suspension takes effect on the next request.
 */
const LOOKUP_TTL_SECONDS = 60;

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface ServiceTokenInfo {
  jti: string;
  name: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

interface KeyRecord {
  digest: string;
  workspace_id: string;
  scope: Scope;
}

interface TokenRecord {
  workspace_id: string;
  revoked: boolean;
}

export class Accounts {
  private readonly lookups = new NodeCache({ stdTTL: LOOKUP_TTL_SECONDS, useClones: false, checkperiod: 600 });

  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
    private readonly clock: Clock,
  ) {}

  /** A row found before (within the TTL) or loaded now; nothing is kept for a miss. */
  private async lookup<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const known = this.lookups.get<T>(key);
    if (known !== undefined) return known;
    const found = await load();
    if (found !== undefined) this.lookups.set(key, found);
    return found;
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  async createWorkspace(id: string, options: { plan?: Plan; name?: string } = {}): Promise<Workspace> {
    if (!WORKSPACE_ID.test(id)) {
      throw new InvalidInput(
        `Workspace id "${id}" is not allowed: use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit.`,
      );
    }
    const plan = options.plan ?? "starter";
    if (!PLANS.includes(plan)) throw new InvalidInput(`Plan must be one of ${PLANS.join(", ")}.`);
    if (await this.findWorkspace(id)) throw new InvalidInput(`Workspace "${id}" already exists.`);
    const name = options.name ?? id;
    await this.store.exec(
      "INSERT INTO mg_workspaces (id, name, plan, suspended, created_at) VALUES ($id, $name, $plan, false, $now::TIMESTAMP)",
      { id, name, plan, now: this.nowIso() },
    );
    return { id, name, plan, suspended: false };
  }

  async findWorkspace(id: string): Promise<Workspace | undefined> {
    return this.lookup(`workspace:${id}`, async () => {
      const rows = await this.store.query<Workspace>("SELECT id, name, plan, suspended FROM mg_workspaces WHERE id = $id", { id });
      return rows[0];
    });
  }

  async requireWorkspace(id: string): Promise<Workspace> {
    const workspace = await this.findWorkspace(id);
    if (!workspace) throw new NotFound(`Workspace "${id}" does not exist.`);
    return workspace;
  }

  async setSuspended(id: string, suspended: boolean): Promise<Workspace> {
    await this.requireWorkspace(id);
    await this.store.exec("UPDATE mg_workspaces SET suspended = $suspended WHERE id = $id", { id, suspended });
    if (suspended) await this.endSessions(id);
    this.lookups.flushAll();
    return this.requireWorkspace(id);
  }

  async createUser(workspaceId: string, email: string, password: string): Promise<{ email: string }> {
    await this.requireWorkspace(workspaceId);
    const normalized = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(normalized)) throw new InvalidInput(`"${email}" is not an email address.`);
    if (password.length < 8) throw new InvalidInput("The password must be at least 8 characters long.");
    const existing = await this.store.query("SELECT 1 FROM mg_users WHERE email = $email", { email: normalized });
    if (existing.length > 0) throw new InvalidInput(`A user with the email ${normalized} already exists.`);
    await this.store.exec(
      "INSERT INTO mg_users (workspace_id, email, password_hash, created_at) VALUES ($ws, $email, $hash, $now::TIMESTAMP)",
      { ws: workspaceId, email: normalized, hash: await hashPassword(password), now: this.nowIso() },
    );
    return { email: normalized };
  }

  /** Checks email and password; the same error for an unknown email and a wrong password. */
  async authenticateUser(email: unknown, password: unknown): Promise<{ workspace: Workspace; email: string }> {
    const failure = new Unauthorized("Invalid email or password.");
    if (typeof email !== "string" || typeof password !== "string") throw failure;
    const normalized = email.trim().toLowerCase();
    const rows = await this.store.query<{ workspace_id: string; password_hash: string }>(
      "SELECT workspace_id, password_hash FROM mg_users WHERE email = $email",
      { email: normalized },
    );
    const user = rows[0];
    const ok = await verifyPassword(password, user?.password_hash ?? (await DECOY_HASH));
    if (!user || !ok) throw failure;
    return { workspace: await this.requireWorkspace(user.workspace_id), email: normalized };
  }

  async login(email: unknown, password: unknown): Promise<IssuedToken> {
    const { workspace, email: subject } = await this.authenticateUser(email, password);
    if (workspace.suspended) throw new Forbidden(`Workspace "${workspace.id}" is suspended.`);
    return this.issueToken(workspace.id, subject, "user", USER_TOKEN_SECONDS);
  }

  async issueServiceToken(workspaceId: string, name: string): Promise<IssuedToken> {
    await this.requireWorkspace(workspaceId);
    if (!name.trim()) throw new InvalidInput("The service account needs a name.");
    return this.issueToken(workspaceId, `service:${name.trim()}`, "service", SERVICE_TOKEN_SECONDS);
  }

  private async issueToken(
    workspaceId: string,
    subject: string,
    kind: "user" | "service",
    lifetimeSeconds: number,
  ): Promise<IssuedToken> {
    const jti = randomUUID();
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = new Date((issuedAt + lifetimeSeconds) * 1000);
    const token = await new SignJWT({ wid: workspaceId, kind })
      .setProtectedHeader({ alg: JWT_ALGORITHM, typ: "JWT" })
      .setIssuer(JWT_ISSUER)
      .setSubject(subject)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(this.keys.jwt);
    await this.store.exec(
      `INSERT INTO mg_tokens (jti, workspace_id, subject, kind, issued_at, expires_at)
       VALUES ($jti, $ws, $subject, $kind, to_timestamp($iat)::TIMESTAMP, $exp::TIMESTAMP)`,
      { jti, ws: workspaceId, subject, kind, iat: issuedAt, exp: expiresAt.toISOString() },
    );
    return { token, jti, expiresAt };
  }

  /** Revokes a token; with `workspaceId`, only a token of that workspace (another's reads as unknown). */
  async revokeToken(jti: string, workspaceId?: string): Promise<void> {
    const rows = await this.store.query<{ workspace_id: string }>("SELECT workspace_id FROM mg_tokens WHERE jti = $jti", { jti });
    if (rows.length === 0 || (workspaceId !== undefined && rows[0].workspace_id !== workspaceId)) {
      throw new NotFound(`No token with jti ${jti}.`);
    }
    await this.store.exec("UPDATE mg_tokens SET revoked_at = $now::TIMESTAMP WHERE jti = $jti", {
      jti,
      now: this.nowIso(),
    });
    this.lookups.flushAll();
  }

  /** The workspace's service-account tokens, newest first (the tokens themselves are never stored). */
  async listServiceTokens(workspaceId: string): Promise<ServiceTokenInfo[]> {
    const rows = await this.store.query<{ jti: string; subject: string; issued_at: string; expires_at: string; revoked_at: string | null }>(
      `SELECT jti, subject, issued_at, expires_at, revoked_at FROM mg_tokens
       WHERE workspace_id = $ws AND kind = 'service' ORDER BY issued_at DESC, jti`,
      { ws: workspaceId },
    );
    return rows.map((row) => ({
      jti: row.jti,
      name: row.subject.replace(/^service:/, ""),
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
    }));
  }

  /** Verifies signature (HS256 only), expiry (≤ 60 s leeway), issuer and revocation. */
  async verifyToken(token: string): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.jwt, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ["jti", "sub", "exp", "iat"],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new Unauthorized("The token has expired.");
      throw new Unauthorized("The token is invalid.");
    }
    const jti = String(payload.jti);
    const record = await this.lookup(`token:${jti}`, async () => {
      const rows = await this.store.query<TokenRecord>(
        "SELECT workspace_id, revoked_at IS NOT NULL AS revoked FROM mg_tokens WHERE jti = $jti",
        { jti },
      );
      return rows[0];
    });
    if (!record || record.workspace_id !== payload.wid) throw new Unauthorized("The token is invalid.");
    if (record.revoked) throw new Unauthorized("The token has been revoked.");
    return {
      workspace: await this.requireWorkspace(record.workspace_id),
      kind: "jwt",
      credentialId: `jwt:${jti}`,
      scope: "read",
      subject: String(payload.sub),
    };
  }

  async createApiKey(workspaceId: string, scope: Scope = "read", options: { shown?: boolean } = {}): Promise<string> {
    await this.requireWorkspace(workspaceId);
    if (!SCOPES.includes(scope)) throw new InvalidInput(`Scope must be one of ${SCOPES.join(", ")}.`);
    const key = API_KEY_PREFIX + randomBytes(24).toString("base64url");
    await this.store.exec(
      `INSERT INTO mg_api_keys (digest, workspace_id, scope, encrypted, prefix, created_at, shown)
       VALUES ($digest, $ws, $scope, $encrypted, $prefix, $now::TIMESTAMP, $shown)`,
      {
        digest: hmacHex(this.keys.digest, key),
        ws: workspaceId,
        scope,
        encrypted: encrypt(this.keys.encryption, key),
        prefix: key.slice(0, API_KEY_PREFIX.length + 4),
        now: this.nowIso(),
        shown: options.shown === true,
      },
    );
    return key;
  }

  async verifyApiKey(key: string): Promise<Principal> {
    const invalid = new Unauthorized("The API key is invalid.");
    if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) throw invalid;
    const digest = hmacHex(this.keys.digest, key);
    const record = await this.lookup(`key:${digest}`, async () => {
      const rows = await this.store.query<KeyRecord>(
        "SELECT digest, workspace_id, scope FROM mg_api_keys WHERE digest = $digest AND revoked_at IS NULL",
        { digest },
      );
      return rows[0];
    });
    if (!record || !constantTimeEqual(record.digest, digest)) throw invalid;
    return {
      workspace: await this.requireWorkspace(record.workspace_id),
      kind: "api_key",
      credentialId: `key:${digest.slice(0, 24)}`,
      scope: record.scope,
      subject: "api-key",
    };
  }

  /**
   * The workspace's shown key: the read key marked for the key-management routes. A workspace without
   * one gets its newest read key marked (so keys made before the mark existed keep being shown), or a new key.
   */
  async currentApiKey(workspaceId: string): Promise<string> {
    const shown = await this.shownKey(workspaceId);
    if (shown) return shown;
    await this.store.exec(
      `UPDATE mg_api_keys SET shown = true WHERE digest = (
         SELECT digest FROM mg_api_keys WHERE workspace_id = $ws AND scope = 'read' AND revoked_at IS NULL
         ORDER BY created_at DESC, digest LIMIT 1)`,
      { ws: workspaceId },
    );
    return (await this.shownKey(workspaceId)) ?? this.createApiKey(workspaceId, "read", { shown: true });
  }

  private async shownKey(workspaceId: string): Promise<string | undefined> {
    const rows = await this.store.query<{ encrypted: string }>(
      "SELECT encrypted FROM mg_api_keys WHERE workspace_id = $ws AND shown AND revoked_at IS NULL LIMIT 1",
      { ws: workspaceId },
    );
    return rows[0] ? decrypt(this.keys.encryption, rows[0].encrypted) : undefined;
  }

  /**
   * Revokes the shown key (only that one: keys from `key create` keep working) and shows a new one.
   * Every session of the workspace ends except `keepSession`, the one that asked.
   */
  async regenerateApiKey(workspaceId: string, keepSession?: string): Promise<string> {
    await this.currentApiKey(workspaceId);
    await this.store.exec(
      "UPDATE mg_api_keys SET revoked_at = $now::TIMESTAMP, shown = false WHERE workspace_id = $ws AND shown AND revoked_at IS NULL",
      { ws: workspaceId, now: this.nowIso() },
    );
    await this.endSessions(workspaceId, keepSession);
    this.lookups.flushAll();
    return this.createApiKey(workspaceId, "read", { shown: true });
  }

  /** A key-management session for a signed-in user: a random cookie value, stored only as its digest. */
  async startSession(workspaceId: string, email: string): Promise<{ value: string; expiresAt: Date }> {
    const value = SESSION_PREFIX + randomBytes(32).toString("base64url");
    const expiresAt = new Date(this.clock.now().getTime() + SESSION_SECONDS * 1000);
    await this.store.exec("DELETE FROM mg_sessions WHERE expires_at <= $now::TIMESTAMP", { now: this.nowIso() });
    await this.store.exec(
      `INSERT INTO mg_sessions (digest, workspace_id, email, created_at, expires_at)
       VALUES ($digest, $ws, $email, $now::TIMESTAMP, $expires::TIMESTAMP)`,
      { digest: hmacHex(this.keys.digest, value), ws: workspaceId, email, now: this.nowIso(), expires: expiresAt.toISOString() },
    );
    return { value, expiresAt };
  }

  /** The live session a cookie value names, or undefined (unknown, ended or expired). */
  async findSession(value: string): Promise<{ workspaceId: string; email: string } | undefined> {
    if (!value.startsWith(SESSION_PREFIX) || value.length > 200) return undefined;
    const rows = await this.store.query<{ workspace_id: string; email: string }>(
      "SELECT workspace_id, email FROM mg_sessions WHERE digest = $digest AND expires_at > $now::TIMESTAMP",
      { digest: hmacHex(this.keys.digest, value), now: this.nowIso() },
    );
    return rows[0] ? { workspaceId: rows[0].workspace_id, email: rows[0].email } : undefined;
  }

  async endSession(value: string): Promise<void> {
    await this.store.exec("DELETE FROM mg_sessions WHERE digest = $digest", { digest: hmacHex(this.keys.digest, value) });
  }

  /** Ends every session of a workspace but `keep` (its key was regenerated, or it was suspended). */
  async endSessions(workspaceId: string, keep?: string): Promise<void> {
    await this.store.exec("DELETE FROM mg_sessions WHERE workspace_id = $ws AND digest <> $keep", {
      ws: workspaceId,
      keep: keep ? hmacHex(this.keys.digest, keep) : "",
    });
  }
}
