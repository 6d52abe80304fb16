// OAuth 2.1 for /mcp (CONTRACT §12): the discovery documents (RFC 9728, RFC 8414), dynamic registration
// (RFC 7591), the sign-in and consent page behind /oauth/authorize, the token endpoint and revocation
// (RFC 7009). Errors are RFC 6749 JSON bodies; the page answers in HTML.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OAuthError, OAuthErrorCode, type OAuthProtectedResourceMetadata } from "@modelcontextprotocol/server";
import { OAUTH_APIS, AuthorizeRefusal, type AuthorizeRequest, type OAuthEndpoints } from "../../shared/auth/oauth.ts";
import { constantTimeEqual, hmacHex } from "../../shared/auth/secrets.ts";
import type { Family } from "../../shared/catalog/define.ts";
import { isMetrigateError, MetrigateError } from "../../shared/errors.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { OAUTH_BODY_LIMIT, SMALL_BODY_LIMIT } from "../body-limits.ts";
import { authorization, header } from "../credentials.ts";
import { AUTHORIZE_PARAMS, consentPage, refusalPage, type ConsentView } from "../oauth-page.ts";
import type { RouteTable } from "../route-table.ts";
import { CONSOLE_CSP, pageHeaders } from "./console.ts";
import { isHttps, signIn, type Session, type SessionReader } from "./taprain-keys.ts";

export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";

/** This server's issuer and /mcp URLs: METRIGATE_PUBLIC_URL when set, else the address the request reached. */
export function endpointsOf(publicUrl: string | undefined, request: FastifyRequest): OAuthEndpoints {
  const base = (publicUrl ?? `${isHttps(request) ? "https" : "http"}://${request.host}`).replace(/\/+$/, "");
  return { issuer: base, resource: `${base}/mcp` };
}

/** The RFC 9728 document for /mcp, by its path-suffixed address (where clients look first). */
export function resourceMetadataUrl(endpoints: OAuthEndpoints): string {
  return `${endpoints.issuer}${PROTECTED_RESOURCE_PATH}/mcp`;
}

type Form = Record<string, string[]>;

function parseForm(body: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(body)) (form[name] ??= []).push(value);
  return form;
}

/** One value of a form or query parameter; a repeated parameter is refused (RFC 6749 §3.1). */
function single(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw new OAuthError(OAuthErrorCode.InvalidRequest, `Parameter ${name} was given more than once.`);
    return typeof value[0] === "string" ? value[0] : undefined;
  }
  return typeof value === "string" ? value : undefined;
}

function singles(values: Record<string, unknown>, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, single(values, name)]));
}

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1) or the form; both at once is refused. */
function clientCredentials(request: FastifyRequest, form: Form): { clientId: string | undefined; clientSecret: string | undefined } {
  const auth = authorization(request);
  const fromForm = { clientId: single(form, "client_id"), clientSecret: single(form, "client_secret") };
  if (auth?.scheme !== "basic") return fromForm;
  if (fromForm.clientSecret !== undefined) throw new OAuthError(OAuthErrorCode.InvalidRequest, "Send the client secret either by HTTP Basic or in the form, not both.");
  const decoded = Buffer.from(auth.value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new OAuthError(OAuthErrorCode.InvalidClient, "The Basic credentials are malformed.");
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function oauthErrorReply(reply: FastifyReply, error: OAuthError): FastifyReply {
  const status = error.code === OAuthErrorCode.InvalidClient ? 401 : 400;
  if (status === 401) reply.header("WWW-Authenticate", 'Basic realm="metrigate-oauth"');
  return reply.code(status).type("application/json").send(error.toResponseObject());
}

/** The OAuth routes: discovery, registration, the login and consent page, token and revocation. */
export function registerOAuthRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable, requireSession: SessionReader): void {
  const { oauth, config, keys } = runtime;
  const endpoints = (request: FastifyRequest) => endpointsOf(config.publicUrl, request);

  const protectedResource = async (request: FastifyRequest, reply: FastifyReply) => {
    const here = endpoints(request);
    const metadata: OAuthProtectedResourceMetadata = {
      resource: here.resource,
      authorization_servers: [here.issuer],
      scopes_supported: [...OAUTH_APIS],
      bearer_methods_supported: ["header"],
      resource_name: "Metrigate MCP server",
    };
    return reply.header("Access-Control-Allow-Origin", "*").send(metadata);
  };
  for (const path of [PROTECTED_RESOURCE_PATH, `${PROTECTED_RESOURCE_PATH}/mcp`]) {
    routes.add("GET", path);
    app.get(path, protectedResource);
  }

  routes.add("GET", "/.well-known/oauth-authorization-server");
  app.get("/.well-known/oauth-authorization-server", async (request, reply) => {
    const { issuer } = endpoints(request);
    return reply.header("Access-Control-Allow-Origin", "*").send({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      registration_endpoint: `${issuer}/oauth/register`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
      revocation_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
      scopes_supported: [...OAUTH_APIS, "offline_access"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
  });

  /** The signed-in session, or undefined when there is none (a suspended workspace counts as none). */
  const currentSession = async (request: FastifyRequest): Promise<Session | undefined> => {
    try {
      return await requireSession(request);
    } catch (e) {
      if (isMetrigateError(e)) return undefined;
      throw e;
    }
  };
  const csrfTokenOf = (session: Session) => hmacHex(keys.urls, `oauth-consent:${session.value}`);

  /** The page for a checked request; the form posts back to this origin and then redirects to the client. */
  const showPage = async (reply: FastifyReply, status: number, view: Omit<ConsentView, "signedIn">, session: Session | undefined) => {
    const workspace = session ? await runtime.accounts.findWorkspace(session.workspaceId) : undefined;
    const signedIn = session && workspace ? { email: session.email, workspace: `${workspace.name} (${workspace.id})`, csrfToken: csrfTokenOf(session) } : undefined;
    const csp = CONSOLE_CSP.replace("form-action 'self'", `form-action 'self' ${new URL(view.redirectUri).origin}`);
    return pageHeaders(reply, csp).code(status).type("text/html; charset=utf-8").send(consentPage({ ...view, signedIn }));
  };
  const viewOf = (checked: AuthorizeRequest, params: Record<string, string | undefined>, apis: readonly Family[], error?: string) => ({
    clientName: checked.client.clientName,
    clientId: checked.client.clientId,
    redirectUri: checked.redirectUri,
    params,
    offered: checked.apis,
    apis,
    error,
  });
  const refuse = (request: FastifyRequest, reply: FastifyReply, refusal: AuthorizeRefusal) => {
    const back = oauth.refusalUrl(refusal, endpoints(request));
    if (back) return reply.redirect(back, 303);
    return pageHeaders(reply).code(400).type("text/html; charset=utf-8").send(refusalPage(refusal.message));
  };
  /** The request's authorization parameters, checked; a refusal is answered (redirect or page) and undefined returned. */
  const checked = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>) => {
    try {
      const params = singles(values, AUTHORIZE_PARAMS);
      return { params, request: await oauth.checkAuthorizeRequest(params, endpoints(request)) };
    } catch (e) {
      if (e instanceof AuthorizeRefusal) return void (await refuse(request, reply, e));
      if (e instanceof OAuthError) return void (await refuse(request, reply, new AuthorizeRefusal(e.code, e.message)));
      throw e;
    }
  };

  routes.add("POST", "/oauth/register");
  routes.add("GET", "/oauth/authorize");
  routes.add("POST", "/oauth/authorize");
  routes.add("POST", "/oauth/token");
  routes.add("POST", "/oauth/revoke");
  // A scope of its own: forms are parsed here only, and errors become RFC 6749 bodies.
  void app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => done(null, parseForm(String(body))));
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof OAuthError) return oauthErrorReply(reply, error);
      if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        return reply.code(413).header("Connection", "close").send({ error: OAuthErrorCode.InvalidRequest, error_description: "The request body is too large." });
      }
      if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
        return reply.code(400).send({ error: OAuthErrorCode.InvalidRequest, error_description: `The request is invalid: ${error.message}.` });
      }
      if (isMetrigateError(error) && error.status < 500) return reply.code(error.status).send({ error: OAuthErrorCode.InvalidRequest, error_description: error.message });
      request.log.error({ err: { message: error.message, stack: error.stack } }, "oauth request failed");
      return reply.code(500).send({ error: OAuthErrorCode.ServerError, error_description: `Internal error; quote request id ${request.id} when reporting it.` });
    });
    const formOf = (request: FastifyRequest): Form => {
      if (request.body === null || typeof request.body !== "object" || Array.isArray(request.body)) {
        throw new OAuthError(OAuthErrorCode.InvalidRequest, "Send the parameters as application/x-www-form-urlencoded.");
      }
      return request.body as Form;
    };

    // Registration, token and revocation carry no cookie, only what the body and Authorization hold, so
    // any web page may call them (a browser-based client); the sign-in page below stays same-origin.
    const anyPage = { onSend: async (_request: FastifyRequest, reply: FastifyReply) => void reply.header("Access-Control-Allow-Origin", "*") };
    for (const path of ["/oauth/register", "/oauth/token", "/oauth/revoke"]) {
      routes.add("OPTIONS", path);
      scope.options(path, async (_request, reply) =>
        reply
          .code(204)
          .headers({ "access-control-allow-origin": "*", "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "authorization, content-type", "access-control-max-age": "600" })
          .send(),
      );
    }

    scope.post("/oauth/register", { bodyLimit: OAUTH_BODY_LIMIT, ...anyPage }, async (request, reply) => reply.code(201).send(await oauth.register(request.body)));

    scope.get("/oauth/authorize", async (request, reply) => {
      const found = await checked(request, reply, request.query as Record<string, unknown>);
      if (!found) return reply;
      return showPage(reply, 200, viewOf(found.request, found.params, found.request.apis), await currentSession(request));
    });

    scope.post("/oauth/authorize", { bodyLimit: OAUTH_BODY_LIMIT }, async (request, reply) => {
      const form = formOf(request);
      const found = await checked(request, reply, form);
      if (!found) return reply;
      const here = endpoints(request);
      const chosen = found.request.apis.filter((api) => (form.api ?? []).includes(api));
      const again = (status: number, error: string, session?: Session) => showPage(reply, status, viewOf(found.request, found.params, chosen, error), session);
      // A browser names the page that posted; another site's page may not post here.
      const origin = header(request, "origin");
      if (origin !== undefined && origin !== new URL(here.issuer).origin) return again(403, "This form may only be sent from Metrigate's own page.");
      // Declining grants nothing, so it needs no sign-in: a user who will not connect is not made to log in.
      if (single(form, "decision") !== "allow") {
        const denied = new AuthorizeRefusal(OAuthErrorCode.AccessDenied, "The user denied the request.", { uri: found.request.redirectUri, state: found.request.state });
        return refuse(request, reply, denied);
      }
      const email = single(form, "email");
      let session: Session | undefined;
      if (email !== undefined) {
        try {
          session = await signIn(runtime, request, reply, { email, password: single(form, "password") });
        } catch (e) {
          if (e instanceof MetrigateError && e.status < 500) return again(e.status, e.message);
          throw e;
        }
      } else {
        session = await currentSession(request);
        if (!session) return again(401, "Sign in with your email and password.");
        if (!constantTimeEqual(single(form, "csrf_token") ?? "", csrfTokenOf(session))) return again(403, "The form has expired: review it and send it again.", session);
      }
      if (chosen.length === 0) return again(400, "Choose at least one API the client may use.", session);
      return reply.redirect(await oauth.approve(found.request, session, chosen, here), 303);
    });

    scope.post("/oauth/token", { bodyLimit: SMALL_BODY_LIMIT, ...anyPage }, async (request) => {
      const form = formOf(request);
      const params = singles(form, ["grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "resource", "scope"]);
      return oauth.token(params, clientCredentials(request, form), endpoints(request));
    });

    scope.post("/oauth/revoke", { bodyLimit: SMALL_BODY_LIMIT, ...anyPage }, async (request, reply) => {
      const form = formOf(request);
      await oauth.revoke(singles(form, ["token", "token_type_hint"]), clientCredentials(request, form));
      return reply.code(200).send({});
    });
  });
}
