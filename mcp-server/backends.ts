// Who answers a tool call: the engine in this process (local mode) or a wire-compatible server over HTTP
// (remote mode). Either way the answer is the endpoint's JSON body, or a MetrigateError with the API's sentence.

import type { Principal, Workspace } from "../shared/auth/accounts.ts";
import type { AnyEndpoint, Family } from "../shared/catalog/define.ts";
import type { RemoteConnections } from "../shared/client/remote-connections.ts";
import type { CallOptions } from "../shared/client/remote.ts";
import type { Engine } from "../shared/engine.ts";
import { Forbidden, Unauthorized } from "../shared/errors.ts";
import type { RateLimits } from "../shared/limits/rate-limits.ts";

export interface ToolBackend {
  /** `options` matter only where a call can wait (remote mode): progress while waiting, cancellation. */
  call(endpoint: AnyEndpoint, params: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
}

/**
 * Whose tools these are. `operator`: stdio with `--workspace`, the process holds the database, nothing is
 * rate limited. `credentials`: the caller of `/mcp`, with the JWT and/or API key it presented. `oauth`: the
 * caller of `/mcp` with an OAuth access token, allowed the APIs its user consented to.
 */
export type LocalCaller =
  | { kind: "operator"; workspace: Workspace }
  | { kind: "credentials"; workspace: Workspace; jwt?: Principal; apiKey?: Principal }
  | { kind: "oauth"; workspace: Workspace; principal: Principal; apis: readonly Family[] };

/** Why a tool of this family cannot run with the credentials of this connection. */
export function missingCredential(family: Family): Unauthorized {
  switch (family) {
    case "tapemetric":
      return new Unauthorized(
        "Tapemetric tools need a JWT (the Tapemetric API accepts no API key): connect with Authorization: Bearer <jwt>, or start remote mode with --token.",
      );
    case "taprain":
      return new Unauthorized(
        "Taprain tools need an API key (the Taprain API accepts no JWT): connect with X-Api-Key: <key>, or start remote mode with --api-key.",
      );
    case "cdp":
      return new Unauthorized("CDP tools need a JWT or an API key: connect with Authorization: Bearer <jwt> or X-Api-Key: <key>.");
  }
}

/** Why an OAuth connection cannot use a family's tools: the user did not allow that API. */
export function notGranted(family: Family): Forbidden {
  return new Forbidden(`This connection was not allowed the ${family} API: reconnect the client and allow it on the consent page.`);
}

/** The credential the HTTP API would accept for the family (CDP prefers the bearer token, as the API does). */
function principalFor(family: Family, caller: Exclude<LocalCaller, { kind: "operator" }>): Principal | undefined {
  if (caller.kind === "oauth") return caller.apis.includes(family) ? caller.principal : undefined;
  if (family === "tapemetric") return caller.jwt;
  if (family === "taprain") return caller.apiKey;
  return caller.jwt ?? caller.apiKey;
}

/** The engine in process, scoped to the caller's workspace; each call counts against the caller's limit. */
export function localBackend(deps: { engine: Engine; limits: RateLimits }, caller: LocalCaller): ToolBackend {
  return {
    async call(endpoint, params) {
      let remaining: number | null = null;
      if (caller.kind !== "operator") {
        const principal = principalFor(endpoint.family, caller);
        if (!principal) throw caller.kind === "oauth" ? notGranted(endpoint.family) : missingCredential(endpoint.family);
        remaining = (await deps.limits.consume(principal)).remaining;
      }
      const result = await deps.engine.run(endpoint, caller.workspace, params, remaining);
      return result.body;
    },
  };
}

/**
 * Each API's own host (or one Metrigate server) through its remote client (CONTRACT §16). Arguments go to
 * the host unchecked: it is the authority on what it accepts, and a bad one gets the host's own sentence.
 */
export function remoteBackend(connections: RemoteConnections): ToolBackend {
  return { call: (endpoint, params, options) => connections.call(endpoint, params, options) };
}
