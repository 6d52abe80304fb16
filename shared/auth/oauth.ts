// The OAuth 2.1 authorization server behind /mcp (CONTRACT §12): clients by Client ID Metadata Document or
// dynamic registration, authorization code with PKCE (S256 only), rotating refresh tokens whose reuse
// revokes the whole grant, revocation, and access tokens bound to the /mcp URL (RFC 8707). Framework-free:
// the HTTP face parses requests and renders pages; everything decided about tokens is decided here.

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { OAuthClientMetadataSchema } from "@modelcontextprotocol/core";
import { OAuthError, OAuthErrorCode } from "@modelcontextprotocol/server";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Family } from "../catalog/define.ts";
import type { Clock } from "../clock.ts";
import { Unauthorized } from "../errors.ts";
import type { Accounts, Workspace } from "./accounts.ts";
import { ClientDocumentError, type ClientDocuments } from "./client-metadata-documents.ts";
import type { OAuthStore } from "./oauth-store.ts";
import { constantTimeEqual, hmacHex, type Keys } from "./secrets.ts";

/** The APIs a client may be allowed, each also an OAuth scope of the same name. */
export const OAUTH_APIS: readonly Family[] = ["tapemetric", "taprain", "cdp"];

export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;
const CODE_SECONDS = 120;
const ACCESS_TOKEN_TYPE = "at+jwt";
const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_SECONDS = 60;
const CODE_PREFIX = "mg_code_";
const REFRESH_PREFIX = "mg_rt_";
const SECRET_PREFIX = "mg_cs_";
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export interface OAuthClient {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  /** Digest of a confidential client's secret; null for a public client. */
  secretDigest: string | null;
}

/** Where this server lives, as seen by the client: the issuer URL and the protected resource (/mcp). */
export interface OAuthEndpoints {
  issuer: string;
  resource: string;
}

/** A checked authorization request, ready for the consent page. */
export interface AuthorizeRequest {
  client: OAuthClient;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  resource: string;
  /** The APIs the client asked for (its scope), all three when it asked for none. */
  apis: Family[];
}

/** A refusal of an authorization request; `redirect` when the client's redirect URI may carry it. */
export class AuthorizeRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly redirect?: { uri: string; state: string | undefined },
  ) {
    super(message);
  }
}

export interface TokenAnswer {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** What an access token lets its bearer do. */
export interface OAuthAccess {
  workspace: Workspace;
  grantId: string;
  clientId: string;
  email: string;
  apis: Family[];
  expiresAt: number;
}

/** How the client authenticated at the token or revocation endpoint. */
export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
}

function randomSecret(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** Redirect URIs a client may register: https, or http to a loopback host (native apps, RFC 8252). */
function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect_uri "${uri}" is not a URL.`;
  }
  if (url.hash) return `redirect_uri "${uri}" may not carry a fragment.`;
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return undefined;
  return `redirect_uri "${uri}" must use https (or http to localhost).`;
}

/** Two resource identifiers name the same resource when they differ at most by one trailing slash. */
function sameResource(a: string, b: string): boolean {
  return a.replace(/\/$/, "") === b.replace(/\/$/, "");
}

/** The APIs of a stored list that this server knows, in catalog order. */
function knownApis(names: readonly string[]): Family[] {
  return OAUTH_APIS.filter((api) => names.includes(api));
}

export function parseApis(scope: string | undefined): Family[] | undefined {
  const names = (scope ?? "").split(" ").filter((s) => s !== "" && s !== "offline_access");
  const chosen = knownApis(names);
  if (chosen.length < names.length) return undefined;
  return chosen.length > 0 ? chosen : [...OAUTH_APIS];
}

export class OAuthServer {
  constructor(
    private readonly deps: { store: OAuthStore; accounts: Accounts; keys: Keys; clock: Clock; clientDocuments: ClientDocuments },
  ) {}

  private digest(secret: string): string {
    return hmacHex(this.deps.keys.digest, secret);
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock.now().getTime() / 1000);
  }

  /** RFC 7591: registers a client from its metadata; a secret only for clients that ask to authenticate. */
  async register(body: unknown): Promise<Record<string, unknown>> {
    const parsed = OAuthClientMetadataSchema.safeParse(body);
    if (!parsed.success) throw new OAuthError(OAuthErrorCode.InvalidClientMetadata, "The body is not client metadata: redirect_uris (a list of URLs) is required.");
    const metadata = parsed.data;
    if (metadata.redirect_uris.length === 0) throw new OAuthError(OAuthErrorCode.InvalidRedirectUri, "redirect_uris lists no URI.");
    const problem = metadata.redirect_uris.map(redirectUriProblem).find((p) => p !== undefined);
    if (problem) throw new OAuthError(OAuthErrorCode.InvalidRedirectUri, problem);
    const method = metadata.token_endpoint_auth_method ?? "client_secret_basic";
    if (!["none", "client_secret_basic", "client_secret_post"].includes(method)) {
      throw new OAuthError(OAuthErrorCode.InvalidClientMetadata, `token_endpoint_auth_method must be none, client_secret_basic or client_secret_post, not ${method}.`);
    }
    const grantTypes = metadata.grant_types ?? ["authorization_code", "refresh_token"];
    if (grantTypes.some((g) => g !== "authorization_code" && g !== "refresh_token")) {
      throw new OAuthError(OAuthErrorCode.InvalidClientMetadata, "grant_types may name authorization_code and refresh_token only.");
    }
    const clientId = `mg_client_${randomUUID()}`;
    const secret = method === "none" ? undefined : randomSecret(SECRET_PREFIX);
    const clientName = (metadata.client_name ?? "").trim().slice(0, 100) || clientId;
    await this.deps.store.insertClient({
      client_id: clientId,
      secret_digest: secret ? this.digest(secret) : null,
      client_name: clientName,
      redirect_uris: metadata.redirect_uris,
      auth_method: method,
    });
    return {
      client_id: clientId,
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      client_id_issued_at: this.nowSeconds(),
      client_name: clientName,
      redirect_uris: metadata.redirect_uris,
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
      response_types: ["code"],
    };
  }

  /** A client by id: an https URL is a metadata document (fetched, cached), anything else a registered client. */
  async client(clientId: string): Promise<OAuthClient> {
    if (/^https:\/\//i.test(clientId)) {
      try {
        const document = await this.deps.clientDocuments.resolve(clientId);
        const problem = document.redirectUris.map(redirectUriProblem).find((p) => p !== undefined);
        if (problem) throw new OAuthError(OAuthErrorCode.InvalidClient, `The client metadata document at ${clientId} is refused: ${problem}`);
        return { ...document, secretDigest: null };
      } catch (e) {
        if (e instanceof ClientDocumentError) throw new OAuthError(OAuthErrorCode.InvalidClient, e.message);
        throw e;
      }
    }
    const row = clientId.length <= 200 ? await this.deps.store.findClient(clientId) : undefined;
    if (!row) throw new OAuthError(OAuthErrorCode.InvalidClient, `Unknown client_id "${clientId.slice(0, 200)}".`);
    return { clientId: row.client_id, clientName: row.client_name, redirectUris: row.redirect_uris, secretDigest: row.secret_digest };
  }

  /** Checks an authorization request (RFC 6749 §4.1.1 with PKCE and RFC 8707 resource). */
  async checkAuthorizeRequest(params: Record<string, string | undefined>, endpoints: OAuthEndpoints): Promise<AuthorizeRequest> {
    if (!params.client_id) throw new AuthorizeRefusal(OAuthErrorCode.InvalidRequest, "The request names no client_id.");
    let client: OAuthClient;
    try {
      client = await this.client(params.client_id);
    } catch (e) {
      if (e instanceof OAuthError) throw new AuthorizeRefusal(e.code, e.message);
      throw e;
    }
    const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri) throw new AuthorizeRefusal(OAuthErrorCode.InvalidRequest, "The request names no redirect_uri and the client has several.");
    if (!client.redirectUris.includes(redirectUri)) throw new AuthorizeRefusal(OAuthErrorCode.InvalidRequest, "redirect_uri is not one of the client's registered redirect URIs.");
    const redirect = { uri: redirectUri, state: params.state };
    const refuse = (code: string, message: string) => new AuthorizeRefusal(code, message, redirect);
    if (params.response_type !== "code") throw refuse(OAuthErrorCode.UnsupportedResponseType, "response_type must be code.");
    if (params.code_challenge_method !== "S256") throw refuse(OAuthErrorCode.InvalidRequest, "code_challenge_method must be S256 (PKCE is required; plain is not accepted).");
    if (!params.code_challenge || !PKCE_VALUE.test(params.code_challenge)) throw refuse(OAuthErrorCode.InvalidRequest, "code_challenge is missing or malformed.");
    const resource = params.resource ?? endpoints.resource;
    if (!sameResource(resource, endpoints.resource)) throw refuse(OAuthErrorCode.InvalidTarget, `resource must be ${endpoints.resource}.`);
    const apis = parseApis(params.scope);
    if (!apis) throw refuse(OAuthErrorCode.InvalidScope, `scope may name ${OAUTH_APIS.join(", ")} (and offline_access).`);
    return { client, redirectUri, state: params.state, codeChallenge: params.code_challenge, resource: endpoints.resource, apis };
  }

  /** The user allowed `apis`: a grant and a one-time code; the URL to send the browser back to. */
  async approve(request: AuthorizeRequest, user: { workspaceId: string; email: string }, apis: Family[], endpoints: OAuthEndpoints): Promise<string> {
    const grantId = randomUUID();
    await this.deps.store.insertGrant({
      grant_id: grantId,
      client_id: request.client.clientId,
      workspace_id: user.workspaceId,
      email: user.email,
      apis,
      resource: request.resource,
    });
    const code = randomSecret(CODE_PREFIX);
    const expiresAt = new Date(this.deps.clock.now().getTime() + CODE_SECONDS * 1000);
    await this.deps.store.insertCode(this.digest(code), { grant_id: grantId, redirect_uri: request.redirectUri, code_challenge: request.codeChallenge }, expiresAt);
    return responseUrl(request.redirectUri, { code, state: request.state, iss: endpoints.issuer });
  }

  /** The URL that tells the client the user said no (or the request was refused after its client was known). */
  refusalUrl(refusal: AuthorizeRefusal, endpoints: OAuthEndpoints): string | undefined {
    if (!refusal.redirect) return undefined;
    return responseUrl(refusal.redirect.uri, { error: refusal.code, error_description: refusal.message, state: refusal.redirect.state, iss: endpoints.issuer });
  }

  /** The client of a token or revocation request, authenticated when it is confidential (RFC 6749 §2.3). */
  private async authenticatedClient(credentials: ClientCredentials): Promise<OAuthClient> {
    if (!credentials.clientId) throw new OAuthError(OAuthErrorCode.InvalidClient, "The request names no client_id.");
    const client = await this.client(credentials.clientId);
    if (client.secretDigest !== null) {
      const given = credentials.clientSecret ? this.digest(credentials.clientSecret) : "";
      if (!constantTimeEqual(given, client.secretDigest)) throw new OAuthError(OAuthErrorCode.InvalidClient, "Client authentication failed.");
    }
    return client;
  }

  /** The token endpoint: authorization_code (with PKCE) or refresh_token (rotated). */
  async token(params: Record<string, string | undefined>, credentials: ClientCredentials, endpoints: OAuthEndpoints): Promise<TokenAnswer> {
    const client = await this.authenticatedClient(credentials);
    if (params.resource !== undefined && !sameResource(params.resource, endpoints.resource)) {
      throw new OAuthError(OAuthErrorCode.InvalidTarget, `resource must be ${endpoints.resource}.`);
    }
    if (params.grant_type === "authorization_code") return this.redeemCode(params, client, endpoints);
    if (params.grant_type === "refresh_token") return this.refresh(params, client, endpoints);
    throw new OAuthError(OAuthErrorCode.UnsupportedGrantType, "grant_type must be authorization_code or refresh_token.");
  }

  private async redeemCode(params: Record<string, string | undefined>, client: OAuthClient, endpoints: OAuthEndpoints): Promise<TokenAnswer> {
    const invalid = (why: string) => new OAuthError(OAuthErrorCode.InvalidGrant, why);
    if (!params.code) throw new OAuthError(OAuthErrorCode.InvalidRequest, "code is required.");
    if (!params.code_verifier || !PKCE_VALUE.test(params.code_verifier)) throw new OAuthError(OAuthErrorCode.InvalidRequest, "code_verifier is missing or malformed.");
    if (!params.code.startsWith(CODE_PREFIX)) throw invalid("The authorization code is unknown.");
    const digest = this.digest(params.code);
    // Looked at first and used only once every check passed: a request refused for its own mistake (a
    // wrong verifier, another client) leaves the code to its rightful redemption.
    const code = await this.deps.store.takeCode(digest, false);
    if (!code) throw invalid("The authorization code is unknown.");
    const replayed = async () => {
      // A code presented twice was seen by someone else: nothing issued under it may live on (RFC 6749 §4.1.2).
      await this.deps.store.revokeGrant(code.grant_id);
      return invalid("The authorization code was already used; the tokens issued for it are revoked.");
    };
    if (code.reused) throw await replayed();
    if (code.expired) throw invalid("The authorization code has expired.");
    const grant = await this.deps.store.findGrant(code.grant_id);
    if (!grant || grant.revoked || grant.client_id !== client.clientId) throw invalid("The authorization code was issued to another client.");
    if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirect_uri) throw invalid("redirect_uri differs from the authorization request's.");
    if (!constantTimeEqual(pkceChallenge(params.code_verifier), code.code_challenge)) throw invalid("code_verifier does not match the code_challenge.");
    // Two redemptions racing: only the first to mark the code used gets tokens.
    if ((await this.deps.store.takeCode(digest, true))?.reused !== false) throw await replayed();
    return this.issue(grant.grant_id, grant.client_id, grant.workspace_id, grant.email, knownApis(grant.apis), endpoints);
  }

  private async refresh(params: Record<string, string | undefined>, client: OAuthClient, endpoints: OAuthEndpoints): Promise<TokenAnswer> {
    const invalid = (why: string) => new OAuthError(OAuthErrorCode.InvalidGrant, why);
    if (!params.refresh_token) throw new OAuthError(OAuthErrorCode.InvalidRequest, "refresh_token is required.");
    if (!params.refresh_token.startsWith(REFRESH_PREFIX)) throw invalid("The refresh token is unknown.");
    const digest = this.digest(params.refresh_token);
    // As with codes: rotated only once every check passed, so a refused request (another client, a wider
    // scope) does not spend the token and end the connection at its next, proper refresh.
    const token = await this.deps.store.takeRefreshToken(digest, false);
    if (!token) throw invalid("The refresh token is unknown.");
    const grant = await this.deps.store.findGrant(token.grant_id);
    if (!grant || grant.client_id !== client.clientId) throw invalid("The refresh token was issued to another client.");
    const replayed = async () => {
      // Rotation: an old refresh token coming back means two parties hold it; end the whole family.
      await this.deps.store.revokeGrant(grant.grant_id);
      return invalid("The refresh token was already used; every token of this grant is now revoked.");
    };
    if (token.reused) throw await replayed();
    if (grant.revoked) throw invalid("The grant has been revoked.");
    if (token.expired) throw invalid("The refresh token has expired.");
    const apis = params.scope === undefined ? knownApis(grant.apis) : parseApis(params.scope);
    if (!apis || apis.some((api) => !grant.apis.includes(api))) throw new OAuthError(OAuthErrorCode.InvalidScope, `scope may only narrow the granted APIs (${grant.apis.join(" ")}).`);
    if ((await this.deps.store.takeRefreshToken(digest, true))?.reused !== false) throw await replayed();
    return this.issue(grant.grant_id, grant.client_id, grant.workspace_id, grant.email, apis, endpoints);
  }

  private async issue(grantId: string, clientId: string, workspaceId: string, email: string, apis: Family[], endpoints: OAuthEndpoints): Promise<TokenAnswer> {
    const now = this.nowSeconds();
    const accessToken = await new SignJWT({ wid: workspaceId, gid: grantId, client_id: clientId, scope: apis.join(" ") })
      .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(endpoints.issuer)
      .setAudience(endpoints.resource)
      .setSubject(email)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_SECONDS)
      .sign(this.deps.keys.oauthAccess);
    const refreshToken = randomSecret(REFRESH_PREFIX);
    await this.deps.store.insertRefreshToken(this.digest(refreshToken), grantId, new Date((now + REFRESH_TOKEN_SECONDS) * 1000));
    return { access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refreshToken, scope: apis.join(" ") };
  }

  /**
   * RFC 7009: revoking a refresh token or an access token ends the grant it belongs to (every token of it).
   * Unknown tokens and tokens of other clients are ignored, as the RFC asks (the answer is the same).
   */
  async revoke(params: Record<string, string | undefined>, credentials: ClientCredentials): Promise<void> {
    const client = await this.authenticatedClient(credentials);
    if (!params.token) throw new OAuthError(OAuthErrorCode.InvalidRequest, "token is required.");
    const grantId = params.token.startsWith(REFRESH_PREFIX)
      ? (await this.deps.store.takeRefreshToken(this.digest(params.token), false))?.grant_id
      : await this.grantOfAccessToken(params.token);
    if (!grantId) return;
    const grant = await this.deps.store.findGrant(grantId);
    if (grant && grant.client_id === client.clientId) await this.deps.store.revokeGrant(grantId);
  }

  /** The operator's switch: ends every consent of a workspace (its assistants must sign in again); how many were live. */
  async revokeWorkspace(workspaceId: string): Promise<number> {
    await this.deps.accounts.requireWorkspace(workspaceId);
    const live = await this.deps.store.countLiveGrants(workspaceId);
    await this.deps.store.revokeWorkspaceGrants(workspaceId);
    return live;
  }

  private async grantOfAccessToken(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.deps.keys.oauthAccess, { algorithms: [ALGORITHM], typ: ACCESS_TOKEN_TYPE, currentDate: this.deps.clock.now(), clockTolerance: CLOCK_TOLERANCE_SECONDS });
      return typeof payload.gid === "string" ? payload.gid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether a bearer token is one of ours (an OAuth access token) rather than an API JWT. */
  static isAccessToken(token: string): boolean {
    try {
      return decodeProtectedHeader(token).typ === ACCESS_TOKEN_TYPE;
    } catch {
      return false;
    }
  }

  /** Verifies an access token for this resource: signature (HS256 only), audience, issuer, expiry, grant. */
  async verifyAccessToken(token: string, endpoints: OAuthEndpoints): Promise<OAuthAccess> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.deps.keys.oauthAccess, {
        algorithms: [ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: endpoints.issuer,
        audience: endpoints.resource,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.deps.clock.now(),
        requiredClaims: ["sub", "exp", "gid", "wid", "client_id", "scope"],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new Unauthorized("The access token has expired: refresh it.");
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === "aud") throw new Unauthorized(`The access token was issued for another resource, not ${endpoints.resource}.`);
      throw new Unauthorized("The access token is invalid.");
    }
    const grant = await this.deps.store.findGrant(String(payload.gid));
    if (!grant || grant.workspace_id !== payload.wid) throw new Unauthorized("The access token is invalid.");
    if (grant.revoked) throw new Unauthorized("The access token has been revoked.");
    const apis = knownApis(String(payload.scope).split(" ")).filter((api) => grant.apis.includes(api));
    return {
      workspace: await this.deps.accounts.requireWorkspace(grant.workspace_id),
      grantId: grant.grant_id,
      clientId: grant.client_id,
      email: grant.email,
      apis,
      expiresAt: Number(payload.exp),
    };
  }
}

/** The redirect URI with the answer's parameters added to its query (absent values left out). */
function responseUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}
