// Item 16: secrets reach `metrigate user create` without the command line — from the environment or
// standard input — and the user then signs in through the real server; the flag still works, warned about.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer } from "../support/server.ts";

let dir: string;
let env: NodeJS.ProcessEnv;

function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["bin/metrigate.mjs", ...args], { env: options.env ?? env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? "");
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-secrets-"));
  env = { ...process.env, METRIGATE_DB: join(dir, "cli.duckdb"), METRIGATE_SECRET: "cli-secrets-test-secret" };
  expect((await cli(["workspace", "create", "acme"])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("passwords from standard input and from METRIGATE_PASSWORD sign in; --password warns", { timeout: 120_000 }, async () => {
  const piped = await cli(["user", "create", "--workspace", "acme", "--email", "pipe@acme.test"], { input: "piped password 1\n" });
  expect(piped).toMatchObject({ code: 0, stderr: "" });
  const fromEnv = await cli(["user", "create", "--workspace", "acme", "--email", "env@acme.test"], { env: { ...env, METRIGATE_PASSWORD: "env password 22" } });
  expect(fromEnv).toMatchObject({ code: 0, stderr: "" });
  const flagged = await cli(["user", "create", "--workspace", "acme", "--email", "flag@acme.test", "--password", "flag password 333"]);
  expect(flagged.code).toBe(0);
  expect(flagged.stderr).toContain("warning: --password is visible to other users (ps)");
  expect(flagged.stderr).toContain("prefer METRIGATE_PASSWORD or standard input");

  const server = await startTestServer({ env: { METRIGATE_DB: join(dir, "cli.duckdb"), METRIGATE_SECRET: "cli-secrets-test-secret" } });
  try {
    for (const [email, password] of [["pipe@acme.test", "piped password 1"], ["env@acme.test", "env password 22"], ["flag@acme.test", "flag password 333"]]) {
      const res = await fetch(server.url + "/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
      expect(res.status).toBe(200);
    }
  } finally {
    await server.close();
  }
});
