// The data import tables of CONTRACT §8: one description per table drives validation, DDL and bulk loading.

export type ColumnType = "string" | "integer" | "number" | "boolean" | "timestamp" | "date";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
  /** Closed vocabulary for string columns. */
  values?: readonly string[];
  /** Numbers that must be ≥ this. */
  min?: number;
  /** ISO 3166-1 alpha-2 country code (or empty), stored upper-case. */
  country?: boolean;
  /** Used when an optional column is missing or empty. */
  default?: string | number | boolean | null;
}

export type Family = "tapemetric" | "taprain" | "cdp";

export interface TableSpec {
  name: string;
  family: Family;
  columns: readonly ColumnSpec[];
  /** Rows sharing these columns replace older rows of the same workspace; none: rows are appended. */
  replaceKey?: readonly string[];
  /**
   * With a replace key: of the rows sharing a key, the one with the greatest value here wins, the row
   * loaded last on a tie (ClickHouse ReplacingMergeTree with a version column). Losers are dropped on load.
   */
  version?: string;
  /**
   * Loads store their rows in this order (a MergeTree's ORDER BY), so reads that join or group on these
   * columns find related rows side by side.
   */
  sortKey?: readonly string[];
  /** A column filled with a per-workspace sequence on import (alert ids). */
  generatedId?: string;
  /**
   * A string column that analytics count distinct values of: every stored row also carries a dense
   * per-workspace integer for it (`key`, looked up in `dictionary`), because DuckDB counts small
   * integers many times faster than strings (a perfect hash table instead of string hashing).
   */
  interned?: { column: string; key: string; dictionary: string };
}

const req = (name: string, type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  type,
  required: true,
  ...extra,
});
const opt = (name: string, type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  type,
  required: false,
  default: null,
  ...extra,
});

export const CONTENT_TYPES = ["series", "movie", "episode", "live", "short"] as const;
export const DEVICES = ["tv", "mobile", "web", "tablet"] as const;
export const SEVERITIES = ["info", "warning", "critical"] as const;
export const SYNC_STATUSES = ["success", "error"] as const;

export const TABLES: readonly TableSpec[] = [
  {
    name: "tm_content",
    family: "tapemetric",
    replaceKey: ["content_id"],
    columns: [req("content_id", "string"), req("title", "string"), req("content_type", "string", { values: CONTENT_TYPES })],
  },
  {
    name: "tm_sessions",
    family: "tapemetric",
    replaceKey: ["session_id"],
    interned: { column: "user_id", key: "user_key", dictionary: "tm_user_keys" },
    columns: [
      req("session_id", "string"),
      req("user_id", "string"),
      req("content_id", "string"),
      req("device", "string", { values: DEVICES }),
      req("region", "string"),
      req("pop", "string"),
      req("started_at", "timestamp"),
      opt("ended_at", "timestamp"),
      req("watch_seconds", "number", { min: 0 }),
      req("completed", "boolean"),
      opt("rebuffer_seconds", "number", { min: 0, default: 0 }),
    ],
  },
  {
    name: "tm_subscriptions",
    family: "tapemetric",
    replaceKey: ["subscription_id"],
    columns: [
      req("subscription_id", "string"),
      req("user_id", "string"),
      req("plan", "string"),
      req("price_inr", "number", { min: 0 }),
      req("started_at", "timestamp"),
      opt("ended_at", "timestamp"),
    ],
  },
  {
    name: "tm_alerts",
    family: "tapemetric",
    generatedId: "id",
    columns: [
      req("severity", "string", { values: SEVERITIES }),
      req("source", "string"),
      req("title", "string"),
      opt("description", "string", { default: "" }),
      opt("acknowledged", "boolean", { default: false }),
      req("created_at", "timestamp"),
    ],
  },
  {
    name: "tr_clicks",
    family: "taprain",
    replaceKey: ["click_id"],
    columns: [
      req("click_id", "string"),
      req("ts", "timestamp"),
      opt("country", "string", { default: "", country: true }),
      req("offer", "string"),
      opt("source", "string", { default: "" }),
    ],
  },
  {
    name: "tr_conversions",
    family: "taprain",
    replaceKey: ["conversion_id"],
    columns: [
      req("conversion_id", "string"),
      opt("click_id", "string", { default: "" }),
      req("ts", "timestamp"),
      opt("country", "string", { default: "", country: true }),
      req("offer", "string"),
      opt("source", "string", { default: "" }),
      req("revenue", "number", { min: 0 }),
    ],
  },
  {
    name: "cdp_members",
    family: "cdp",
    replaceKey: ["member_id"],
    columns: [req("member_id", "string"), req("created_at", "timestamp")],
  },
  {
    name: "cdp_events",
    family: "cdp",
    replaceKey: ["event_id"],
    columns: [req("event_id", "string"), req("member_id", "string"), req("ts", "timestamp"), req("type", "string")],
  },
  {
    name: "cdp_segments",
    family: "cdp",
    replaceKey: ["segment_id"],
    columns: [
      req("segment_id", "integer"),
      req("name", "string"),
      req("active", "boolean"),
      opt("first_computed_at", "timestamp"),
      opt("last_computed_at", "timestamp"),
    ],
  },
  {
    name: "cdp_memberships",
    family: "cdp",
    replaceKey: ["segment_id", "member_id"],
    version: "updated_at",
    // Overlap joins memberships on the member.
    sortKey: ["member_id", "segment_id"],
    interned: { column: "member_id", key: "member_key", dictionary: "cdp_member_keys" },
    columns: [
      req("segment_id", "integer"),
      req("member_id", "string"),
      req("joined_at", "timestamp"),
      opt("left_at", "timestamp"),
      req("updated_at", "timestamp"),
    ],
  },
  {
    name: "cdp_activations",
    family: "cdp",
    replaceKey: ["activation_id"],
    columns: [
      req("activation_id", "integer"),
      req("segment_id", "integer"),
      req("connector_type", "string"),
      req("status", "string"),
      opt("last_synced_at", "timestamp"),
      opt("last_error", "string", { default: "" }),
    ],
  },
  {
    name: "cdp_sync_logs",
    family: "cdp",
    columns: [
      req("activation_id", "integer"),
      req("status", "string", { values: SYNC_STATUSES }),
      req("user_count", "integer", { min: 0 }),
      opt("error_message", "string", { default: "" }),
      req("synced_at", "timestamp"),
    ],
  },
  {
    name: "cdp_copilot_requests",
    family: "cdp",
    replaceKey: ["request_id"],
    columns: [
      req("request_id", "string"),
      req("ts", "timestamp"),
      req("status", "string", { values: SYNC_STATUSES }),
      opt("credits", "number", { min: 0, default: 1 }),
    ],
  },
  {
    name: "cdp_subscriptions",
    family: "cdp",
    replaceKey: ["period_start"],
    columns: [
      req("plan_name", "string"),
      req("plan_tier", "string"),
      req("period_start", "date"),
      req("period_end", "date"),
      req("events_limit", "integer", { min: -1 }),
      req("users_limit", "integer", { min: -1 }),
      req("segments_limit", "integer", { min: -1 }),
      req("ai_credits_limit", "integer", { min: -1 }),
    ],
  },
];

export const TABLE_NAMES = TABLES.map((t) => t.name);

/** The spec of a table the code itself names (a typo is a programming error). */
export function tableSpec(name: string): TableSpec {
  const table = findTable(name);
  if (!table) throw new Error(`No table ${name}`);
  return table;
}

export function findTable(name: string): TableSpec | undefined {
  return TABLES.find((t) => t.name === name);
}

/**
 * Every stored column in order: the workspace id first, then a generated id if any, then the import
 * columns, then an interned key if any.
 */
export function storedColumns(table: TableSpec): { name: string; type: ColumnType }[] {
  const head: { name: string; type: ColumnType }[] = [{ name: "workspace_id", type: "string" }];
  if (table.generatedId) head.push({ name: table.generatedId, type: "integer" });
  const tail: { name: string; type: ColumnType }[] = table.interned ? [{ name: table.interned.key, type: "integer" }] : [];
  return [...head, ...table.columns.map((c) => ({ name: c.name, type: c.type })), ...tail];
}
