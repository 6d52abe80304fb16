// One route per catalog endpoint: authenticate for the family, count the request, run it in the engine.

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Principal } from "../../shared/auth/accounts.ts";
import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import { coerceQuery, jsonKindOf } from "../../shared/catalog/params.ts";
import { csvOf } from "../../shared/query/answer.ts";
import { MetrigateError } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { authenticate } from "../credentials.ts";
import { AUTHENTICATED_BODY_LIMIT } from "../body-limits.ts";
import { applyRateLimit } from "../rate-limit.ts";
import type { RouteTable } from "../route-table.ts";

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Query string (GET) or JSON body (POST), plus path parameters, coerced to the schema's types. */
export function requestParams(endpoint: AnyEndpoint, request: FastifyRequest): Record<string, unknown> {
  // A body that is JSON but not an object (a list, null, a number) is not read as "no parameters".
  const { body } = request;
  if (endpoint.method !== "GET" && body !== undefined && (body === null || typeof body !== "object" || Array.isArray(body))) {
    throw new MetrigateError("invalid_parameter", `The body must be a JSON object of parameters, not ${jsonKindOf(body)}.`);
  }
  const source = endpoint.method === "GET" ? bracketListsJoined(objectOf(request.query)) : objectOf(body);
  return coerceQuery(endpoint.params, { ...source, ...objectOf(request.params) });
}

/** `country[]=US&country[]=GB` (axios, PHP) read as the repeated `country` it stands for. */
function bracketListsJoined(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const name = key.endsWith("[]") ? key.slice(0, -2) : key;
    out[name] = name in out ? [out[name], value].flat() : value;
  }
  return out;
}

/** CSV for `Accept: text/csv` or `format=csv` (CONTRACT §17). */
function wantsCsv(request: FastifyRequest, params: Record<string, unknown>): boolean {
  return params.format === "csv" || /\btext\/csv\b/i.test(request.headers.accept ?? "");
}

export function registerCatalogRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  for (const endpoint of CATALOG) {
    routes.add(endpoint.method, endpoint.path);
    // The credential is checked before the body is read, so unknown callers never get a large body buffered.
    const principals = new WeakMap<FastifyRequest, Principal>();
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      bodyLimit: AUTHENTICATED_BODY_LIMIT,
      onRequest: async (request) => {
        principals.set(request, await authenticate(runtime.accounts, request, endpoint.family));
      },
      handler: async (request, reply) => {
        const principal = principals.get(request) ?? (await authenticate(runtime.accounts, request, endpoint.family));
        const limit = await applyRateLimit(runtime.limits, principal, reply);
        const params = requestParams(endpoint, request);
        const result = await runtime.engine.run(endpoint, principal.workspace, params, limit.remaining);
        reply.header("X-Cache", result.cache);
        if (endpoint.tabular && wantsCsv(request, params)) return reply.type("text/csv; charset=utf-8").send(csvOf(endpoint.tabular(result.body)));
        return result.body;
      },
    });
  }
}
