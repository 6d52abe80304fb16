// The outside attacks of issue 13, kept running: forged JWTs, tenant crossing on every endpoint and the
// export link, SQL-injection strings through every string parameter and ingest value, path traversal,
// malformed bodies. All through the real server on loopback over a real DuckDB file.

import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseTypeName } from "../../shared/catalog/params.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import { ACME_ROWS, GLOBEX_ROWS, httpAnswer, seedRows } from "../support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "../support/server.ts";

const NOW = "2026-03-18T15:30:00Z";
const NOW_S = Date.parse(NOW) / 1000;
/** Strings only acme's rows contain: none may ever reach globex. */
const ACME_ONLY = ["Monsoon", "Cricket Live", "Buyers", "Browsers", "Rebuffer spike", "Kerala", "webhook", "premium"];
const INJECTIONS = ["' OR '1'='1", "x'); DROP TABLE tr_clicks; --", "\" OR 1=1 --", "$ws", "acme' UNION SELECT digest FROM mg_api_keys --", "\\'; SELECT 1; --"];

let server: TestServer;
let acme: Credentials;
let globex: Credentials;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Every credential an endpoint's family accepts, for one workspace. */
function credentialSets(family: string, who: Credentials): Record<string, string>[] {
  if (family === "tapemetric") return [{ Authorization: `Bearer ${who.token}` }];
  if (family === "taprain") return [{ "X-Api-Key": who.apiKey }];
  return [{ Authorization: `Bearer ${who.token}` }, { "X-Api-Key": who.apiKey }];
}

/** Arguments that make each endpoint answer with data: the widest range, the path id of acme's first alert. */
function wideArgs(endpoint: (typeof CATALOG)[number]): Record<string, unknown> {
  const shape = endpoint.params.shape as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  if ("range" in shape) args.range = endpoint.family === "taprain" ? "30days" : "30d";
  if ("id" in shape) args.id = 1;
  if ("start" in shape && endpoint.method === "POST") Object.assign(args, { start: "2026-03-01", end: "2026-03-18" });
  return args;
}

async function count(sql: string): Promise<number> {
  const rows = await server.runtime.store.query<{ n: bigint | number }>(sql);
  return Number(rows[0].n);
}

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  globex = await server.workspace("globex");
  await seedRows(server, "acme", ACME_ROWS);
  await seedRows(server, "globex", GLOBEX_ROWS);
});
afterAll(() => server.close());

describe("forged JWTs get 401", () => {
  async function status(token: string): Promise<{ status: number; body: unknown }> {
    const res = await server.get("/v1/analytics/overview", { Authorization: `Bearer ${token}` });
    return { status: res.status, body: res.body };
  }
  const claims = () => ({ wid: "acme", kind: "service", iss: "metrigate", sub: "service:tests", jti: acme.jti, iat: NOW_S - 60 });

  test("alg none, a wrong key, HS512 with the right key, an embedded jwk", async () => {
    const none = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ ...claims(), exp: NOW_S + 3600 })}.`;
    const wrongKey = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(NOW_S + 3600).sign(randomBytes(32));
    const switched = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: "HS512" }).setExpirationTime(NOW_S + 3600).sign(server.runtime.keys.jwt);
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const embedded = await new SignJWT({ ...claims() })
      .setProtectedHeader({ alg: "RS256", jwk: await exportJWK(publicKey) })
      .setExpirationTime(NOW_S + 3600)
      .sign(privateKey);
    for (const token of [none, wrongKey, switched, embedded]) {
      expect(await status(token)).toEqual({ status: 401, body: { error: "unauthorized", message: "The token is invalid." } });
    }
  });

  test("expired beyond the 60 s leeway is refused; within it is accepted", async () => {
    const sign = (exp: number) => new SignJWT({ ...claims() }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setExpirationTime(exp).sign(server.runtime.keys.jwt);
    expect(await status(await sign(NOW_S - 61))).toEqual({ status: 401, body: { error: "unauthorized", message: "The token has expired." } });
    expect((await status(await sign(NOW_S - 30))).status).toBe(200);
  });

  test("a valid signature over another workspace's id is refused", async () => {
    const crossed = await new SignJWT({ ...claims(), wid: "globex" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime(NOW_S + 3600).sign(server.runtime.keys.jwt);
    expect((await status(crossed)).status).toBe(401);
  });
});

describe("tenant crossing", () => {
  test("no endpoint shows acme's rows to any of globex's credentials", async () => {
    let acmeSaw = 0;
    for (const endpoint of CATALOG) {
      if (endpoint.name.includes("acknowledge")) continue;
      for (const headers of credentialSets(endpoint.family, globex)) {
        const res = await httpAnswer(server.url, endpoint, wideArgs(endpoint), headers);
        const text = JSON.stringify(res.body);
        for (const marker of ACME_ONLY) expect(text, `${endpoint.name} leaked ${marker}`).not.toContain(marker);
      }
      const own = await httpAnswer(server.url, endpoint, wideArgs(endpoint), credentialSets(endpoint.family, acme)[0]);
      if (ACME_ONLY.some((m) => JSON.stringify(own.body).includes(m))) acmeSaw += 1;
    }
    // The markers are really there for acme (top content, alerts, segments, activations, ...).
    expect(acmeSaw).toBeGreaterThanOrEqual(4);
  });

  test("globex cannot acknowledge acme's alert", async () => {
    const [alert] = await server.runtime.store.query<{ id: number }>("SELECT id FROM tm_alerts WHERE workspace_id = 'acme' AND NOT acknowledged");
    const res = await fetch(`${server.url}/v1/analytics/alerts/${alert.id}/acknowledge`, { method: "POST", headers: { Authorization: `Bearer ${globex.token}` } });
    expect(res.status).toBe(404);
    expect(await count(`SELECT count(*) AS n FROM tm_alerts WHERE id = ${Number(alert.id)} AND acknowledged`)).toBe(0);
  });

  test("an export link opens one file of one workspace: renaming the workspace or the file is 403", async () => {
    const made = await fetch(`${server.url}/v1/analytics/export`, {
      method: "POST",
      headers: { Authorization: `Bearer ${acme.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ start: "2026-03-01", end: "2026-03-18" }),
    });
    expect(made.status).toBe(200);
    const link = new URL(((await made.json()) as { url: string }).url);
    expect((await fetch(link)).status).toBe(200);
    const crossed = new URL(link);
    crossed.pathname = link.pathname.replace("/acme/", "/globex/");
    expect((await fetch(crossed)).status).toBe(403);
    const renamed = new URL(link);
    renamed.pathname = link.pathname.replace(/[0-9a-f]{32}\.parquet$/, `${"0".repeat(32)}.parquet`);
    expect((await fetch(renamed)).status).toBe(403);
  });
});

describe("SQL-injection strings are data, never SQL", () => {
  test("through every string parameter of every endpoint: 200 or 400, never 500, nothing changed", async () => {
    const clicks = await count("SELECT count(*) AS n FROM tr_clicks");
    const keys = await count("SELECT count(*) AS n FROM mg_api_keys");
    for (const endpoint of CATALOG) {
      const shape = endpoint.params.shape as Record<string, Parameters<typeof baseTypeName>[0]>;
      for (const [name, field] of Object.entries(shape)) {
        if (!["string", "enum"].includes(baseTypeName(field))) continue;
        for (const payload of INJECTIONS) {
          const res = await httpAnswer(server.url, endpoint, { ...wideArgs(endpoint), [name]: payload }, credentialSets(endpoint.family, acme)[0]);
          expect([200, 400, 404], `${endpoint.name} ${name}=${payload}: ${JSON.stringify(res.body)}`).toContain(res.status);
          expect(JSON.stringify(res.body)).not.toMatch(/[0-9a-f]{64}/);
        }
      }
    }
    expect(await count("SELECT count(*) AS n FROM tr_clicks")).toBe(clicks);
    expect(await count("SELECT count(*) AS n FROM mg_api_keys")).toBe(keys);
  });

  test("ingested values come back verbatim", async () => {
    const rows = INJECTIONS.map((offer, i) => JSON.stringify({ click_id: `inj${i}`, ts: "2026-03-18T12:00:00Z", country: "US", offer, source: offer }));
    const res = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": globex.writeKey, "Content-Type": "application/x-ndjson" },
      body: rows.join("\n"),
    });
    expect(res.status).toBe(200);
    const stats = await server.get("/api/v1/stats?range=today&timezone=UTC", { "X-Api-Key": globex.apiKey });
    const offers = (stats.body.data.by_offer as { offer: string }[]).map((r) => r.offer);
    for (const payload of INJECTIONS) expect(offers).toContain(payload);
    const filtered = await server.get(`/api/v1/stats?range=today&timezone=UTC&offer=${encodeURIComponent(INJECTIONS[0])}`, { "X-Api-Key": globex.apiKey });
    expect(filtered.body.data.summary.clicks).toBe(1);
  });
});

describe("path traversal", () => {
  test("export links and ingest table names cannot leave their folder or table set", async () => {
    const traversals = [
      "/v1/analytics/export/acme/..%2F..%2Ftest.duckdb?expires=9999999999&sig=" + "0".repeat(64),
      "/v1/analytics/export/..%2F..%2F/test.duckdb?expires=9999999999&sig=" + "0".repeat(64),
      "/v1/analytics/export/acme/%2e%2e%2ftest.duckdb.secret?expires=9999999999&sig=" + "0".repeat(64),
      "/v1/analytics/export/acme/../../test.duckdb?expires=9999999999&sig=" + "0".repeat(64),
    ];
    for (const path of traversals) {
      const res = await fetch(server.url + path);
      expect([403, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain("DUCK");
    }
    for (const table of ["..%2Fmg_api_keys", "mg_api_keys", "tr_clicks%00", "..%2F..%2Fetc%2Fpasswd"]) {
      const res = await fetch(`${server.url}/v1/ingest/${table}`, {
        method: "POST",
        headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson" },
        body: '{"digest":"x"}',
      });
      expect([400, 404], table).toContain(res.status);
    }
  });
});

describe("oversized and malformed bodies", () => {
  const login = (body: string, type = "application/json") => fetch(`${server.url}/v1/auth/login`, { method: "POST", headers: { "Content-Type": type }, body });

  test("each gets a 4xx in the family's shape, never a 500", async () => {
    const cases: [string, string, number][] = [
      ["{nope", "application/json", 400],
      ["[1,2,3]", "application/json", 401],
      ['"just a string"', "application/json", 401],
      ["null", "application/json", 401],
      ["[".repeat(2000) + "]".repeat(2000), "application/json", 401],
      // An operator object where a string belongs is a malformed request (400 naming the field), never a match.
      ['{"email":{"$gt":""},"password":{"$gt":""}}', "application/json", 400],
      ["x".repeat(8 * 1024), "application/json", 413],
      ["email=a", "text/html", 415],
    ];
    for (const [body, type, expected] of cases) {
      const res = await login(body, type);
      expect(res.status, body.slice(0, 40)).toBe(expected);
      const parsed = (await res.json()) as { error: string; message: string };
      expect(typeof parsed.message).toBe("string");
    }
    const ndjson = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson" },
      body: '{"click_id":"z1","ts":"2026-03-18T10:00:00Z","offer":"A"}\n{broken',
    });
    expect(ndjson.status).toBe(400);
    expect(((await ndjson.json()) as { message: string }).message).toMatch(/line 2/);
  });
});
