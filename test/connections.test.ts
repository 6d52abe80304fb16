// CONTRACT §16 in the shared core: settings → one connection per API, and the Tapemetric login flow
// against the vendor test server (which itself is checked here: verbatim examples, auth schemes, errors).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  flagOf,
  hasRemoteUrl,
  memoryTokenStore,
  requireConnection,
  resolveConnections,
  runExchange,
  runExchangeAsync,
  TapemetricLogin,
  type HttpAnswer,
} from "../shared/client/connections.ts";
import { remoteClientFor } from "../shared/client/remote.ts";
import type { HttpRequest } from "../shared/client/request.ts";
import { endpointByName } from "../shared/catalog/index.ts";
import { seedExample } from "./support/seed-examples.ts";
import { startVendorServers, type VendorServers } from "./support/vendor-server.ts";

describe("resolving settings into connections", () => {
  const cases: { name: string; settings: Record<string, string | undefined>; expected: Record<string, unknown> }[] = [
    {
      name: "one Metrigate server for all three",
      settings: { METRIGATE_URL: "https://mg.example/", METRIGATE_API_KEY: "k", METRIGATE_TOKEN: "t" },
      expected: {
        tapemetric: { url: "https://mg.example", credentials: { token: "t" }, credentialSettings: "METRIGATE_TOKEN" },
        taprain: { url: "https://mg.example", credentials: { apiKey: "k" }, credentialSettings: "METRIGATE_API_KEY" },
        cdp: { url: "https://mg.example", credentials: { apiKey: "k", token: "t" }, credentialSettings: "METRIGATE_API_KEY" },
      },
    },
    {
      name: "per-API settings override the shared ones for that API only",
      settings: {
        METRIGATE_URL: "https://mg.example",
        METRIGATE_API_KEY: "k",
        METRIGATE_TOKEN: "t",
        METRIGATE_TAPRAIN_URL: "https://taprain.com",
        METRIGATE_TAPRAIN_API_KEY: "tr",
      },
      expected: {
        tapemetric: { url: "https://mg.example", credentials: { token: "t" } },
        taprain: { url: "https://taprain.com", credentials: { apiKey: "tr" }, credentialSettings: "METRIGATE_TAPRAIN_API_KEY" },
        cdp: { url: "https://mg.example", credentials: { apiKey: "k", token: "t" } },
      },
    },
    {
      name: "email and password mean a login, even when a shared token is set",
      settings: {
        METRIGATE_URL: "https://mg.example",
        METRIGATE_TOKEN: "t",
        METRIGATE_TAPEMETRIC_EMAIL: "a@b.c",
        METRIGATE_TAPEMETRIC_PASSWORD: "pw",
      },
      expected: {
        tapemetric: { url: "https://mg.example", credentials: {}, login: { email: "a@b.c", password: "pw" } },
      },
    },
    {
      name: "a per-API token beats a login",
      settings: {
        METRIGATE_TAPEMETRIC_URL: "https://api.tapemetric.com",
        METRIGATE_TAPEMETRIC_TOKEN: "jwt",
        METRIGATE_TAPEMETRIC_EMAIL: "a@b.c",
        METRIGATE_TAPEMETRIC_PASSWORD: "pw",
      },
      expected: { tapemetric: { url: "https://api.tapemetric.com", credentials: { token: "jwt" }, credentialSettings: "METRIGATE_TAPEMETRIC_TOKEN" } },
    },
    {
      name: "without METRIGATE_URL the shared credentials serve the per-API hosts",
      settings: { METRIGATE_CDP_URL: "https://cdp.example", METRIGATE_TOKEN: "t" },
      expected: { cdp: { url: "https://cdp.example", credentials: { token: "t" }, credentialSettings: "METRIGATE_TOKEN" } },
    },
  ];
  it.each(cases)("$name", ({ settings, expected }) => {
    const resolved = resolveConnections(settings);
    for (const [family, connection] of Object.entries(expected)) {
      expect(resolved[family as keyof typeof resolved]).toMatchObject({ ok: true, connection });
    }
  });

  const problems: { name: string; settings: Record<string, string>; family: "tapemetric" | "taprain" | "cdp"; problem: string }[] = [
    { name: "no URL at all", settings: {}, family: "taprain", problem: "set METRIGATE_TAPRAIN_URL (its own host) or METRIGATE_URL" },
    { name: "no key for Taprain", settings: { METRIGATE_URL: "https://mg.example", METRIGATE_TOKEN: "t" }, family: "taprain", problem: "set METRIGATE_TAPRAIN_API_KEY or METRIGATE_API_KEY" },
    {
      name: "a Metrigate key is not sent to a vendor host",
      settings: { METRIGATE_URL: "https://mg.example", METRIGATE_API_KEY: "mg_live_x", METRIGATE_TAPRAIN_URL: "https://taprain.com" },
      family: "taprain",
      problem: "set METRIGATE_TAPRAIN_API_KEY (the shared METRIGATE_API_KEY and METRIGATE_TOKEN go only to METRIGATE_URL)",
    },
    {
      name: "an email without its password",
      settings: { METRIGATE_TAPEMETRIC_URL: "https://t.example", METRIGATE_TAPEMETRIC_EMAIL: "a@b.c" },
      family: "tapemetric",
      problem: "Tapemetric login needs METRIGATE_TAPEMETRIC_PASSWORD with METRIGATE_TAPEMETRIC_EMAIL.",
    },
    { name: "no credential for CDP", settings: { METRIGATE_CDP_URL: "https://c.example" }, family: "cdp", problem: "set METRIGATE_CDP_API_KEY or METRIGATE_CDP_TOKEN" },
  ];
  it.each(problems)("names the missing setting: $name", ({ settings, family, problem }) => {
    const outcome = resolveConnections(settings)[family];
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? "" : outcome.problem).toContain(problem);
    expect(() => requireConnection(settings, family)).toThrow(problem);
  });

  it("rejects a URL that is not http(s) or carries a password, naming the setting", () => {
    expect(() => resolveConnections({ METRIGATE_TAPRAIN_URL: "taprain.com" })).toThrow('METRIGATE_TAPRAIN_URL must be an http(s) URL such as https://api.example.com, got "taprain.com".');
    expect(() => resolveConnections({ METRIGATE_URL: "https://u:p@mg.example" })).toThrow("METRIGATE_URL must not carry a user name or password");
  });

  it("is remote when any URL setting is present, and derives the CLI flags from the names", () => {
    expect(hasRemoteUrl({})).toBe(false);
    expect(hasRemoteUrl({ METRIGATE_API_KEY: "k", METRIGATE_CDP_URL: " " })).toBe(false);
    expect(hasRemoteUrl({ METRIGATE_CDP_URL: "https://c.example" })).toBe(true);
    expect(flagOf("METRIGATE_TAPRAIN_URL")).toBe("taprain-url");
    expect(flagOf("METRIGATE_TAPEMETRIC_PASSWORD")).toBe("tapemetric-password");
    expect(flagOf("METRIGATE_API_KEY")).toBe("api-key");
  });
});

async function fetchAnswer(request: HttpRequest): Promise<HttpAnswer> {
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

describe("the vendor test server and the Tapemetric login flow", () => {
  let vendors: VendorServers;
  beforeAll(async () => {
    vendors = await startVendorServers();
  });
  afterAll(async () => {
    await vendors.close();
  });

  it("answers each document's example verbatim, with the document's credential and no Metrigate additions", async () => {
    const stats = seedExample(vendors.examples, "GET", "/api/v1/stats");
    const taprain = await fetch(`${vendors.taprain.url}/api/v1/stats?range=today`, { headers: { "X-Api-Key": vendors.taprain.apiKey } });
    expect(taprain.status).toBe(200);
    const text = await taprain.text();
    expect(text).toBe(stats.text);
    expect(text).toContain('"revenue": 10.40');
    expect(taprain.headers.has("RateLimit-Remaining")).toBe(false);
    const byQuery = await fetch(`${vendors.taprain.url}/api/v1/stats?api_key=${vendors.taprain.apiKey}`);
    expect(byQuery.status).toBe(200);

    const cdpHeaders: Record<string, string>[] = [{ "X-Api-Key": vendors.cdp.apiKey }, { Authorization: `Api-Key ${vendors.cdp.apiKey}` }, { Authorization: `Bearer ${vendors.cdp.token}` }];
    for (const headers of cdpHeaders) {
      const cdp = await fetch(`${vendors.cdp.url}/api/analytics/copilot/`, { headers });
      expect(await cdp.json()).toEqual({ total: 142, daily: [{ day: "2026-04-03", success: 8, error: 1 }, { day: "2026-04-04", success: 11, error: 0 }] });
    }
  });

  it("answers 401 and 400 in each family's error shape", async () => {
    const cases: [string, RequestInit, number, unknown][] = [
      [`${vendors.tapemetric.url}/v1/analytics/overview`, {}, 401, { error: "unauthorized", message: "Invalid or expired token." }],
      [`${vendors.taprain.url}/api/v1/stats`, { headers: { "X-Api-Key": "wrong" } }, 401, { success: false, error: "Missing or invalid API key." }],
      [`${vendors.cdp.url}/api/analytics/usage/`, { headers: { Authorization: "Bearer forged" } }, 401, { detail: "Authentication credentials were not provided or are invalid." }],
      [`${vendors.taprain.url}/api/v1/stats?range=fortnight`, { headers: { "X-Api-Key": vendors.taprain.apiKey } }, 400, { success: false, error: 'Invalid range "fortnight". Valid ranges: hour, today, yesterday, 7days, 30days, custom.' }],
      [`${vendors.cdp.url}/api/analytics/nothing/`, { headers: { "X-Api-Key": vendors.cdp.apiKey } }, 404, { detail: "Not found: GET /api/analytics/nothing/" }],
    ];
    for (const [url, init, status, body] of cases) {
      const response = await fetch(url, init);
      expect([url, response.status, await response.json()]).toEqual([url, status, body]);
    }
  });

  it("logs in once, reuses the token, needs no expires_at, and after an expiry logs in once more and retries", async () => {
    const store = memoryTokenStore();
    const login = new TapemetricLogin(vendors.tapemetric.url, { email: vendors.tapemetric.email, password: vendors.tapemetric.password }, store);
    const overview = (token: string): HttpRequest => ({ method: "GET", url: `${vendors.tapemetric.url}/v1/analytics/overview?range=7d`, headers: { Authorization: `Bearer ${token}` } });
    const before = vendors.logins();

    const first = await runExchangeAsync(login.send(overview), fetchAnswer);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toMatchObject({ monthly_active_users: 8420000, arpu_inr: 187 });
    await runExchangeAsync(login.send(overview), fetchAnswer);
    expect(vendors.logins() - before).toBe(1);

    vendors.expireTokens();
    const third = await runExchangeAsync(login.send(overview), fetchAnswer);
    expect(third.status).toBe(200);
    expect(vendors.logins() - before).toBe(2);
  });

  it("turns a second 401 into an error naming the settings, and a wrong password into one too", async () => {
    const rejecting = new TapemetricLogin(vendors.tapemetric.url, { email: vendors.tapemetric.email, password: vendors.tapemetric.password }, memoryTokenStore());
    // A server that keeps refusing fresh tokens: every data request is sent with a token nobody issued.
    const forged = (): HttpRequest => ({ method: "GET", url: `${vendors.tapemetric.url}/v1/analytics/geo`, headers: { Authorization: "Bearer forged" } });
    await expect(runExchangeAsync(rejecting.send(forged), fetchAnswer)).rejects.toThrow(
      /refused a freshly issued token \(401: Invalid or expired token\.\)\. Check METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD\./,
    );

    const wrong = new TapemetricLogin(vendors.tapemetric.url, { email: vendors.tapemetric.email, password: "nope" }, memoryTokenStore());
    await expect(runExchangeAsync(wrong.freshToken(), fetchAnswer)).rejects.toThrow(
      `Tapemetric login at ${vendors.tapemetric.url} failed: HTTP 401 (Invalid email or password.). Check METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD.`,
    );
  });

  it("a remote client paces by the documented kind of limit when the host sends no RateLimit headers", async () => {
    const stats = endpointByName("taprain_stats");
    if (!stats) throw new Error("taprain_stats is missing from the catalog");
    const connection = requireConnection({ METRIGATE_TAPRAIN_URL: vendors.taprain.url, METRIGATE_TAPRAIN_API_KEY: vendors.taprain.apiKey }, "taprain");
    // A small quota stands in for 600 an hour, so the test sees several windows.
    const client = remoteClientFor(connection, { limits: { api_key: { quota: 3, windowMs: 1000 } }, cacheTtlSeconds: 0, minTime: 0 });
    const from = vendors.requests.length;
    const started = Date.now();
    try {
      const bodies = await Promise.all(Array.from({ length: 7 }, () => client.call(stats, { range: "today" })));
      expect(bodies.map((b) => (b as { data: { summary: { clicks: number } } }).data.summary.clicks)).toEqual(Array(7).fill(214));
    } finally {
      await client.close();
    }
    const times = vendors.requests.slice(from).map((r) => r.at);
    expect(times).toHaveLength(7);
    // At most 3 requests in the first window (it starts with the first call), 6 in two: the 7th waits for the third.
    expect(times.filter((t) => t < started + 1000).length).toBeLessThanOrEqual(3);
    expect(times.filter((t) => t < started + 2000).length).toBeLessThanOrEqual(6);
    expect(Math.max(...times) - started).toBeGreaterThanOrEqual(2000);
  });

  it("a 401 with a fixed credential names the setting it came from", async () => {
    const overview = endpointByName("cdp_overview");
    if (!overview) throw new Error("cdp_overview is missing from the catalog");
    const connection = requireConnection({ METRIGATE_CDP_URL: vendors.cdp.url, METRIGATE_CDP_TOKEN: "made-up" }, "cdp");
    const client = remoteClientFor(connection);
    try {
      await expect(client.call(overview, {})).rejects.toThrow("Authentication credentials were not provided or are invalid. Check METRIGATE_CDP_TOKEN.");
    } finally {
      await client.close();
    }
  });

  it("runs the same flow over a synchronous transport, as UrlFetchApp is", () => {
    const seen: string[] = [];
    const login = new TapemetricLogin("https://t.example", { email: "a@b.c", password: "pw" }, memoryTokenStore());
    const send = (request: HttpRequest): HttpAnswer => {
      seen.push(`${request.method} ${request.url} ${request.headers.Authorization ?? request.body ?? ""}`);
      if (request.method === "POST") return { status: 200, headers: {}, text: JSON.stringify({ token: `tok${seen.length}` }) };
      return { status: request.headers.Authorization === "Bearer tok1" ? 401 : 200, headers: {}, text: "{}" };
    };
    const answer = runExchange(login.send((token) => ({ method: "GET", url: "https://t.example/v1/analytics/geo", headers: { Authorization: `Bearer ${token}` } })), send);
    expect(answer.status).toBe(200);
    expect(seen).toEqual([
      'POST https://t.example/v1/auth/login {"email":"a@b.c","password":"pw"}',
      "GET https://t.example/v1/analytics/geo Bearer tok1",
      'POST https://t.example/v1/auth/login {"email":"a@b.c","password":"pw"}',
      "GET https://t.example/v1/analytics/geo Bearer tok3",
    ]);
  });
});
