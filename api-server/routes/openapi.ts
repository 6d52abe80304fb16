// GET /openapi.json: the OpenAPI 3.1 document, derived from the endpoint catalog.

import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AnyEndpoint, Family } from "../../shared/catalog/define.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import type { RouteTable } from "../route-table.ts";

const SECURITY: Record<Family, Record<string, string[]>[]> = {
  tapemetric: [{ bearer: [] }],
  taprain: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
  cdp: [{ bearer: [] }, { apiKeyHeader: [] }],
};

const ERROR_SCHEMAS: Record<Family, object> = {
  tapemetric: { type: "object", properties: { error: { type: "string" }, message: { type: "string" } }, required: ["error", "message"] },
  taprain: { type: "object", properties: { success: { const: false }, error: { type: "string" } }, required: ["success", "error"] },
  cdp: { type: "object", properties: { detail: { type: "string" } }, required: ["detail"] },
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function operation(endpoint: AnyEndpoint): Record<string, unknown> {
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
  const errorContent = { "application/json": { schema: ERROR_SCHEMAS[endpoint.family] } };
  return {
    operationId: endpoint.name,
    summary: endpoint.title,
    description: endpoint.description,
    tags: [endpoint.family],
    security: SECURITY[endpoint.family],
    parameters,
    ...(endpoint.method === "POST" && Object.keys(bodyProperties).length > 0
      ? { requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: bodyProperties } } } } }
      : {}),
    responses: {
      "200": {
        description: "Success",
        content: {
          "application/json": { schema: jsonSchema(endpoint.response, "output") },
          ...(endpoint.tabular ? { "text/csv": { schema: { type: "string", description: "The rows as CSV with a header line (Accept: text/csv or format=csv)." } } } : {}),
        },
      },
      "400": { description: "Invalid parameter", content: errorContent },
      "401": { description: "Missing or invalid credentials", content: errorContent },
      "403": { description: "Suspended workspace or plan not allowed", content: errorContent },
      "429": { description: "Rate limit exceeded", content: errorContent },
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of CATALOG) {
    const path = endpoint.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    paths[path] = { ...paths[path], [endpoint.method.toLowerCase()]: operation(endpoint) };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Metrigate", version: "0.1.0", description: "Tapemetric, Taprain and CDP analytics APIs computed by Metrigate." },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-Api-Key" },
        apiKeyQuery: { type: "apiKey", in: "query", name: "api_key" },
      },
    },
    paths,
  };
}

export function registerOpenApiRoute(app: FastifyInstance, routes: RouteTable): void {
  const document = openApiDocument();
  routes.add("GET", "/openapi.json");
  app.get("/openapi.json", async () => document);
}
