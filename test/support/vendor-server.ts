// A stand-in for the three vendors' own hosts (test only, not in the product): three loopback servers that
// answer the seed documents' JSON examples verbatim, with each document's auth scheme and each family's
// error shape — and none of Metrigate's additions (no RateLimit headers, no requests_remaining).

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import type { Family } from "../../shared/catalog/define.ts";
import { seedExamples, type SeedExample } from "./seed-examples.ts";

export interface VendorCredentials {
  tapemetric: { url: string; email: string; password: string };
  taprain: { url: string; apiKey: string };
  cdp: { url: string; apiKey: string; token: string };
}

export interface VendorRequest {
  family: Family;
  method: string;
  path: string;
  /** The status the vendor answered. */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface VendorServers extends VendorCredentials {
  examples: readonly SeedExample[];
  /** Every request each vendor received, in order (logins included). */
  requests: VendorRequest[];
  /** Tokens issued by Tapemetric's login so far. */
  logins(): number;
  /** Invalidates every Tapemetric token issued so far, as an expiry would: the next call with one gets 401. */
  expireTokens(): void;
  close(): Promise<void>;
}

export interface VendorOptions {
  /** The login answer's body for a token (default `{ "token" }` alone: the document does not promise more). */
  loginBody?(token: string): Record<string, unknown>;
}

/** Each family's error body (CONTRACT §7, as the documents describe them). */
const ERROR_BODY: Record<Family, (status: number, message: string) => Record<string, unknown>> = {
  tapemetric: (status, message) => ({ error: { 400: "invalid_parameter", 401: "unauthorized", 404: "not_found" }[status] ?? "internal", message }),
  taprain: (_status, message) => ({ success: false, error: message }),
  cdp: (_status, message) => ({ detail: message }),
};

class VendorError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TAPEMETRIC_RANGES = ["24h", "7d", "30d", "qtd"];
const TAPEMETRIC_INTERVALS = ["1", "5", "15", "30", "60"];
const TAPRAIN_RANGES = ["hour", "today", "yesterday", "7days", "30days", "custom"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The documented parameters, checked with the vendor's own wording (not Metrigate's). */
function checkTapemetricQuery(query: URLSearchParams): void {
  const range = query.get("range");
  if (range !== null && !TAPEMETRIC_RANGES.includes(range)) throw new VendorError(400, `Unsupported range '${range}'. Use one of ${TAPEMETRIC_RANGES.join(" | ")}.`);
  const interval = query.get("interval");
  if (interval !== null && !TAPEMETRIC_INTERVALS.includes(interval)) throw new VendorError(400, `Unsupported interval '${interval}' (minutes: 1, 5, 15, 30 or 60).`);
  const limit = query.get("limit");
  if (limit !== null && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 200)) throw new VendorError(400, `limit must be between 1 and 200 (got '${limit}').`);
  const offset = query.get("offset");
  if (offset !== null && !/^\d+$/.test(offset)) throw new VendorError(400, `offset must be a non-negative integer (got '${offset}').`);
}

function checkTaprainQuery(query: URLSearchParams): void {
  const range = query.get("range") ?? "today";
  if (!TAPRAIN_RANGES.includes(range)) throw new VendorError(400, `Invalid range "${range}". Valid ranges: ${TAPRAIN_RANGES.join(", ")}.`);
  const timezone = query.get("timezone");
  if (timezone !== null) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new VendorError(400, `Invalid timezone "${timezone}".`);
    }
  }
  if (range !== "custom") return;
  const start = query.get("start");
  const end = query.get("end");
  if (!start || !end || !DATE.test(start) || !DATE.test(end)) throw new VendorError(400, "start and end (YYYY-MM-DD) are required when range=custom.");
  const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
  if (days < 0) throw new VendorError(400, "end must not be before start.");
  if (days > 365) throw new VendorError(400, "Date range too large: max 365 days.");
}

function bearerOf(req: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Starts the three vendors on loopback ports, each with fresh credentials. */
export async function startVendorServers(options: VendorOptions = {}): Promise<VendorServers> {
  const examples = seedExamples();
  const requests: VendorRequest[] = [];
  const secret = randomBytes(32);
  const email = "analyst@vendor.example";
  const password = randomBytes(9).toString("base64url");
  const taprainKey = `tr_${randomBytes(16).toString("hex")}`;
  const cdpKey = `cdp_${randomBytes(16).toString("hex")}`;
  const issue = (subject: string) => new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(subject).setJti(randomBytes(8).toString("hex")).setIssuedAt().sign(secret);
  const cdpToken = await issue("cdp-service-account");
  let liveTokens = new Set<string>();
  let logins = 0;

  /** Checks the document's credential for the family; the login endpoint is the one open door. */
  function authorize(family: Family, req: IncomingMessage, query: URLSearchParams): void {
    if (family === "tapemetric") {
      const token = bearerOf(req);
      if (!token || !liveTokens.has(token)) throw new VendorError(401, "Invalid or expired token.");
    } else if (family === "taprain") {
      const key = req.headers["x-api-key"] ?? query.get("api_key");
      if (key !== taprainKey) throw new VendorError(401, "Missing or invalid API key.");
    } else {
      const apiKey = req.headers["x-api-key"] ?? /^Api-Key (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (apiKey !== cdpKey && bearerOf(req) !== cdpToken) throw new VendorError(401, "Authentication credentials were not provided or are invalid.");
    }
  }

  async function answer(family: Family, req: IncomingMessage, url: URL): Promise<{ status: number; text: string }> {
    const method = req.method ?? "GET";
    if (family === "tapemetric" && method === "POST" && url.pathname === "/v1/auth/login") {
      let body: { email?: unknown; password?: unknown } = {};
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        throw new VendorError(400, "Body must be JSON with email and password.");
      }
      if (body.email !== email || body.password !== password) throw new VendorError(401, "Invalid email or password.");
      const token = await issue(email);
      liveTokens.add(token);
      logins++;
      return { status: 200, text: JSON.stringify(options.loginBody?.(token) ?? { token }) };
    }
    const example = examples.find((e) => e.family === family && e.method === method && e.path === url.pathname);
    if (!example) throw new VendorError(404, `Not found: ${method} ${url.pathname}`);
    authorize(family, req, url.searchParams);
    if (family === "tapemetric") checkTapemetricQuery(url.searchParams);
    if (family === "taprain") checkTaprainQuery(url.searchParams);
    return { status: 200, text: example.text };
  }

  function vendor(family: Family): Server {
    return createServer((req, res) => {
      const at = Date.now();
      const url = new URL(req.url ?? "/", "http://vendor.invalid");
      answer(family, req, url)
        .catch((e: unknown) => {
          const status = e instanceof VendorError ? e.status : 500;
          return { status, text: JSON.stringify(ERROR_BODY[family](status, e instanceof Error ? e.message : String(e))) };
        })
        .then(({ status, text }) => {
          requests.push({ family, method: req.method ?? "GET", path: url.pathname, status, at });
          send(res, status, text);
        });
    });
  }

  const servers = { tapemetric: vendor("tapemetric"), taprain: vendor("taprain"), cdp: vendor("cdp") };
  const [tapemetricUrl, taprainUrl, cdpUrl] = await Promise.all([listen(servers.tapemetric), listen(servers.taprain), listen(servers.cdp)]);
  return {
    tapemetric: { url: tapemetricUrl, email, password },
    taprain: { url: taprainUrl, apiKey: taprainKey },
    cdp: { url: cdpUrl, apiKey: cdpKey, token: cdpToken },
    examples,
    requests,
    logins: () => logins,
    expireTokens: () => {
      liveTokens = new Set();
    },
    close: async () => {
      await Promise.all(
        Object.values(servers).map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** The §16 settings that point every API at its vendor: what a user of the vendors' own hosts sets. */
export function vendorSettings(vendors: VendorCredentials): Record<string, string> {
  return {
    METRIGATE_TAPEMETRIC_URL: vendors.tapemetric.url,
    METRIGATE_TAPEMETRIC_EMAIL: vendors.tapemetric.email,
    METRIGATE_TAPEMETRIC_PASSWORD: vendors.tapemetric.password,
    METRIGATE_TAPRAIN_URL: vendors.taprain.url,
    METRIGATE_TAPRAIN_API_KEY: vendors.taprain.apiKey,
    METRIGATE_CDP_URL: vendors.cdp.url,
    METRIGATE_CDP_API_KEY: vendors.cdp.apiKey,
  };
}
