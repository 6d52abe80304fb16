// Taprain API-key management behind a session cookie (CONTRACT §10.2): sign in with email and password,
// read the workspace's key, regenerate it. Sessions are stored server-side, so signing out, regenerating
// the key and suspending the workspace end them at once.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SESSION_SECONDS } from "../../shared/auth/accounts.ts";
import { Forbidden, Unauthorized } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { header, signInFields } from "../credentials.ts";
import type { RouteTable } from "../route-table.ts";

export const SESSION_COOKIE = "mg_session";
// The console (/console) reads the same session, so the cookie is sent on every path of this origin.
const COOKIE_PATH = "/";

export interface Session {
  workspaceId: string;
  email: string;
  /** The cookie value, so a caller can end every session but this one. */
  value: string;
}

export function isHttps(request: FastifyRequest): boolean {
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

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, value: string, maxAge: number): void {
  const attributes = [`${SESSION_COOKIE}=${value}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAge}`, "HttpOnly", "SameSite=Strict"];
  if (isHttps(request)) attributes.push("Secure");
  reply.header("Set-Cookie", attributes.join("; "));
}

/** Reads a request's signed-in session, or refuses it (401, or 403 for a suspended workspace). */
export type SessionReader = (request: FastifyRequest) => Promise<Session>;

/**
 * The product's one sign-in, shared by the API, the console and the OAuth page: email and password checked
 * under the login throttle, then a server-side session and its cookie. Suspended workspaces are refused.
 */
export async function signIn(
  runtime: Pick<Runtime, "accounts" | "loginThrottle">,
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { email?: unknown; password?: unknown },
): Promise<Session & { expiresAt: Date }> {
  const { email, password } = signInFields(credentials);
  const user = await runtime.loginThrottle.attempt(email, request.ip, () => runtime.accounts.authenticateUser(email, password));
  if (user.workspace.suspended) throw new Forbidden(`Workspace "${user.workspace.id}" is suspended.`);
  const session = await runtime.accounts.startSession(user.workspace.id, user.email);
  setSessionCookie(reply, request, session.value, SESSION_SECONDS);
  return { workspaceId: user.workspace.id, email: user.email, value: session.value, expiresAt: session.expiresAt };
}

export function registerTaprainKeyRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): SessionReader {
  const { accounts } = runtime;

  async function requireSession(request: FastifyRequest): Promise<Session> {
    const value = cookieValue(request, SESSION_COOKIE);
    if (!value) throw new Unauthorized("Not signed in: POST /api/v1/session with your email and password first.");
    const session = await accounts.findSession(value);
    if (!session) throw new Unauthorized("The session has ended or expired: sign in again.");
    const workspace = await accounts.requireWorkspace(session.workspaceId);
    if (workspace.suspended) throw new Forbidden(`Workspace "${workspace.id}" is suspended.`);
    return { ...session, value };
  }

  routes.add("POST", "/api/v1/session");
  app.post("/api/v1/session", async (request, reply) => {
    const session = await signIn(runtime, request, reply, (request.body ?? {}) as { email?: unknown; password?: unknown });
    return { success: true, email: session.email, workspace: session.workspaceId, expires_at: session.expiresAt.toISOString() };
  });

  routes.add("DELETE", "/api/v1/session");
  app.delete("/api/v1/session", async (request, reply) => {
    const value = cookieValue(request, SESSION_COOKIE);
    if (value) await accounts.endSession(value);
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
    // Every other session of the workspace ends: a stolen cookie does not outlive the key it could read.
    return { success: true, api_key: await accounts.regenerateApiKey(session.workspaceId, session.value) };
  });
  return requireSession;
}
