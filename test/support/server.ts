// A real Metrigate server on loopback over a real DuckDB file, for tests that go through HTTP.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createApp } from "../../api-server/app.ts";
import type { Plan } from "../../shared/auth/accounts.ts";
import { configFromEnv } from "../../shared/config.ts";
import type { LimitPolicy } from "../../shared/limits/rate-limits.ts";
import { createRuntime, type Runtime } from "../../shared/runtime.ts";
import { TABLES } from "../../shared/store/tables.ts";

export interface Credentials {
  workspace: string;
  apiKey: string;
  writeKey: string;
  token: string;
  jti: string;
}

export interface TestServer {
  url: string;
  dir: string;
  runtime: Runtime;
  app: FastifyInstance;
  /** Creates a workspace with a read key, a write key and a service-account JWT. */
  workspace(id: string, plan?: Plan): Promise<Credentials>;
  /** Imports rows (objects with the table's column names) into a workspace, as `metrigate import` would. */
  insert(workspace: string, table: string, rows: Record<string, unknown>[]): Promise<number>;
  /** The body is parsed JSON typed loosely on purpose: tests compare it with hand-written expectations. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  /** Any request; the body comes back parsed as JSON when it is JSON, else as text. */
  request(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  now?: string;
  cacheTtl?: number;
  env?: Record<string, string>;
  limitPolicies?: Partial<Record<"jwt" | "api_key", LimitPolicy>>;
  log?: NodeJS.WritableStream & import("node:stream").Writable;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "metrigate-test-"));
  const config = configFromEnv({
    METRIGATE_DB: join(dir, "test.duckdb"),
    METRIGATE_CACHE_TTL: String(options.cacheTtl ?? 0),
    ...(options.now ? { METRIGATE_NOW: options.now } : {}),
    ...options.env,
  });
  const runtime = await createRuntime(config, { limitPolicies: options.limitPolicies });
  const app = await createApp(runtime, { log: options.log ?? false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  async function request(path: string, init: RequestInit = {}) {
    const res = await fetch(url + path, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Non-JSON bodies (Parquet downloads) stay text.
    }
    return { status: res.status, headers: res.headers, body };
  }
  return {
    url,
    dir,
    runtime,
    app,
    async workspace(id, plan = "enterprise") {
      await runtime.accounts.createWorkspace(id, { plan });
      const apiKey = await runtime.accounts.createApiKey(id, "read");
      const writeKey = await runtime.accounts.createApiKey(id, "write");
      const issued = await runtime.accounts.issueServiceToken(id, "tests");
      return { workspace: id, apiKey, writeKey, token: issued.token, jti: issued.jti };
    },
    async insert(workspace, table, rows) {
      const text = rows.map((r) => JSON.stringify(r)).join("\n");
      if (!TABLES.some((t) => t.name === table)) throw new Error(`unknown table ${table}`);
      return runtime.importer.importText(workspace, table, "ndjson", text, `${table}.ndjson`);
    },
    get: (path, headers = {}) => request(path, { headers }),
    request,
    async close() {
      await app.close();
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
