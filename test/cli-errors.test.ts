// The command line's own mistakes and the system's refusals, each as one line naming what to change.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cli as runCli, type CliResult } from "./support/processes.ts";

let dir: string;

/** The command with this file's database, and `env` on top. */
function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return runCli({ ...process.env, METRIGATE_DB: join(dir, "m.duckdb"), ...env }, ...args);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-cli-errors-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("--version prints the package's version; no command at all is a usage error with the list on standard error", { timeout: 60_000 }, async () => {
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  expect(await cli({}, "--version")).toMatchObject({ code: 0, stdout: `${version}\n` });
  const bare = await cli({});
  expect(bare.code).toBe(2);
  expect(bare.stdout).toBe("");
  expect(bare.stderr).toMatch(/^Usage: metrigate <command>/);
});

test("option mistakes are one sentence each, with the command's usage", { timeout: 60_000 }, async () => {
  const usage = "Usage: metrigate workspace create <id> [--plan starter|growth|enterprise] [--name NAME]";
  expect((await cli({}, "workspace", "create", "x", "--bogus")).stderr).toBe(`metrigate: unknown option '--bogus'. ${usage}\n`);
  expect((await cli({}, "workspace", "create", "x", "--plan")).stderr).toBe(`metrigate: option --plan needs a value. ${usage}\n`);
  const dashed = await cli({}, "seed", "--scale", "-5", "--json");
  expect(dashed.code).toBe(2);
  expect(JSON.parse(dashed.stdout)).toEqual({
    error: "option --scale needs a value; for one that starts with a dash write --scale=<value>. Usage: metrigate seed [--workspace demo] [--scale N]",
  });
});

test("a database path that is a folder, and a port already in use, name the setting to change", { timeout: 60_000 }, async () => {
  expect((await cli({ METRIGATE_DB: dir }, "workspace", "create", "x")).stderr).toMatch(new RegExp(`^metrigate: METRIGATE_DB: cannot open ${dir}: IO Error: .*\\n$`));
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const serve = await cli({}, "serve", "--port", String(port));
    expect(serve.code).toBe(1);
    expect(serve.stderr.trim().split("\n").at(-1)).toBe(`metrigate: 127.0.0.1:${port} is already in use by another program; choose another port (--port or PORT).`);
  } finally {
    taken.close();
  }
});

test("token create prints the token alone on standard output and, beside it, the id that revoking takes", { timeout: 60_000 }, async () => {
  expect((await cli({}, "workspace", "create", "acme")).code).toBe(0);
  const made = await cli({}, "token", "create", "--workspace", "acme", "--service-account", "assistant");
  expect(made.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const jti = /^Token id ([0-9a-f-]{36}), valid until .*; revoke it with: metrigate token revoke \1\n$/.exec(made.stderr)?.[1];
  expect(jti).toBeDefined();
  expect((await cli({}, "token", "revoke", jti ?? "")).stdout).toBe(`Revoked token ${jti}.\n`);
});

test("METRIGATE_NOW must be an ISO-8601 instant: a bare number or a date in words is refused by name", { timeout: 60_000 }, async () => {
  for (const value of ["1", "March 18, 2026", "2026-03-18", "2026-02-31T10:00:00Z", "9999-12-31T23:59:59Z"]) {
    const pinned = await cli({ METRIGATE_NOW: value }, "alerts", "evaluate", "--workspace", "acme");
    expect(pinned.stderr, value).toBe(`metrigate: METRIGATE_NOW must be an ISO-8601 instant from 1971 to 2099 such as 2026-03-18T15:30:00Z (got "${value}").\n`);
  }
  expect((await cli({ METRIGATE_NOW: "2026-03-18T15:30:00+05:30" }, "alerts", "evaluate", "--workspace", "acme")).code).toBe(0);
});

test("seed makes only the demo workspace by itself: a mistyped name is refused, not made a new tenant", { timeout: 60_000 }, async () => {
  const typo = await cli({}, "seed", "--workspace", "acmetypo", "--scale", "10");
  expect(typo.code).toBe(1);
  expect(typo.stderr).toBe('metrigate: Workspace "acmetypo" does not exist; create it first with `metrigate workspace create acmetypo` (seed makes only "demo" by itself).\n');
  expect((await cli({}, "workspace", "suspend", "acmetypo")).stderr).toContain('Workspace "acmetypo" does not exist');
});

test("a key given as --api-key is warned about, pointing to the variable only where standard input cannot carry it", { timeout: 60_000 }, async () => {
  const config = join(dir, "reports.json");
  writeFileSync(config, JSON.stringify({ url: "http://127.0.0.1:1", reports: [{ name: "T", endpoint: "STATS", params: { range: "today" }, sheet: "S", cell: "A1" }] }));
  const sync = await cli({ GOOGLE_APPLICATION_CREDENTIALS: "", GOOGLE_SERVICE_ACCOUNT_KEY: "" }, "sheets", "sync", "--spreadsheet", "x", "--config", config, "--api-key", "K");
  expect(sync.stderr.split("\n")[0]).toBe("metrigate: warning: --api-key is visible to other users (ps) and kept in shell history; prefer METRIGATE_API_KEY.");
});
