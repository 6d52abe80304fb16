// Workspaces, users, API keys and JWTs: issuing, verifying and revoking every credential of CONTRACT §4.

import { randomBytes, randomUUID } from "node:crypto";
import NodeCache from "node-cache";
import type { Clock } from "../clock.ts";
import { Forbidden, InvalidInput, NotFound, Unauthorized } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { NO_ANNOUNCEMENTS, type Announcer } from "../announce/announcements.ts";
import { ACCOUNT_SQL } from "./account-sql.ts";
import { DECOY_HASH, hashPassword, verifyPassword } from "./passwords.ts";
import { constantTimeEqual, decrypt, encrypt, hmacHex, type Keys } from "./secrets.ts";

/** jose is loaded on first use: commands that sign or verify no token (an import) start without it. */
const loadJose = () => import("jose");

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
 * change to them goes through this class, which drops them at once and announces the change to the other
 * servers (they drop theirs), so a regenerated key, a revoked token or a suspension takes effect on the
 * next request to any server.
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
    private readonly announcer: Announcer = NO_ANNOUNCEMENTS,
  ) {}

  /** This engine's text of one account statement. */
  private sql(statement: keyof typeof ACCOUNT_SQL): string {
    return ACCOUNT_SQL[statement][this.store.dialect];
  }

  /** Forgets every credential and workspace row found before (another server changed one). */
  dropLookups(): void {
    this.lookups.flushAll();
  }

  /** After a change to credentials or workspaces: drop the rows found here, and tell every other server. */
  private async credentialsChanged(): Promise<void> {
    this.dropLookups();
    await this.announcer.announce({ kind: "credentials" });
  }

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
      this.sql("insertWorkspace"),
      { id, name, plan, now: this.nowIso() },
    );
    return { id, name, plan, suspended: false };
  }

  async findWorkspace(id: string): Promise<Workspace | undefined> {
    return this.lookup(`workspace:${id}`, async () => {
      const rows = await this.store.query<Workspace>(this.sql("findWorkspace"), { id });
      return rows[0];
    });
  }

  /** Every workspace's id in order; `activeOnly` leaves out the suspended ones. */
  async workspaceIds(activeOnly: boolean): Promise<string[]> {
    const rows = await this.store.query<{ id: string }>(this.sql("workspaceIds"), { activeOnly });
    return rows.map((row) => row.id);
  }

  async requireWorkspace(id: string): Promise<Workspace> {
    const workspace = await this.findWorkspace(id);
    if (!workspace) throw new NotFound(`Workspace "${id}" does not exist.`);
    return workspace;
  }

  async setSuspended(id: string, suspended: boolean): Promise<Workspace> {
    await this.requireWorkspace(id);
    await this.store.exec(this.sql("setSuspended"), { id, suspended });
    if (suspended) await this.endSessions(id);
    await this.credentialsChanged();
    return this.requireWorkspace(id);
  }

  async createUser(workspaceId: string, email: string, password: string): Promise<{ email: string }> {
    await this.requireWorkspace(workspaceId);
    const normalized = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(normalized)) throw new InvalidInput(`"${email}" is not an email address.`);
    if (password.length < 8) throw new InvalidInput("The password must be at least 8 characters long.");
    const existing = await this.store.query(this.sql("userExists"), { email: normalized });
    if (existing.length > 0) throw new InvalidInput(`A user with the email ${normalized} already exists.`);
    await this.store.exec(
      this.sql("insertUser"),
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
      this.sql("userByEmail"),
      { email: normalized },
    );
    const user = rows[0];
    const ok = await verifyPassword(password, user?.password_hash ?? DECOY_HASH);
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
    const { SignJWT } = await loadJose();
    const token = await new SignJWT({ wid: workspaceId, kind })
      .setProtectedHeader({ alg: JWT_ALGORITHM, typ: "JWT" })
      .setIssuer(JWT_ISSUER)
      .setSubject(subject)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(this.keys.jwt);
    await this.store.exec(
      this.sql("insertToken"),
      { jti, ws: workspaceId, subject, kind, iat: issuedAt, exp: expiresAt.toISOString() },
    );
    return { token, jti, expiresAt };
  }

  /** Revokes a token; with `workspaceId`, only a token of that workspace (another's reads as unknown). */
  async revokeToken(jti: string, workspaceId?: string): Promise<void> {
    const rows = await this.store.query<{ workspace_id: string }>(this.sql("tokenWorkspace"), { jti });
    if (rows.length === 0 || (workspaceId !== undefined && rows[0].workspace_id !== workspaceId)) {
      throw new NotFound(`No token with jti ${jti}.`);
    }
    await this.store.exec(this.sql("revokeToken"), {
      jti,
      now: this.nowIso(),
    });
    await this.credentialsChanged();
  }

  /** The workspace's service-account tokens, newest first (the tokens themselves are never stored). */
  async listServiceTokens(workspaceId: string): Promise<ServiceTokenInfo[]> {
    const rows = await this.store.query<{ jti: string; subject: string; issued_at: string; expires_at: string; revoked_at: string | null }>(
      this.sql("serviceTokens"),
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
    const { errors: joseErrors, jwtVerify } = await loadJose();
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
        this.sql("tokenRecord"),
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
      this.sql("insertApiKey"),
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
        this.sql("keyRecord"),
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
      this.sql("markNewestKeyShown"),
      { ws: workspaceId },
    );
    return (await this.shownKey(workspaceId)) ?? this.createApiKey(workspaceId, "read", { shown: true });
  }

  private async shownKey(workspaceId: string): Promise<string | undefined> {
    const rows = await this.store.query<{ encrypted: string }>(
      this.sql("shownKey"),
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
      this.sql("revokeShownKey"),
      { ws: workspaceId, now: this.nowIso() },
    );
    await this.endSessions(workspaceId, keepSession);
    await this.credentialsChanged();
    return this.createApiKey(workspaceId, "read", { shown: true });
  }

  /** A key-management session for a signed-in user: a random cookie value, stored only as its digest. */
  async startSession(workspaceId: string, email: string): Promise<{ value: string; expiresAt: Date }> {
    const value = SESSION_PREFIX + randomBytes(32).toString("base64url");
    const expiresAt = new Date(this.clock.now().getTime() + SESSION_SECONDS * 1000);
    await this.store.exec(this.sql("endExpiredSessions"), { now: this.nowIso() });
    await this.store.exec(
      this.sql("insertSession"),
      { digest: hmacHex(this.keys.digest, value), ws: workspaceId, email, now: this.nowIso(), expires: expiresAt.toISOString() },
    );
    return { value, expiresAt };
  }

  /** The live session a cookie value names, or undefined (unknown, ended or expired). */
  async findSession(value: string): Promise<{ workspaceId: string; email: string } | undefined> {
    if (!value.startsWith(SESSION_PREFIX) || value.length > 200) return undefined;
    const rows = await this.store.query<{ workspace_id: string; email: string }>(
      this.sql("findSession"),
      { digest: hmacHex(this.keys.digest, value), now: this.nowIso() },
    );
    return rows[0] ? { workspaceId: rows[0].workspace_id, email: rows[0].email } : undefined;
  }

  async endSession(value: string): Promise<void> {
    await this.store.exec(this.sql("endSession"), { digest: hmacHex(this.keys.digest, value) });
  }

  /** Ends every session of a workspace but `keep` (its key was regenerated, or it was suspended). */
  async endSessions(workspaceId: string, keep?: string): Promise<void> {
    await this.store.exec(this.sql("endWorkspaceSessions"), {
      ws: workspaceId,
      keep: keep ? hmacHex(this.keys.digest, keep) : "",
    });
  }
}
