// The OpenAPI description of every route that is not a catalog endpoint (login, sessions, key management,
// ingest, export downloads, MCP, health), keyed by "METHOD /path"; the web console's own routes excepted.

import type { Family } from "../shared/catalog/define.ts";
import { TABLES } from "../shared/store/tables.ts";

export type Operation = Record<string, unknown>;

/**
 * The web console's pages and the calls its page makes (session cookie plus CSRF token) are not an API
 * for scripts, so /openapi.json leaves them out; every other route must be described.
 */
export function isConsoleRoute(path: string): boolean {
  return path === "/console" || path.startsWith("/console/");
}

const ERROR_SCHEMAS: Record<Family, object> = {
  tapemetric: {
    type: "object",
    properties: { error: { type: "string", description: "invalid_parameter, unauthorized, forbidden, not_found, rate_limited or internal." }, message: { type: "string" } },
    required: ["error", "message"],
  },
  taprain: { type: "object", properties: { success: { const: false }, error: { type: "string" } }, required: ["success", "error"] },
  cdp: { type: "object", properties: { detail: { type: "string" } }, required: ["detail"] },
};

const ERROR_MEANINGS: Record<number, string> = {
  400: "Invalid parameter",
  401: "Missing or invalid credentials",
  403: "Suspended workspace, plan not allowed, or a link that is not valid",
  404: "Not found",
  413: "Request body too large",
  429: "Rate limit exceeded",
};

/** Error responses in one family's body shape (CONTRACT §7). */
export function errorResponses(family: Family, statuses: readonly number[]): Record<string, object> {
  return Object.fromEntries(
    statuses.map((status) => [String(status), { description: ERROR_MEANINGS[status], content: { "application/json": { schema: ERROR_SCHEMAS[family] } } }]),
  );
}

const json = (schema: object, description: string) => ({ description, content: { "application/json": { schema } } });

const credentialsBody = {
  required: true,
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: { email: { type: "string" }, password: { type: "string" } },
        required: ["email", "password"],
      },
    },
  },
};

const apiKeyAnswer = json(
  { type: "object", properties: { success: { const: true }, api_key: { type: "string", description: "The workspace's API key (mg_live_…)." } }, required: ["success", "api_key"] },
  "The API key",
);

export const ROUTE_DOCS: Record<string, Operation> = {
  "GET /healthz": {
    operationId: "healthz",
    summary: "Health check",
    description: "Answers while the server is up; needs no credential.",
    tags: ["server"],
    security: [],
    responses: { "200": json({ type: "object", properties: { status: { const: "ok" } }, required: ["status"] }, "The server is up") },
  },
  "GET /openapi.json": {
    operationId: "openapi",
    summary: "This document",
    description: "The OpenAPI 3.1 description of every route; needs no credential.",
    tags: ["server"],
    security: [],
    responses: { "200": json({ type: "object" }, "The OpenAPI document") },
  },
  "POST /v1/auth/login": {
    operationId: "tapemetric_login",
    summary: "Log in (Tapemetric)",
    description: "Exchanges a workspace user's email and password for a user JWT valid for 24 hours; send it as Authorization: Bearer.",
    tags: ["tapemetric"],
    security: [],
    requestBody: credentialsBody,
    responses: {
      "200": json(
        {
          type: "object",
          properties: {
            token: { type: "string", description: "The JWT." },
            token_type: { const: "Bearer" },
            expires_at: { type: "string", description: "When the token expires, ISO-8601 UTC in whole seconds." },
          },
          required: ["token", "token_type", "expires_at"],
        },
        "A user JWT",
      ),
      ...errorResponses("tapemetric", [400, 401, 403, 429]),
    },
  },
  "POST /api/v1/session": {
    operationId: "taprain_session_create",
    summary: "Sign in for key management (Taprain)",
    description: "Checks a workspace user's email and password and sets the HttpOnly, SameSite=Strict session cookie that the API-key routes need.",
    tags: ["taprain"],
    security: [],
    requestBody: credentialsBody,
    responses: {
      "200": json(
        {
          type: "object",
          properties: {
            success: { const: true },
            email: { type: "string" },
            workspace: { type: "string" },
            expires_at: { type: "string", description: "When the session ends, ISO-8601 UTC." },
          },
          required: ["success", "email", "workspace", "expires_at"],
        },
        "Signed in; the cookie is set",
      ),
      ...errorResponses("taprain", [401, 403]),
    },
  },
  "DELETE /api/v1/session": {
    operationId: "taprain_session_delete",
    summary: "Sign out (Taprain)",
    description: "Clears the session cookie.",
    tags: ["taprain"],
    security: [],
    responses: { "200": json({ type: "object", properties: { success: { const: true } }, required: ["success"] }, "Signed out") },
  },
  "GET /api/v1/api-key": {
    operationId: "taprain_api_key_get",
    summary: "Show the API key (Taprain)",
    description: "The workspace's current API key, for a signed-in user (session cookie).",
    tags: ["taprain"],
    security: [{ session: [] }],
    responses: { "200": apiKeyAnswer, ...errorResponses("taprain", [401, 403]) },
  },
  "POST /api/v1/api-key/regenerate": {
    operationId: "taprain_api_key_regenerate",
    summary: "Regenerate the API key (Taprain)",
    description: "Replaces the workspace's API key; the old one stops working at once.",
    tags: ["taprain"],
    security: [{ session: [] }],
    responses: { "200": apiKeyAnswer, ...errorResponses("taprain", [401, 403]) },
  },
  "POST /v1/ingest/{table}": {
    operationId: "ingest",
    summary: "Ingest rows",
    description:
      "Stores NDJSON rows (one JSON object per line) in one table; all rows of the request or none. The body is streamed, may be gzip-compressed (Content-Encoding: gzip) and may be up to METRIGATE_INGEST_MAX_BYTES (4 GiB by default) after decompression. Needs an API key with write scope.",
    tags: ["ingest"],
    security: [{ apiKeyHeader: [] }, { apiKeyAuthorization: [] }],
    parameters: [{ name: "table", in: "path", required: true, schema: { enum: TABLES.map((t) => t.name) } }],
    requestBody: { required: true, content: { "application/x-ndjson": { schema: { type: "string" } } } },
    responses: {
      "200": json(
        { type: "object", properties: { table: { type: "string" }, rows: { type: "integer", description: "Rows stored." } }, required: ["table", "rows"] },
        "The rows were stored",
      ),
      ...errorResponses("tapemetric", [400, 401, 403, 413, 429]),
    },
  },
  "GET /v1/analytics/export/{workspace}/{file}": {
    operationId: "tapemetric_export_download",
    summary: "Download an export (Tapemetric)",
    description: "The Parquet file of an export; the signed link (expires, sig) is the credential and works for one hour.",
    tags: ["tapemetric"],
    security: [],
    parameters: [
      { name: "workspace", in: "path", required: true, schema: { type: "string" } },
      { name: "file", in: "path", required: true, schema: { type: "string" } },
      { name: "expires", in: "query", required: true, schema: { type: "integer" }, description: "Unix seconds after which the link fails." },
      { name: "sig", in: "query", required: true, schema: { type: "string" }, description: "The link's HMAC signature." },
    ],
    responses: {
      "200": { description: "The Parquet file", content: { "application/vnd.apache.parquet": { schema: { type: "string", format: "binary" } } } },
      ...errorResponses("tapemetric", [403, 404]),
    },
  },
  "POST /mcp": {
    operationId: "mcp",
    summary: "MCP server (Streamable HTTP)",
    description:
      "The MCP server: one tool per endpoint, as JSON-RPC 2.0 messages over Streamable HTTP. Send a JWT and/or an API key of one workspace; each tool applies its API's credential rule.",
    tags: ["mcp"],
    security: [{ bearer: [] }, { apiKeyHeader: [] }, { apiKeyAuthorization: [] }],
    requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: { jsonrpc: { const: "2.0" }, method: { type: "string" } }, required: ["jsonrpc", "method"] } } } },
    responses: {
      "200": { description: "The JSON-RPC answer, as JSON or as an event stream", content: { "application/json": { schema: { type: "object" } }, "text/event-stream": { schema: { type: "string" } } } },
      "202": { description: "A notification or response was accepted" },
      ...errorResponses("tapemetric", [401, 403]),
    },
  },
};
