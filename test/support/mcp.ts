// Shared by the MCP tests: a small hand-made data set for every family, the argument sets each catalog
// tool is called with (read from the tool's listed input schema), and the plain HTTP call it must match.

import type { CallToolResult, Client, Tool } from "@modelcontextprotocol/client";
import { expect } from "vitest";
import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import type { Credentials, TestServer } from "./server.ts";

export const NOW = "2026-03-18T15:30:00Z";

/**
 * Taprain, as hand-worked for `range=today` in America/New_York (local midnight = 04:00Z): c1, c3, c4 are
 * today (c2 is 23:59:59 yesterday local); v1 and v2 are today. Summary: 3 clicks, 2 leads, revenue 6.5,
 * CVR 2/3 × 100 = 66.6667, EPC 6.5/3 = 2.166667. Other families get a few rows so their answers are not empty.
 */
export const ACME_ROWS: Record<string, Record<string, unknown>[]> = {
  tr_clicks: [
    { click_id: "c1", ts: "2026-03-18T05:10:00Z", country: "US", offer: "A", source: "" },
    { click_id: "c2", ts: "2026-03-18T03:59:59Z", country: "US", offer: "A", source: "g" },
    { click_id: "c3", ts: "2026-03-18T14:00:00Z", country: "GB", offer: "B", source: "fb" },
    { click_id: "c4", ts: "2026-03-18T15:00:00Z", country: "", offer: "B", source: "fb" },
  ],
  tr_conversions: [
    { conversion_id: "v1", click_id: "c1", ts: "2026-03-18T06:00:00Z", country: "US", offer: "A", source: "", revenue: 2.5 },
    { conversion_id: "v2", click_id: "c3", ts: "2026-03-18T14:30:00Z", country: "GB", offer: "B", source: "fb", revenue: 4 },
  ],
  tm_content: [
    { content_id: "m1", title: "Monsoon", content_type: "movie" },
    { content_id: "s1", title: "Cricket Live", content_type: "live" },
  ],
  tm_sessions: [
    { session_id: "t1", user_id: "u1", content_id: "m1", device: "tv", region: "Kerala", pop: "ap-south-1", started_at: "2026-03-18T10:00:00Z", ended_at: "2026-03-18T11:00:00Z", watch_seconds: 3600, completed: true },
    { session_id: "t2", user_id: "u2", content_id: "s1", device: "mobile", region: "Goa", pop: "ap-south-1", started_at: "2026-03-17T20:00:00Z", ended_at: "", watch_seconds: 1800, completed: false, rebuffer_seconds: 30 },
    { session_id: "t3", user_id: "u1", content_id: "s1", device: "web", region: "Kerala", pop: "ap-south-2", started_at: "2026-03-12T08:00:00Z", ended_at: "2026-03-12T08:30:00Z", watch_seconds: 1800, completed: true },
  ],
  tm_subscriptions: [
    { subscription_id: "p1", user_id: "u1", plan: "premium", price_inr: 299, started_at: "2026-01-01T00:00:00Z", ended_at: "" },
    { subscription_id: "p2", user_id: "u2", plan: "basic", price_inr: 149, started_at: "2026-02-01T00:00:00Z", ended_at: "2026-03-15T00:00:00Z" },
  ],
  tm_alerts: [
    { severity: "critical", source: "qos", title: "Rebuffer spike · ap-south-1", description: "Rebuffer ratio 1.0% -> 6.0% on ap-south-1 PoP", created_at: "2026-03-18T15:00:00Z" },
    { severity: "info", source: "ops", title: "Deploy", created_at: "2026-03-17T09:00:00Z", acknowledged: true },
  ],
  cdp_members: [
    { member_id: "a", created_at: "2026-01-05T00:00:00Z" },
    { member_id: "b", created_at: "2026-02-05T00:00:00Z" },
  ],
  cdp_events: [
    { event_id: "e1", member_id: "a", ts: "2026-03-17T12:00:00Z", type: "page_view" },
    { event_id: "e2", member_id: "b", ts: "2026-03-10T12:00:00Z", type: "purchase" },
  ],
  cdp_segments: [
    { segment_id: 1, name: "Buyers", active: true, first_computed_at: "2026-03-01T00:00:00Z", last_computed_at: "2026-03-18T12:00:00Z" },
    { segment_id: 2, name: "Browsers", active: true, first_computed_at: "2026-03-01T00:00:00Z", last_computed_at: "2026-03-18T12:00:00Z" },
  ],
  cdp_memberships: [
    { segment_id: 1, member_id: "a", joined_at: "2026-03-02T00:00:00Z", updated_at: "2026-03-02T00:00:00Z" },
    { segment_id: 2, member_id: "a", joined_at: "2026-03-03T00:00:00Z", updated_at: "2026-03-03T00:00:00Z" },
    { segment_id: 2, member_id: "b", joined_at: "2026-03-04T00:00:00Z", updated_at: "2026-03-04T00:00:00Z" },
  ],
  cdp_activations: [{ activation_id: 7, segment_id: 1, connector_type: "webhook", status: "active", last_synced_at: "2026-03-18T12:00:00Z" }],
  cdp_sync_logs: [{ activation_id: 7, status: "success", user_count: 1, synced_at: "2026-03-18T12:00:00Z" }],
  cdp_copilot_requests: [{ request_id: "q1", ts: "2026-03-17T10:00:00Z", status: "success", credits: 2 }],
  cdp_subscriptions: [
    { plan_name: "Growth", plan_tier: "growth", period_start: "2026-03-01", period_end: "2026-03-31", events_limit: 1000, users_limit: 100, segments_limit: 10, ai_credits_limit: -1 },
  ],
};

/** Globex has a single click today (DE, offer Z, no source): 1 click, nothing else. */
export const GLOBEX_ROWS: Record<string, Record<string, unknown>[]> = {
  tr_clicks: [{ click_id: "g1", ts: "2026-03-18T10:00:00Z", country: "DE", offer: "Z", source: "" }],
};

export async function seedRows(server: TestServer, workspace: string, rows: Record<string, Record<string, unknown>[]>): Promise<void> {
  for (const [table, list] of Object.entries(rows)) await server.insert(workspace, table, list);
}

interface PropertySchema {
  enum?: unknown[];
  maximum?: number;
}

/**
 * Arguments every tool is called with, from its listed input schema: none (all defaults), each allowed
 * value of every closed-vocabulary parameter, and a second page when the tool pages.
 */
/** page_list and page_offset are the MCP face's own; the HTTP API has no such parameters. */
function isApiArgument(name: string): boolean {
  return !name.startsWith("page_");
}

export function argumentSets(tool: Tool): Record<string, unknown>[] {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, PropertySchema>;
  const sets: Record<string, unknown>[] = [{}];
  // `format` picks the HTTP body's media type (CSV for the query API); a tool always answers JSON.
  for (const [name, schema] of Object.entries(properties)) if (isApiArgument(name) && name !== "format") for (const value of schema.enum ?? []) sets.push({ [name]: value });
  if ("limit" in properties && "offset" in properties) sets.push({ limit: 1, offset: 1 });
  return sets;
}

/** Arguments the API must refuse, each with the parameter it names. */
export function badArgumentSets(tool: Tool): Record<string, unknown>[] {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, PropertySchema>;
  const sets: Record<string, unknown>[] = [];
  for (const [name, schema] of Object.entries(properties)) if (schema.enum && isApiArgument(name)) sets.push({ [name]: "not-a-value" });
  if ("limit" in properties) sets.push({ limit: (properties.limit.maximum ?? 200) + 1 });
  if ("offset" in properties) sets.push({ offset: -1 });
  return sets;
}

/** The family's own credential header, as a script calling the HTTP API would send it. */
export function familyHeaders(endpoint: AnyEndpoint, credentials: Credentials): Record<string, string> {
  return endpoint.family === "taprain" ? { "X-Api-Key": credentials.apiKey } : { Authorization: `Bearer ${credentials.token}` };
}

/** A plain HTTP call of the endpoint with these arguments: path parameters in the path, the rest in the query or body. */
export async function httpAnswer(
  baseUrl: string,
  endpoint: AnyEndpoint,
  args: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const rest = { ...args };
  const path = endpoint.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const value = rest[name] === undefined ? "" : String(rest[name]);
    delete rest[name];
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(Object.entries(rest).map(([k, v]) => [k, String(v)])).toString();
  const response =
    endpoint.method === "GET"
      ? await fetch(`${baseUrl}${path}${query ? `?${query}` : ""}`, { headers })
      : await fetch(`${baseUrl}${path}`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(rest) });
  return { status: response.status, body: await response.json() };
}

/** The HTTP body as structuredContent carries it: objects as they are, anything else under `result`. */
export function asStructured(body: unknown): unknown {
  return body !== null && typeof body === "object" && !Array.isArray(body) ? body : { result: body };
}

/** Drops the two fields that legitimately differ between two calls: the clock reading and the live limit count. */
export function comparable(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(comparable);
  if (body === null || typeof body !== "object") return body;
  return Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => k !== "generated_at" && k !== "requests_remaining")
      .map(([k, v]) => [k, comparable(v)]),
  );
}

/** Whether `part` equals `whole` except that its lists may be contiguous runs of the whole's lists. */
function cutRunsOf(part: unknown, whole: unknown): boolean {
  if (Array.isArray(part) && Array.isArray(whole)) {
    const at = whole.findIndex((item) => JSON.stringify(item) === JSON.stringify(part[0]));
    return part.length === 0 || (at >= 0 && JSON.stringify(whole.slice(at, at + part.length)) === JSON.stringify(part));
  }
  if (part !== null && typeof part === "object" && whole !== null && typeof whole === "object") {
    const p = part as Record<string, unknown>;
    const w = whole as Record<string, unknown>;
    return Object.keys(w).every((k) => cutRunsOf(p[k], w[k])) && Object.keys(p).length === Object.keys(w).length;
  }
  return JSON.stringify(part) === JSON.stringify(whole);
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The sentence of any family's error body: Tapemetric `message`, CDP `detail`, Taprain `error`. */
export function errorSentence(body: unknown): string {
  const b = body as { message?: string; detail?: string; error?: string };
  return b.message ?? b.detail ?? b.error ?? "";
}

/**
 * The tool agrees with the HTTP API: a 2xx body equals structuredContent (minus the fields that differ),
 * an error body's sentence is the tool error's text.
 */
export function expectSameAnswer(result: CallToolResult, http: { status: number; body: unknown }, label: string): void {
  if (http.status >= 200 && http.status < 300) {
    expect(result.isError ?? false, label).toBe(false);
    const whole = comparable(asStructured(http.body));
    if (textOf(result).startsWith("[cut")) {
      // A cut answer keeps every figure and, of each long list, one contiguous run of the API's rows.
      expect(cutRunsOf(comparable(result.structuredContent), whole), label).toBe(true);
    } else {
      expect(comparable(result.structuredContent), label).toEqual(whole);
    }
  } else {
    expect(result.isError, label).toBe(true);
    expect(textOf(result), label).toBe(errorSentence(http.body));
  }
}
