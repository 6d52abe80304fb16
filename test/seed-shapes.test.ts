// The wire format is the vendor documents' (CONTRACT §15): every JSON example of the three seed documents,
// read from the documents themselves, against the real HTTP server's answer to the same request on a
// fixture — same keys in the same order, same nesting, same value types, whole-second instants where the
// document prints them — with Metrigate's additions only after the documented fields and only where
// the published schema marks them optional.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { ACME_ROWS, familyHeaders, NOW, seedRows } from "./support/mcp.ts";
import { seedExamples } from "./support/seed-examples.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

/** The subset of JSON Schema the published response schemas use. */
export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}

type Kind = "null" | "array" | "object" | "number" | "string" | "boolean";

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as Kind;
}

/** The branch of a nullable schema that describes objects or lists. */
function structured(schema: SchemaNode | undefined): SchemaNode {
  const branch = schema?.anyOf?.find((s) => s.properties !== undefined || s.items !== undefined);
  return branch ?? schema ?? {};
}

const WHOLE_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const WITH_MILLISECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every way `answer` differs from the seed's shape; additions must be optional in `schema`. */
export function shapeProblems(seed: unknown, answer: unknown, schema: SchemaNode | undefined, at = "body"): string[] {
  const [want, got] = [kindOf(seed), kindOf(answer)];
  if (want !== got) return [`${at}: the document has a ${want}, the answer a ${got}`];
  if (typeof seed === "string" && typeof answer === "string") {
    for (const format of [WHOLE_SECONDS, WITH_MILLISECONDS]) {
      if (format.test(seed) && !format.test(answer)) return [`${at}: ${JSON.stringify(answer)} is not written like the document's ${JSON.stringify(seed)}`];
    }
    return [];
  }
  if (Array.isArray(seed) && Array.isArray(answer)) {
    if (seed.length > 0 && answer.length === 0) return [`${at}: the answer's list is empty, so nothing was compared (fill the fixture)`];
    return answer.flatMap((item, i) => shapeProblems(seed[0], item, structured(schema).items, `${at}[${i}]`));
  }
  if (want !== "object") return [];
  const [documented, given] = [seed as Record<string, unknown>, answer as Record<string, unknown>];
  const node = structured(schema);
  const required = node.required ?? [];
  const keys = Object.keys(given);
  const problems: string[] = [];
  if (keys.slice(0, Object.keys(documented).length).join() !== Object.keys(documented).join()) {
    problems.push(`${at}: keys ${keys.join(", ")} do not start with the document's ${Object.keys(documented).join(", ")}`);
  }
  for (const key of Object.keys(documented)) {
    if (!required.includes(key)) problems.push(`${at}.${key}: documented, but not required by the published schema`);
    if (key in given) problems.push(...shapeProblems(documented[key], given[key], node.properties?.[key], `${at}.${key}`));
  }
  for (const key of keys.filter((k) => !(k in documented))) {
    if (node.properties?.[key] === undefined || required.includes(key)) {
      problems.push(`${at}.${key}: not in the document, and not an optional addition of the published schema`);
    }
  }
  return problems;
}

const samePath = (a: string, b: string) => a.replace(/\/$/, "") === b.replace(/\/$/, "");

function endpointAt(path: string): AnyEndpoint {
  const endpoint = CATALOG.find((e) => e.method === "GET" && samePath(e.path, path));
  if (!endpoint) throw new Error(`no catalog endpoint answers GET ${path}`);
  return endpoint;
}

function responseSchema(openapi: { paths: Record<string, Record<string, unknown>> }, path: string, method: string): SchemaNode {
  const operation = openapi.paths[path]?.[method] as { responses: Record<string, { content: Record<string, { schema: SchemaNode }> }> } | undefined;
  if (!operation) throw new Error(`/openapi.json has no ${method} ${path}`);
  return operation.responses["200"].content["application/json"].schema;
}

let server: TestServer;
let acme: Credentials;
let openapi: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  // One session in the 7 days before the last 7, so every week-over-week change is a number, as printed.
  const earlier = { session_id: "t4", user_id: "u2", content_id: "m1", device: "tv", region: "Goa", pop: "ap-south-1", started_at: "2026-03-08T10:00:00Z", ended_at: "2026-03-08T10:30:00Z", watch_seconds: 1800, completed: false };
  await seedRows(server, "acme", { ...ACME_ROWS, tm_sessions: [...ACME_ROWS.tm_sessions, earlier] });
  openapi = (await server.get("/openapi.json")).body;
});
afterAll(() => server.close());

const EXAMPLES = seedExamples();

describe("the seed documents' examples", () => {
  test("all three documents are read: 6 Tapemetric, 1 Taprain and 6 CDP examples", () => {
    const perFamily = new Map<string, number>();
    for (const e of EXAMPLES) perFamily.set(e.family, (perFamily.get(e.family) ?? 0) + 1);
    expect(Object.fromEntries(perFamily)).toEqual({ tapemetric: 6, taprain: 1, cdp: 6 });
    expect(EXAMPLES.find((e) => e.path === "/api/v1/stats")?.query).toBe("range=today");
  });

  test.each(EXAMPLES.map((e) => ({ ...e, name: `GET ${e.path}${e.query ? `?${e.query}` : ""}` })))(
    "$name answers in the document's shape",
    async ({ path, query, body: documented }) => {
      const endpoint = endpointAt(path);
      const res = await server.get(`${endpoint.path}${query ? `?${query}` : ""}`, familyHeaders(endpoint, acme));
      expect(res.status).toBe(200);
      expect(shapeProblems(documented, res.body, responseSchema(openapi, endpoint.path, "get"))).toEqual([]);
    },
  );

  test("acknowledging an alert answers the alert in the alerts example's shape", async () => {
    const [alertExample] = EXAMPLES.find((e) => e.path === "/v1/analytics/alerts")?.body as unknown[];
    const res = await fetch(`${server.url}/v1/analytics/alerts/1/acknowledge`, { method: "POST", headers: { Authorization: `Bearer ${acme.token}` } });
    expect(res.status).toBe(200);
    const schema = responseSchema(openapi, "/v1/analytics/alerts/{id}/acknowledge", "post");
    expect(shapeProblems(alertExample, await res.json(), schema)).toEqual([]);
  });

  test("the export, which the document describes without an example, writes its instant in whole seconds", async () => {
    const res = await fetch(`${server.url}/v1/analytics/export`, {
      method: "POST",
      headers: { Authorization: `Bearer ${acme.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ start: "2026-03-01", end: "2026-03-18" }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["url", "expires_at", "rows"]);
    expect(body.expires_at).toBe("2026-03-18T16:30:00Z");
  });

  test("the comparison itself catches each kind of drift", () => {
    const seed = { total: 1, daily: [{ day: "2026-04-03", at: "2026-04-03T00:00:00Z" }] };
    const schema: SchemaNode = {
      type: "object",
      required: ["total", "daily"],
      properties: {
        total: { type: "number" },
        range: { type: "string" },
        daily: { type: "array", items: { type: "object", required: ["day", "at"], properties: { day: { type: "string" }, at: { type: "string" } } } },
      },
    };
    const ok = { total: 2, daily: [{ day: "2026-03-18", at: "2026-03-18T10:00:00Z" }], range: "7d" };
    expect(shapeProblems(seed, ok, schema)).toEqual([]);
    expect(shapeProblems(seed, { ...ok, total: { success: 1 } }, schema)).toEqual(["body.total: the document has a number, the answer a object"]);
    expect(shapeProblems(seed, { daily: ok.daily, total: 2 }, schema)[0]).toMatch(/do not start with the document's total, daily/);
    expect(shapeProblems(seed, { ...ok, daily: [{ date: "2026-03-18", at: "2026-03-18T10:00:00Z" }] }, schema)).toContain(
      "body.daily[0].date: not in the document, and not an optional addition of the published schema",
    );
    expect(shapeProblems(seed, { ...ok, daily: [{ day: "2026-03-18", at: "2026-03-18T10:00:00.000Z" }] }, schema)[0]).toMatch(/is not written like/);
    expect(shapeProblems(seed, { ...ok, daily: [] }, schema)[0]).toMatch(/list is empty/);
    expect(shapeProblems(seed, { ...ok, extra: 1 }, schema)).toEqual(["body.extra: not in the document, and not an optional addition of the published schema"]);
  });
});
