// GET /api/analytics/overlap/ (CONTRACT §11.3): the 20 pairs of active segments sharing the most
// current members, computed as one self-join over current memberships.

import { z } from "zod";
import { defineEndpoint } from "../../catalog/define.ts";
import { round } from "../../catalog/rounding.ts";
import { CH, CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS } from "./memberships.ts";

const TOP_PAIRS = 20;

const response = z.array(
  z.object({
    seg_a_id: z.number().int().describe("The pair's segment with the smaller id."),
    seg_a_name: z.string(),
    seg_b_id: z.number().int().describe("The pair's segment with the larger id."),
    seg_b_name: z.string(),
    overlap: z.number().int().describe("Current members in both segments."),
    overlap_pct: z.number().describe("overlap ÷ the smaller segment's current members × 100, 1 decimal."),
  }),
);

const OVERLAP_SQL = {
  duckdb: `
  WITH current_members AS MATERIALIZED (${CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS}),
  sizes AS (SELECT segment_id, count(*) AS size FROM current_members GROUP BY segment_id),
  pairs AS (
    SELECT a.segment_id AS seg_a_id, b.segment_id AS seg_b_id, count(*) AS overlap
    FROM current_members a JOIN current_members b ON a.member_key = b.member_key AND a.segment_id < b.segment_id
    GROUP BY a.segment_id, b.segment_id
    ORDER BY overlap DESC, seg_a_id, seg_b_id
    LIMIT ${TOP_PAIRS}
  )
  SELECT p.seg_a_id, na.name AS seg_a_name, p.seg_b_id, nb.name AS seg_b_name, p.overlap,
         least(sa.size, sb.size) AS smaller
  FROM pairs p
  JOIN sizes sa ON sa.segment_id = p.seg_a_id
  JOIN sizes sb ON sb.segment_id = p.seg_b_id
  JOIN cdp_segments na ON na.workspace_id = $ws AND na.segment_id = p.seg_a_id
  JOIN cdp_segments nb ON nb.workspace_id = $ws AND nb.segment_id = p.seg_b_id
  ORDER BY p.overlap DESC, p.seg_a_id, p.seg_b_id`,
  clickhouse: `
  WITH current_members AS (${CH.CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS}),
  sizes AS (SELECT segment_id, count() AS size FROM current_members GROUP BY segment_id),
  names AS (SELECT segment_id, name FROM cdp_segments FINAL WHERE workspace_id = {ws:String}),
  pairs AS (
    SELECT a.segment_id AS seg_a_id, b.segment_id AS seg_b_id, count() AS overlap
    FROM current_members AS a JOIN current_members AS b ON a.member_id = b.member_id
    WHERE a.segment_id < b.segment_id
    GROUP BY seg_a_id, seg_b_id
    ORDER BY overlap DESC, seg_a_id, seg_b_id
    LIMIT ${TOP_PAIRS}
  )
  SELECT p.seg_a_id AS seg_a_id, na.name AS seg_a_name, p.seg_b_id AS seg_b_id, nb.name AS seg_b_name, p.overlap AS overlap,
         least(sa.size, sb.size) AS smaller
  FROM pairs AS p
  JOIN sizes AS sa ON sa.segment_id = p.seg_a_id
  JOIN sizes AS sb ON sb.segment_id = p.seg_b_id
  JOIN names AS na ON na.segment_id = p.seg_a_id
  JOIN names AS nb ON nb.segment_id = p.seg_b_id
  ORDER BY overlap DESC, seg_a_id, seg_b_id`,
};

type PairRow = Omit<z.output<typeof response>[number], "overlap_pct"> & { smaller: number };

export const overlapEndpoint = defineEndpoint({
  name: "cdp_overlap",
  family: "cdp",
  title: "Segment overlap",
  description:
    "The 20 pairs of active segments sharing the most current members, with the shared count and its share of the smaller segment; empty when no two segments share anyone.",
  method: "GET",
  path: "/api/analytics/overlap/",
  params: z.object({}),
  response,
  readOnly: true,
  cacheable: true,
  sheetFunction: "CDP_OVERLAP",
  async compute(ctx) {
    const rows = await ctx.store.query<PairRow>(OVERLAP_SQL[ctx.store.dialect], { now: ctx.now.toISOString() });
    return rows.map(({ smaller, ...pair }) => ({ ...pair, overlap_pct: round((pair.overlap / smaller) * 100, 1) }));
  },
});
