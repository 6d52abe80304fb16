// The query API's catalog entries (CONTRACT §17): per family `POST /v1/query/<family>` and
// `GET /v1/query/<family>/values`, derived from the family's vocabulary, so HTTP, OpenAPI, MCP tools and
// Sheets functions all come from the one definition. Node-free.

import { z } from "zod";
import { defineEndpoint, type AnyEndpoint, type ComputeContext, type Family } from "../catalog/define.ts";
import { offsetParam } from "../catalog/params.ts";
import { answerTable, queryAnswerSchema, shapeAnswer, type QueryAnswer } from "./answer.ts";
import { CDP_QUERY } from "./cdp.ts";
import { compileQuery, type ResultRow } from "./compile.ts";
import { previousPeriod, queryPeriod, timeBuckets, type TimeBucket } from "./periods.ts";
import { MAX_LIMIT, normalizeQuery, querySchema, timeGrainOf, type QueryParams, type QueryRequest } from "./request.ts";
import { TAPEMETRIC_QUERY } from "./tapemetric.ts";
import { TAPRAIN_QUERY } from "./taprain.ts";
import type { FamilySpec } from "./vocabulary.ts";

const FAMILY_LABELS: Record<Family, { name: string; sheet: string; fixed: string }> = {
  tapemetric: { name: "Tapemetric", sheet: "TAPEMETRIC_QUERY", fixed: "tapemetric_overview, tapemetric_top_content, tapemetric_geo, tapemetric_devices" },
  taprain: { name: "Taprain", sheet: "TAPRAIN_QUERY", fixed: "taprain_stats" },
  cdp: { name: "CDP", sheet: "CDP_QUERY", fixed: "cdp_overview, cdp_segments" },
};

/** Runs a validated request as one statement in the store's engine and shapes the answer. */
export async function runQuery(ctx: ComputeContext, spec: FamilySpec, query: QueryRequest): Promise<QueryAnswer> {
  const nowMs = ctx.now.getTime();
  const period = queryPeriod(spec, query, nowMs);
  const previous = query.compare ? previousPeriod(query, period) : undefined;
  const grain = timeGrainOf(query.dimensions);
  const buckets: TimeBucket[] = grain ? timeBuckets(grain, period, query.timezone) : [];
  const previousBuckets = grain && previous ? timeBuckets(grain, previous, query.timezone) : [];
  const compiled = compileQuery(
    { spec, query, period, previous, bucketKeys: buckets.map((b) => b.key), previousKeys: previousBuckets.map((b) => b.key), nowMs },
    ctx.store.dialect,
  );
  const rows = await ctx.store.query<ResultRow>(compiled.sql, compiled.params);
  return shapeAnswer({ spec, query, period, previous, buckets, bases: compiled.bases, rows });
}

function queryEndpoint(spec: FamilySpec) {
  const label = FAMILY_LABELS[spec.family];
  const params = querySchema(spec);
  return defineEndpoint({
    name: `${spec.family}_query`,
    family: spec.family,
    title: `${label.name} query: any metric by any dimension`,
    description:
      `Answers open questions of the ${label.name} data: metrics (${Object.keys(spec.metrics).join(", ")}) split by up to three dimensions ` +
      `(${Object.keys(spec.dimensions).join(", ")}, and time:hour/day/week/month), with filters, a period, an optional comparison with the ` +
      `previous period, ordering and paging. Use it for questions the fixed tools (${label.fixed}) do not answer directly; find filter ` +
      `values first with ${spec.family}_dimension_values.`,
    method: "POST",
    path: `/v1/query/${spec.family}`,
    params,
    response: queryAnswerSchema,
    readOnly: true,
    cacheable: true,
    sheetFunction: label.sheet,
    normalize: (p: QueryParams): QueryParams => normalizeQuery(spec, p),
    tabular: answerTable,
    compute: (ctx, p) => runQuery(ctx, spec, normalizeQuery(spec, p)),
  });
}

function valuesEndpoint(spec: FamilySpec) {
  const label = FAMILY_LABELS[spec.family];
  const names = Object.keys(spec.dimensions) as [string, ...string[]];
  const shape = querySchema(spec).shape;
  const params = z.object({
    dimension: z.enum(names).describe(`The dimension whose values to list: ${names.join(", ")}.`),
    range: shape.range,
    start: shape.start,
    end: shape.end,
    ...("timezone" in shape ? { timezone: shape.timezone } : {}),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(100).describe(`Maximum values to return, 1-${MAX_LIMIT} (default 100).`),
    offset: offsetParam(),
  });
  const response = z.object({
    dimension: z.string(),
    values: z.array(
      z.object({ value: z.string(), count: z.number().int().describe(`${spec.countMetric} in the period with this value.`) }),
    ),
    meta: queryAnswerSchema.shape.meta.pick({ period_start: true, period_end: true, timezone: true, total_rows: true, cut: true, requests_remaining: true }),
  });
  return defineEndpoint({
    name: `${spec.family}_dimension_values`,
    family: spec.family,
    title: `${label.name} dimension values`,
    description:
      `The values of one ${label.name} dimension seen in a period with their ${spec.countMetric}, most frequent first — to find the exact ` +
      `name to filter ${spec.family}_query on.`,
    method: "GET",
    path: `/v1/query/${spec.family}/values`,
    params,
    response,
    readOnly: true,
    cacheable: true,
    async compute(ctx, p) {
      const request: QueryParams = {
        metrics: [spec.countMetric],
        dimensions: [p.dimension],
        filters: [],
        range: p.range,
        start: p.start,
        end: p.end,
        ...("timezone" in p ? { timezone: p.timezone } : {}),
        order_by: [[spec.countMetric, "desc"]],
        limit: p.limit,
        offset: p.offset,
        format: "json",
      };
      const answer = await runQuery(ctx, spec, normalizeQuery(spec, request));
      const { period_start, period_end, timezone, total_rows, cut } = answer.meta;
      return {
        dimension: p.dimension,
        values: answer.results.map((r) => ({ value: r.dimensions[0], count: r.metrics[0] })),
        meta: { period_start, period_end, timezone, total_rows, cut },
      };
    },
    tabular: (body) => ({ header: ["value", "count"], rows: body.values.map((v) => [v.value, v.count]) }),
  });
}

export const QUERY_SPECS: readonly FamilySpec[] = [TAPEMETRIC_QUERY, TAPRAIN_QUERY, CDP_QUERY];

export const queryEndpoints: readonly AnyEndpoint[] = QUERY_SPECS.flatMap((spec) => [queryEndpoint(spec), valuesEndpoint(spec)]);


