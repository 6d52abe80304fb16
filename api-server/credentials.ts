// Which credentials each family accepts and where (CONTRACT §4), turned into a verified Principal.

import type { FastifyRequest } from "fastify";
import type { Accounts, Principal } from "../shared/auth/accounts.ts";
import type { Family } from "../shared/catalog/define.ts";
import { BadParameter, Forbidden, Unauthorized } from "../shared/errors.ts";
import { jsonKindOf } from "../shared/catalog/params.ts";

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function authorization(request: FastifyRequest): { scheme: string; value: string } | undefined {
  const raw = header(request, "authorization");
  if (!raw) return undefined;
  const space = raw.indexOf(" ");
  if (space < 0) return { scheme: raw.toLowerCase(), value: "" };
  return { scheme: raw.slice(0, space).toLowerCase(), value: raw.slice(space + 1).trim() };
}

function queryApiKey(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.api_key;
  if (Array.isArray(value)) throw new BadParameter("api_key", "Parameter 'api_key' was given more than once; send it once.");
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Verifies the caller's credential for a family and refuses suspended workspaces. */
export async function authenticate(accounts: Accounts, request: FastifyRequest, family: Family): Promise<Principal> {
  const auth = authorization(request);
  const apiKeyHeader = header(request, "x-api-key");
  let principal: Principal;
  if (family === "tapemetric") {
    if (!auth || auth.scheme !== "bearer" || !auth.value) {
      throw new Unauthorized("Missing bearer token: send Authorization: Bearer <jwt>.");
    }
    principal = await accounts.verifyToken(auth.value);
  } else if (family === "taprain") {
    const key = apiKeyHeader ?? queryApiKey(request);
    if (!key) throw new Unauthorized("Missing API key: send the X-Api-Key header or the api_key query parameter.");
    principal = await accounts.verifyApiKey(key);
  } else if (auth?.scheme === "bearer" && auth.value) {
    principal = await accounts.verifyToken(auth.value);
  } else {
    const key = apiKeyHeader ?? (auth?.scheme === "api-key" ? auth.value : undefined);
    if (!key) {
      throw new Unauthorized("Authentication credentials were not provided: send Authorization: Bearer <jwt>, X-Api-Key or Authorization: Api-Key <key>.");
    }
    principal = await accounts.verifyApiKey(key);
  }
  if (principal.workspace.suspended) throw new Forbidden(`Workspace "${principal.workspace.id}" is suspended.`);
  return principal;
}

/**
 * The email and password of a sign-in as given: a field of the wrong type is a 400 naming it (not counted
 * by the sign-in brake); a missing one stays a missing credential, the 401 of a wrong password.
 */
export function signInFields(body: { email?: unknown; password?: unknown }): { email: unknown; password: unknown } {
  for (const name of ["email", "password"] as const) {
    const value = body[name];
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw new BadParameter(name, `The ${name} must be a string (got ${jsonKindOf(value)}).`);
    }
  }
  return { email: body.email, password: body.password };
}
