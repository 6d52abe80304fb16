// The endpoint catalog's building block: one definition per endpoint, from which routes, OpenAPI,
// MCP tools and Sheets functions are derived. Free of Node APIs so the Sheets bundle can include it.

import type { z } from "zod";
import type { Row, SqlParams } from "../store/store.ts";

export type Family = "tapemetric" | "taprain" | "cdp";
export type Plan = "starter" | "growth" | "enterprise";

/** The read/write access an endpoint's compute function gets: always scoped to one workspace. */
export interface QueryRunner {
  /** Which engine runs the SQL: an endpoint keeps one statement per engine and picks by this. */
  readonly dialect: "duckdb" | "clickhouse";
  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string, params?: SqlParams): Promise<void>;
}

/** Services that need the host (files, signing); endpoints that do not use them never see Node APIs. */
export interface HostServices {
  /** Writes query rows to a Parquet file and returns a signed download URL (CONTRACT §9.7). */
  exportParquet?(request: {
    workspaceId: string;
    sql: string;
    params: SqlParams;
  }): Promise<{ url: string; expiresAt: string; rows: number }>;
}

export interface ComputeContext {
  store: QueryRunner;
  workspace: { id: string; plan: Plan };
  /** The clock's instant for this request (METRIGATE_NOW when pinned). */
  now: Date;
  host: HostServices;
  /** Requests left in the caller's rate-limit window after this one, when the face knows it. */
  requestsRemaining: number | null;
}

export type ParamsSchema = z.ZodObject;

export interface EndpointDefinition<P extends ParamsSchema = ParamsSchema, R extends z.ZodType = z.ZodType> {
  /** MCP tool name (CONTRACT §12), also the cache namespace. */
  name: string;
  family: Family;
  title: string;
  description: string;
  method: "GET" | "POST";
  /** Path with `:name` segments for path parameters, e.g. `/v1/analytics/alerts/:id/acknowledge`. */
  path: string;
  /** Query parameters (GET) or JSON body fields (POST), plus path parameters; key order = argument order. */
  params: P;
  /** The wire body of a successful response. */
  response: R;
  readOnly: boolean;
  /** Calling twice with the same arguments does what calling once does (default: `readOnly`). */
  idempotent?: boolean;
  /** Results may be served from the result cache (CONTRACT §6). */
  cacheable: boolean;
  /** Plans allowed to call the endpoint; absent: every plan. */
  plans?: readonly Plan[];
  /** Name of a Sheets custom function for read endpoints (CONTRACT §13.1). */
  sheetFunction?: string;
  /**
   * Canonical form of validated parameters (sorted lists, upper-case codes), applied before the cache
   * key is made, so parameters that mean the same thing share one cache entry. May throw BadParameter.
   */
  normalize?(params: z.output<P>): z.output<P>;
  /**
   * The parts of an answer that echo how this request was worded (Taprain's filters, in the order given),
   * filled in on a copy of a computed or cached answer; `params` are validated but not normalized.
   */
  echo?(body: z.output<R>, params: z.output<P>): z.output<R>;
  compute(ctx: ComputeContext, params: z.output<P>): Promise<z.output<R>>;
  /**
   * The body as one flat table (a header and rows), for bodies that are not a plain list of objects: the
   * HTTP face answers it as CSV (`Accept: text/csv` or `format=csv`), the Sheets functions fill it in.
   */
  tabular?(body: z.output<R>): { header: string[]; rows: (string | number | null)[][] };
}

export type AnyEndpoint = EndpointDefinition<ParamsSchema, z.ZodType>;

export function defineEndpoint<P extends ParamsSchema, R extends z.ZodType>(
  definition: EndpointDefinition<P, R>,
): EndpointDefinition<P, R> {
  return definition;
}
