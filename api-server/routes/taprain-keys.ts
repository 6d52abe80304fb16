// Taprain API-key management behind a session cookie (CONTRACT §10.2): sign in with email and password,
// read the workspace's key, regenerate it.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { Forbidden, Unauthorized } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { header } from "../credentials.ts";
import type { RouteTable } from "../route-table.ts";

export const SESSION_COOKIE = "mg_session";
export const SESSION_SECONDS = 8 * 3600;
// The console (/console) reads the same session, so the cookie is sent on every path of this origin.
const COOKIE_PATH = "/";
// A type and audience of its own, and no jti, so a session value is never accepted as an API bearer token
// (bearer verification requires a jti on record) and no bearer token is accepted as a session.
const SESSION_TYPE = "mg-session+jwt";
const SESSION_AUDIENCE = "taprain-key-management";

export interface Session {
  workspaceId: string;
  email: string;
}

function isHttps(request: FastifyRequest): boolean {
  const forwarded = header(request, "x-forwarded-proto")?.split(",")[0].trim().toLowerCase();
  return forwarded === "https" || request.protocol === "https";
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (header(request, "cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function setSessionCookie(reply: FastifyReply, request: FastifyRequest, value: string, maxAge: number): void {
  const attributes = [`${SESSION_COOKIE}=${value}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAge}`, "HttpOnly", "SameSite=Strict"];
  if (isHttps(request)) attributes.push("Secure");
  reply.header("Set-Cookie", attributes.join("; "));
}

/** Reads a request's signed-in session, or refuses it (401, or 403 for a suspended workspace). */
export type SessionReader = (request: FastifyRequest) => Promise<Session>;

export function registerTaprainKeyRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): SessionReader {
  const { accounts, clock, keys } = runtime;

  async function signSession(session: Session): Promise<{ value: string; expiresAt: Date }> {
    const issuedAt = Math.floor(clock.now().getTime() / 1000);
    const value = await new SignJWT({ wid: session.workspaceId })
      .setProtectedHeader({ alg: "HS256", typ: SESSION_TYPE })
      .setAudience(SESSION_AUDIENCE)
      .setSubject(session.email)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + SESSION_SECONDS)
      .sign(keys.jwt);
    return { value, expiresAt: new Date((issuedAt + SESSION_SECONDS) * 1000) };
  }

  async function requireSession(request: FastifyRequest): Promise<Session> {
    const value = cookieValue(request, SESSION_COOKIE);
    if (!value) throw new Unauthorized("Not signed in: POST /api/v1/session with your email and password first.");
    let payload;
    try {
      ({ payload } = await jwtVerify(value, keys.jwt, {
        algorithms: ["HS256"],
        typ: SESSION_TYPE,
        audience: SESSION_AUDIENCE,
        currentDate: clock.now(),
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new Unauthorized("The session has expired: sign in again.");
      throw new Unauthorized("The session is invalid: sign in again.");
    }
    if (typeof payload.wid !== "string" || typeof payload.sub !== "string") throw new Unauthorized("The session is invalid: sign in again.");
    const workspace = await accounts.requireWorkspace(payload.wid);
    if (workspace.suspended) throw new Forbidden(`Workspace "${workspace.id}" is suspended.`);
    return { workspaceId: workspace.id, email: payload.sub };
  }

  routes.add("POST", "/api/v1/session");
  app.post("/api/v1/session", async (request, reply) => {
    const body = (request.body ?? {}) as { email?: unknown; password?: unknown };
    const user = await accounts.authenticateUser(body.email, body.password);
    if (user.workspace.suspended) throw new Forbidden(`Workspace "${user.workspace.id}" is suspended.`);
    const session = await signSession({ workspaceId: user.workspace.id, email: user.email });
    setSessionCookie(reply, request, session.value, SESSION_SECONDS);
    return { success: true, email: user.email, workspace: user.workspace.id, expires_at: session.expiresAt.toISOString() };
  });

  routes.add("DELETE", "/api/v1/session");
  app.delete("/api/v1/session", async (request, reply) => {
    setSessionCookie(reply, request, "", 0);
    return { success: true };
  });

  routes.add("GET", "/api/v1/api-key");
  app.get("/api/v1/api-key", async (request) => {
    const session = await requireSession(request);
    return { success: true, api_key: await accounts.currentApiKey(session.workspaceId) };
  });

  routes.add("POST", "/api/v1/api-key/regenerate");
  app.post("/api/v1/api-key/regenerate", async (request) => {
    const session = await requireSession(request);
    return { success: true, api_key: await accounts.regenerateApiKey(session.workspaceId) };
  });
  return requireSession;
}
