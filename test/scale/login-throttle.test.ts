// Scale-out: two servers share one login throttle through Redis, so spreading guesses over servers
// does not multiply the allowance (issue 13 item 3). Needs REDIS_URL (set by .ci/run).

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

const redisUrl = process.env.REDIS_URL;
let a: TestServer;
let b: TestServer;
// A fresh account name per run keeps counters of earlier runs out.
const email = `guess-${randomBytes(6).toString("hex")}@acme.test`;

beforeAll(async () => {
  if (!redisUrl) throw new Error("REDIS_URL is not set: run the scale-out tests through .ci/run or with a Redis on loopback.");
  const env = { REDIS_URL: redisUrl, METRIGATE_SECRET: randomBytes(16).toString("hex") };
  a = await startTestServer({ env });
  b = await startTestServer({ env });
  for (const server of [a, b]) {
    await server.runtime.accounts.createWorkspace("acme");
    await server.runtime.accounts.createUser("acme", email, "correct horse battery");
  }
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test("ten failures spread over two servers lock the account on both", async () => {
  const login = (server: TestServer, password: string) =>
    fetch(server.url + "/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await login(i % 2 === 0 ? a : b, `wrong ${i}`)).status);
  expect(statuses).toEqual(Array(10).fill(401));
  for (const server of [a, b]) {
    const locked = await login(server, "correct horse battery");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
  }
});
