// GET /openapi.json: the OpenAPI 3.1 document of every registered route — catalog endpoints derived from
// their definitions, the other routes from their descriptions in route-docs.

import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AnyEndpoint, Family } from "../../shared/catalog/define.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import { errorResponses, ROUTE_DOCS, type Operation } from "../route-docs.ts";
import type { RouteTable } from "../route-table.ts";

const SECURITY: Record<Family, Record<string, string[]>[]> = {
  tapemetric: [{ bearer: [] }],
  taprain: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
  cdp: [{ bearer: [] }, { apiKeyHeader: [] }, { apiKeyAuthorization: [] }],
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/** `/v1/analytics/alerts/:id/acknowledge` → `/v1/analytics/alerts/{id}/acknowledge`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, "{$1}");
}

/**
 * A catalog endpoint's operation. The response schema is the endpoint's: documented fields required,
 * Metrigate's additions optional (CONTRACT §15), so a vendor's own answer validates too.
 */
function catalogOperation(endpoint: AnyEndpoint): Operation {
  const input = jsonSchema(endpoint.params, "input") as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const pathNames = [...endpoint.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
  const properties = input.properties ?? {};
  const parameters = Object.entries(properties)
    .filter(([name]) => endpoint.method === "GET" || pathNames.includes(name))
    .map(([name, schema]) => ({
      name,
      in: pathNames.includes(name) ? "path" : "query",
      required: pathNames.includes(name) || (input.required ?? []).includes(name),
      description: schema.description,
      schema,
    }));
  const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !pathNames.includes(name)));
  const bodyRequired = (input.required ?? []).filter((name) => name in bodyProperties);
  return {
    operationId: endpoint.name,
    summary: endpoint.title,
    description: endpoint.description,
    tags: [endpoint.family],
    security: SECURITY[endpoint.family],
    parameters,
    ...(endpoint.method === "POST" && Object.keys(bodyProperties).length > 0
      ? { requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: bodyProperties, required: bodyRequired } } } } }
      : {}),
    responses: {
      "200": {
        description: "Success",
        content: {
          "application/json": { schema: jsonSchema(endpoint.response, "output") },
          ...(endpoint.tabular ? { "text/csv": { schema: { type: "string", description: "The rows as CSV with a header line (Accept: text/csv or format=csv)." } } } : {}),
        },
      },
      ...errorResponses(endpoint.family, [400, 401, 403, 429]),
    },
  };
}

const CATALOG_OPERATIONS = new Map(CATALOG.map((endpoint) => [`${endpoint.method} ${openApiPath(endpoint.path)}`, catalogOperation(endpoint)]));

/** The description of a registered route, or undefined when nobody wrote one (a test lists those). */
export function operationFor(method: string, path: string): Operation | undefined {
  const key = `${method} ${openApiPath(path)}`;
  return CATALOG_OPERATIONS.get(key) ?? ROUTE_DOCS[key];
}

export function openApiDocument(routes: RouteTable): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path } of routes.list()) {
    const operation = operationFor(method, path);
    if (!operation) continue;
    const at = openApiPath(path);
    paths[at] = { ...paths[at], [method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Metrigate",
      version: "0.1.0",
      description:
        "Tapemetric, Taprain and CDP analytics APIs computed by Metrigate, plus login, key management, ingest, export downloads and MCP. " +
        "Response schemas follow the vendors' documents: documented fields are required, Metrigate's additions optional.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-Api-Key" },
        apiKeyQuery: { type: "apiKey", in: "query", name: "api_key" },
        apiKeyAuthorization: { type: "apiKey", in: "header", name: "Authorization", description: "Authorization: Api-Key <key>" },
        session: { type: "apiKey", in: "cookie", name: "mg_session" },
      },
    },
    paths,
  };
}

/** Registered last, so the document covers every route registered before it. */
export function registerOpenApiRoute(app: FastifyInstance, routes: RouteTable): void {
  routes.add("GET", "/openapi.json");
  const document = openApiDocument(routes);
  app.get("/openapi.json", async () => document);
}
