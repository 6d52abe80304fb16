// The OpenAPI description of every route that is not a catalog endpoint (login, sessions, key management,
// ingest, export downloads, MCP, health), keyed by "METHOD /path"; the web console's own routes excepted.

import type { Family } from "../shared/catalog/define.ts";
import { TABLES } from "../shared/store/tables.ts";
import { NDJSON_TYPES } from "./routes/ingest.ts";

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
  415: "Body media type not accepted",
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

const oauthError = (description: string) =>
  json(
    {
      type: "object",
      properties: { error: { type: "string", description: "An RFC 6749 error code, e.g. invalid_request, invalid_client, invalid_grant." }, error_description: { type: "string" } },
      required: ["error"],
    },
    description,
  );

const formBody = (properties: Record<string, object>, required: string[]) => ({
  required: true,
  content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties, required } } },
});

const htmlPage = (description: string) => ({ description, content: { "text/html": { schema: { type: "string" } } } });

const protectedResourceDoc = (path: string): Operation => ({
  operationId: path.endsWith("/mcp") ? "oauth_protected_resource_mcp" : "oauth_protected_resource",
  summary: "OAuth protected-resource metadata (RFC 9728)",
  description: "Names /mcp as the protected resource and this server as its authorization server; the 401 of /mcp points here.",
  tags: ["oauth"],
  security: [],
  responses: {
    "200": json(
      {
        type: "object",
        properties: { resource: { type: "string" }, authorization_servers: { type: "array", items: { type: "string" } }, scopes_supported: { type: "array", items: { type: "string" } } },
        required: ["resource", "authorization_servers"],
      },
      "The metadata document",
    ),
  },
});

const AUTHORIZE_QUERY = ["client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "state", "resource", "scope"];

export const ROUTE_DOCS: Record<string, Operation> = {
  "GET /.well-known/oauth-protected-resource": protectedResourceDoc("/.well-known/oauth-protected-resource"),
  "GET /.well-known/oauth-protected-resource/mcp": protectedResourceDoc("/.well-known/oauth-protected-resource/mcp"),
  "GET /.well-known/oauth-authorization-server": {
    operationId: "oauth_authorization_server",
    summary: "OAuth authorization-server metadata (RFC 8414)",
    description: "The endpoints, grant types (authorization_code, refresh_token), PKCE method (S256) and scopes (tapemetric, taprain, cdp) of the authorization server behind /mcp.",
    tags: ["oauth"],
    security: [],
    responses: { "200": json({ type: "object", properties: { issuer: { type: "string" } }, required: ["issuer"] }, "The metadata document") },
  },
  "POST /oauth/register": {
    operationId: "oauth_register",
    summary: "Register an OAuth client (RFC 7591)",
    description:
      "Dynamic client registration for MCP clients without a Client ID Metadata Document. redirect_uris must be https (or http to localhost); token_endpoint_auth_method none gets a public client, client_secret_basic or client_secret_post a secret shown once.",
    tags: ["oauth"],
    security: [],
    requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: { redirect_uris: { type: "array", items: { type: "string" } }, client_name: { type: "string" } }, required: ["redirect_uris"] } } } },
    responses: {
      "201": json({ type: "object", properties: { client_id: { type: "string" }, client_secret: { type: "string" } }, required: ["client_id"] }, "The registered client"),
      "400": oauthError("Invalid client metadata"),
    },
  },
  "GET /oauth/authorize": {
    operationId: "oauth_authorize_page",
    summary: "OAuth sign-in and consent page",
    description: "Authorization code request with PKCE (S256 only): shows a page where a workspace user signs in and chooses the APIs the client may use. A request that cannot be sent back to the client gets a 400 page; others are sent back with an error.",
    tags: ["oauth"],
    security: [],
    parameters: AUTHORIZE_QUERY.map((name) => ({ name, in: "query", required: !["state", "resource", "scope", "redirect_uri"].includes(name), schema: { type: "string" } })),
    responses: { "200": htmlPage("The page"), "303": { description: "Sent back to the client's redirect URI with an error" }, "400": htmlPage("The request cannot be authorized") },
  },
  "POST /oauth/authorize": {
    operationId: "oauth_authorize_decision",
    summary: "Send the consent form",
    description: "The page's form: email and password (or the signed-in session with its CSRF token), the APIs allowed, allow or deny. Sends the browser back to the client with a code, or shows the page again with the reason.",
    tags: ["oauth"],
    security: [],
    requestBody: formBody({ email: { type: "string" }, password: { type: "string" }, api: { type: "string" }, decision: { enum: ["allow", "deny"] } }, ["decision"]),
    responses: { "303": { description: "Back to the client's redirect URI with code, state and iss (or error=access_denied)" }, "400": htmlPage("No API chosen"), "401": htmlPage("Wrong email or password"), "403": htmlPage("Form from another origin or without its CSRF token") },
  },
  "POST /oauth/token": {
    operationId: "oauth_token",
    summary: "OAuth token endpoint",
    description: "grant_type authorization_code (with code_verifier) or refresh_token. Access tokens last an hour and are valid only at /mcp; refresh tokens are rotated on every use, and reusing a spent one revokes the whole grant.",
    tags: ["oauth"],
    security: [],
    requestBody: formBody({ grant_type: { enum: ["authorization_code", "refresh_token"] }, code: { type: "string" }, code_verifier: { type: "string" }, redirect_uri: { type: "string" }, refresh_token: { type: "string" }, client_id: { type: "string" }, resource: { type: "string" } }, ["grant_type"]),
    responses: {
      "200": json(
        {
          type: "object",
          properties: { access_token: { type: "string" }, token_type: { const: "Bearer" }, expires_in: { type: "integer" }, refresh_token: { type: "string" }, scope: { type: "string" } },
          required: ["access_token", "token_type", "expires_in", "refresh_token", "scope"],
        },
        "Tokens",
      ),
      "400": oauthError("Invalid request or grant"),
      "401": oauthError("Client authentication failed"),
    },
  },
  "POST /oauth/revoke": {
    operationId: "oauth_revoke",
    summary: "Revoke a token (RFC 7009)",
    description: "Revokes a refresh or access token and with it every token of the same grant. Unknown tokens are answered the same way.",
    tags: ["oauth"],
    security: [],
    requestBody: formBody({ token: { type: "string" }, client_id: { type: "string" } }, ["token"]),
    responses: { "200": json({ type: "object" }, "Revoked (or unknown)"), "400": oauthError("Invalid request"), "401": oauthError("Client authentication failed") },
  },
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
      "Stores NDJSON rows (one JSON object per line) in one table; all rows of the request or none. The key is checked first, then the media type: any of the NDJSON names below or text/plain (anything else is a 415). The body is streamed, may be gzip-compressed (Content-Encoding: gzip) and may be up to METRIGATE_INGEST_MAX_BYTES (4 GiB by default) after decompression. Needs an API key with write scope.",
    tags: ["ingest"],
    security: [{ apiKeyHeader: [] }, { apiKeyAuthorization: [] }],
    parameters: [{ name: "table", in: "path", required: true, schema: { enum: TABLES.map((t) => t.name) } }],
    requestBody: { required: true, content: Object.fromEntries(NDJSON_TYPES.map((type) => [type, { schema: { type: "string" } }])) },
    responses: {
      "200": json(
        { type: "object", properties: { table: { type: "string" }, rows: { type: "integer", description: "Rows stored." } }, required: ["table", "rows"] },
        "The rows were stored",
      ),
      ...errorResponses("tapemetric", [400, 401, 403, 413, 415, 429]),
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
      "The MCP server: one tool per endpoint, as JSON-RPC 2.0 messages over Streamable HTTP. Send a JWT and/or an API key of one workspace (each tool applies its API's credential rule), or an OAuth access token from /oauth/token (the tools of the APIs its user allowed). A 401 carries WWW-Authenticate: Bearer resource_metadata=\"…\".",
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
