// Scale-out: two servers share one API key's rate limit through Redis (CONTRACT §5, §14).
// Needs REDIS_URL (set by .ci/run, which starts a Redis on loopback).

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Principal } from "../../shared/auth/accounts.ts";
import { RateLimits } from "../../shared/limits/rate-limits.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const redisUrl = process.env.REDIS_URL;
let a: TestServer;
let b: TestServer;
let key: string;

beforeAll(async () => {
  if (!redisUrl) throw new Error("REDIS_URL is not set: run the scale-out tests through .ci/run or with a Redis on loopback.");
  const quota = 5;
  // Limiter ids carry the policy; a window that differs per run keeps state of earlier runs out.
  const windowMs = 60_000 + (Date.now() % 1000);
  const shared = { env: { REDIS_URL: redisUrl, METRIGATE_SECRET: randomBytes(16).toString("hex") }, limitPolicies: { api_key: { name: "key", quota, windowMs } } };
  a = await startTestServer({ now: "2026-03-18T15:30:00Z", ...shared });
  b = await startTestServer({ now: "2026-03-18T15:30:00Z", ...shared });
  key = (await a.workspace("acme")).apiKey;
  // The second server has its own database but the same secret: copy the tenant and its key record.
  await b.runtime.accounts.createWorkspace("acme", { plan: "enterprise" });
  const [record] = await a.runtime.store.query<Record<string, string>>("SELECT digest, workspace_id, scope, encrypted, prefix FROM mg_api_keys WHERE scope = 'read'");
  await b.runtime.store.exec(
    "INSERT INTO mg_api_keys (digest, workspace_id, scope, encrypted, prefix, created_at) VALUES ($digest, $workspace_id, $scope, $encrypted, $prefix, now()::TIMESTAMP)",
    record,
  );
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test("requests through two servers draw on one shared quota", async () => {
  const headers = { "X-Api-Key": key };
  const statuses: number[] = [];
  const remaining: string[] = [];
  for (const server of [a, b, a, b, a, b, a]) {
    const res = await server.get("/api/v1/stats", headers);
    statuses.push(res.status);
    remaining.push(res.headers.get("ratelimit-remaining") ?? "");
  }
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  expect(remaining).toEqual(["4", "3", "2", "1", "0", "0", "0"]);
  const over = await b.get("/api/v1/stats", headers);
  const retryAfter = Number(over.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(59);
  expect(retryAfter).toBeLessThanOrEqual(62);
});

test("under constant load across window renewals, every window serves exactly its quota, each Remaining once", async () => {
  const quota = 5;
  for (let round = 0; round < 3; round++) {
    // Short windows, so a two-second run crosses several renewals while refused requests are in flight.
    const policy = { name: "key", quota, windowMs: 250 + Math.floor(Math.random() * 100) };
    const servers = [new RateLimits({ redisUrl, policies: { api_key: policy } }), new RateLimits({ redisUrl, policies: { api_key: policy } })];
    const suffix = randomBytes(6).toString("hex");
    const principal: Principal = {
      kind: "api_key",
      credentialId: `key-${suffix}`,
      workspace: { id: `ws-${suffix}`, name: "Load", plan: "enterprise", suspended: false },
      scope: "read",
      subject: "load",
    };
    const served: number[] = [];
    const until = Date.now() + 2000;
    const client = async (limits: RateLimits) => {
      while (Date.now() < until) {
        try {
          served.push((await limits.consume(principal)).remaining);
        } catch {
          // 429: the window's quota is spent.
        }
      }
    };
    try {
      await Promise.all(servers.flatMap((limits) => Array.from({ length: 6 }, () => client(limits))));
    } finally {
      for (const limits of servers) await limits.close();
    }
    // Each window's first request sees quota - 1; the last window may have ended the run half used.
    const windows = served.filter((r) => r === quota - 1).length;
    expect(windows).toBeGreaterThan(3);
    expect(served.every((r) => r >= 0 && r < quota)).toBe(true);
    for (let remaining = 0; remaining < quota; remaining++) {
      const times = served.filter((r) => r === remaining).length;
      expect({ remaining, times: Math.min(Math.max(times, windows - 1), windows) }).toEqual({ remaining, times });
    }
    expect(served.length).toBeLessThanOrEqual(windows * quota);
  }
}, 10_000);
