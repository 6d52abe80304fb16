// POST /v1/analytics/export (CONTRACT §9.7) through the HTTP API: the Parquet file read back with DuckDB,
// the signed link's checks (tampered, another workspace's, expired), the plan and the 400s.

import { createHmac } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const NOW = "2026-04-02T12:00:00Z";
const NOW_SECONDS = Date.parse(NOW) / 1000;

const session = (id: string, started_at: string, extra: Record<string, unknown> = {}) => ({
  session_id: id,
  user_id: `user-${id}`,
  content_id: "c7",
  device: "web",
  region: "Goa",
  pop: "ap-south-1",
  started_at,
  ended_at: "2026-04-02T11:00:00Z",
  watch_seconds: 120,
  completed: true,
  rebuffer_seconds: 1.5,
  ...extra,
});

let server: TestServer;
let ent: Credentials;
let ent2: Credentials;
let small: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  ent = await server.workspace("ent", "enterprise");
  ent2 = await server.workspace("ent2", "enterprise");
  small = await server.workspace("small", "starter");
  await server.insert("ent", "tm_sessions", [
    session("e1", "2026-03-30T23:59:59Z"), // the day before start
    session("e2", "2026-03-31T00:00:00Z"), // the first instant of start
    session("e3", "2026-04-01T12:00:00Z", { ended_at: "", completed: false, rebuffer_seconds: undefined }), // still playing
    session("e4", "2026-04-01T23:59:59.500Z"), // the last half second of end
    session("e5", "2026-04-02T00:00:00Z"), // the day after end
  ]);
  await server.insert("ent2", "tm_sessions", [session("x1", "2026-03-31T08:00:00Z")]);
});
afterAll(() => server.close());

async function exportFor(who: Credentials, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/v1/analytics/export`, {
    method: "POST",
    headers: { Authorization: `Bearer ${who.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Downloads a link and reads the Parquet file back with DuckDB. */
async function readBack(url: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/vnd.apache.parquet");
  const file = join(server.dir, `download-${Date.now()}.parquet`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const reader = await DuckDbStore.open(":memory:");
  try {
    // Instants are marked UTC in the file, so warehouses read them as instants.
    const instants = await reader.query<{ name: string; logical_type: string }>(`SELECT name, logical_type::VARCHAR AS logical_type FROM parquet_schema('${file}') WHERE name IN ('started_at', 'ended_at')`);
    expect(instants.map((c) => c.name).sort()).toEqual(["ended_at", "started_at"]);
    for (const column of instants) expect(column.logical_type, column.name).toContain("isAdjustedToUTC=1");
    return await reader.query(`SELECT * FROM read_parquet('${file}')`);
  } finally {
    await reader.close();
  }
}

/** The documented signature, computed here by hand: HMAC-SHA256 of the link's parts under the URL key. */
function handSigned(workspace: string, file: string, expires: number): string {
  const sig = createHmac("sha256", server.runtime.keys.urls).update(`tapemetric-export\n${workspace}\n${file}\n${expires}`).digest("hex");
  return `${server.url}/v1/analytics/export/${workspace}/${file}?expires=${expires}&sig=${sig}`;
}

const fileOf = (url: string) => new URL(url).pathname.split("/").pop() ?? "";

describe("the export round trip", () => {
  let url: string;

  test("answers a link valid for an hour and the number of rows", async () => {
    const res = await exportFor(ent, { start: "2026-03-31", end: "2026-04-01" });
    expect(res.status).toBe(200);
    expect(res.body.rows).toBe(3);
    expect(res.body.expires_at).toBe("2026-04-02T13:00:00Z");
    expect(res.body.url).toMatch(new RegExp(`^${server.url}/v1/analytics/export/ent/[0-9a-f]{32}\\.parquet\\?expires=${NOW_SECONDS + 3600}&sig=[0-9a-f]{64}$`));
    url = String(res.body.url);
    // The file lives beside the database, in the workspace's folder.
    expect(existsSync(join(server.dir, "test.duckdb.exports", "ent", fileOf(url)))).toBe(true);
  });

  test("the file holds the raw sessions started in [start 00:00, end + 1 00:00) UTC, oldest first", async () => {
    const rows = await readBack(url);
    expect(rows).toEqual([
      {
        session_id: "e2",
        user_id: "user-e2",
        content_id: "c7",
        device: "web",
        region: "Goa",
        pop: "ap-south-1",
        started_at: "2026-03-31T00:00:00.000Z",
        ended_at: "2026-04-02T11:00:00.000Z",
        watch_seconds: 120,
        completed: true,
        rebuffer_seconds: 1.5,
      },
      {
        session_id: "e3",
        user_id: "user-e3",
        content_id: "c7",
        device: "web",
        region: "Goa",
        pop: "ap-south-1",
        started_at: "2026-04-01T12:00:00.000Z",
        ended_at: null,
        watch_seconds: 120,
        completed: false,
        rebuffer_seconds: 0,
      },
      expect.objectContaining({ session_id: "e4", started_at: "2026-04-01T23:59:59.500Z" }),
    ]);
  });

  test("a period without sessions gives an empty file", async () => {
    const res = await exportFor(ent, { start: "2026-01-01", end: "2026-01-31" });
    expect(res.body.rows).toBe(0);
    expect(await readBack(String(res.body.url))).toEqual([]);
  });

  test("a link signed by hand the documented way opens the same file", async () => {
    expect(await readBack(handSigned("ent", fileOf(url), NOW_SECONDS + 60))).toHaveLength(3);
  });

  test("tampered links get 403 in the Tapemetric shape", async () => {
    const other = String((await exportFor(ent2, { start: "2026-03-31", end: "2026-03-31" })).body.url);
    const parsed = new URL(url);
    const sig = parsed.searchParams.get("sig") ?? "";
    const flipped = sig.slice(0, -1) + (sig.endsWith("0") ? "1" : "0");
    const candidates = [
      url.replace(`sig=${sig}`, `sig=${flipped}`),
      url.replace(`expires=${NOW_SECONDS + 3600}`, `expires=${NOW_SECONDS + 7200}`),
      url.replace(`&sig=${sig}`, ""),
      // ent's file and signature presented as ent2's, and ent2's file and signature as ent's
      url.replace("/export/ent/", "/export/ent2/"),
      other.replace("/export/ent2/", "/export/ent/"),
    ];
    for (const candidate of candidates) {
      const res = await server.get(new URL(candidate).pathname + new URL(candidate).search);
      expect(res.status, candidate).toBe(403);
      expect(res.body, candidate).toEqual({
        error: "forbidden",
        message: "This download link is not valid: it was changed, or it was not issued by this server.",
      });
    }
  });

  test("an expired link gets 403, also at the very second it expires", async () => {
    for (const expires of [NOW_SECONDS - 1, NOW_SECONDS]) {
      const res = await fetch(handSigned("ent", fileOf(url), expires));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: "forbidden",
        message: `This download link expired at ${new Date(expires * 1000).toISOString()}; request a new export.`,
      });
    }
  });

  test("a valid link to a file that is gone gets 404", async () => {
    const res = await fetch(handSigned("ent", "0123456789abcdef0123456789abcdef.parquet", NOW_SECONDS + 60));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not_found", message: "This export file no longer exists; request a new export." });
  });
});

describe("who may export, and bad dates", () => {
  test("plans other than enterprise get 403", async () => {
    expect(await exportFor(small, { start: "2026-03-31", end: "2026-04-01" })).toEqual({
      status: 403,
      body: { error: "forbidden", message: 'This endpoint needs the enterprise plan; workspace "small" is on starter.' },
    });
  });

  test("an API key gets 401", async () => {
    const res = await fetch(`${server.url}/v1/analytics/export`, {
      method: "POST",
      headers: { "X-Api-Key": ent.apiKey, "Content-Type": "application/json" },
      body: JSON.stringify({ start: "2026-03-31", end: "2026-04-01" }),
    });
    expect(res.status).toBe(401);
  });

  test.each([
    [{ start: "2026-02-30", end: "2026-03-01" }, `Parameter 'start' must be a real date in YYYY-MM-DD form (got "2026-02-30").`],
    [{ start: "2026-03-01", end: "04/01/2026" }, `Parameter 'end' must be a real date in YYYY-MM-DD form (got "04/01/2026").`],
    [{ start: "2026-03-31", end: "2026-03-30" }, "Parameter 'end' (2026-03-30) must not be before 'start' (2026-03-31)."],
    [{ end: "2026-03-30" }, "Parameter 'start' is required."],
    [{ start: 20260331, end: "2026-03-31" }, "Parameter 'start' must be a string (got 20260331)."],
  ])("%j → 400", async (body, message) => {
    expect(await exportFor(ent, body)).toEqual({ status: 400, body: { error: "invalid_parameter", message } });
  });
});

describe("METRIGATE_PUBLIC_URL", () => {
  test("links start with the public URL instead of the listening address", async () => {
    const behindProxy = await startTestServer({ now: NOW, env: { METRIGATE_PUBLIC_URL: "https://metrics.example.com/" } });
    try {
      const who = await behindProxy.workspace("ent", "enterprise");
      const res = await fetch(`${behindProxy.url}/v1/analytics/export`, {
        method: "POST",
        headers: { Authorization: `Bearer ${who.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ start: "2026-03-31", end: "2026-04-01" }),
      });
      const body = (await res.json()) as { url: string };
      expect(body.url).toMatch(/^https:\/\/metrics\.example\.com\/v1\/analytics\/export\/ent\/[0-9a-f]{32}\.parquet\?expires=/);
    } finally {
      await behindProxy.close();
    }
  });
});
