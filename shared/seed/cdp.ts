// Demo data for the CDP API: members signing up over a year, their events with daily and weekly cycles,
// a dozen overlapping segments (one inactive, one computed yesterday, one never computed) whose
// memberships are re-evaluated over time, activations to ad and email destinations with their sync
// histories, copilot requests, and monthly subscription periods around today.

import { cyclicInstant, uniform, weighted } from "./sample.ts";
import { sqlString } from "../store/sql-literal.ts";
import type { FamilySeeder } from "./types.ts";
import { tableSpec } from "../store/tables.ts";

const DAY_S = 86_400;

const EVENT_TYPES = {
  page_view: 46,
  product_view: 20,
  add_to_cart: 9,
  checkout_started: 5,
  purchase: 4,
  email_open: 9,
  email_click: 3,
  app_open: 4,
};

interface SegmentSeed {
  name: string;
  active: boolean;
  /** Days before now of the first computation; null: never computed. */
  firstComputedDaysAgo: number | null;
}

const DEMO_SEGMENTS: readonly SegmentSeed[] = [
  { name: "High-value customers", active: true, firstComputedDaysAgo: 140 },
  { name: "Cart abandoners (7 days)", active: true, firstComputedDaysAgo: 120 },
  { name: "Newsletter subscribers", active: true, firstComputedDaysAgo: 200 },
  { name: "Lapsed buyers (60+ days)", active: true, firstComputedDaysAgo: 90 },
  { name: "Mobile app users", active: true, firstComputedDaysAgo: 75 },
  { name: "Discount seekers", active: true, firstComputedDaysAgo: 60 },
  { name: "First-time buyers", active: true, firstComputedDaysAgo: 21 },
  { name: "Loyalty members", active: true, firstComputedDaysAgo: 180 },
  { name: "Holiday shoppers 2025", active: false, firstComputedDaysAgo: 110 },
  { name: "Premium browsers", active: true, firstComputedDaysAgo: 12 },
  { name: "Lookalike test", active: true, firstComputedDaysAgo: 1 },
  { name: "Churn risk (model v2)", active: true, firstComputedDaysAgo: null },
];

interface ActivationSeed {
  segment: number;
  connector: string;
  status: string;
  /** Share of sync runs that fail. */
  errorRate: number;
  error: string;
  /** Days before now of the last run; null: never synced. */
  lastRunDaysAgo: number | null;
}

const DEMO_ACTIVATIONS: readonly ActivationSeed[] = [
  { segment: 1, connector: "facebook_ads", status: "active", errorRate: 0.03, error: "Custom audience temporarily unavailable", lastRunDaysAgo: 0 },
  { segment: 2, connector: "google_ads", status: "active", errorRate: 0.05, error: "Customer match upload timed out", lastRunDaysAgo: 0 },
  { segment: 2, connector: "braze", status: "active", errorRate: 0.01, error: "Braze API returned 503", lastRunDaysAgo: 0 },
  { segment: 3, connector: "mailchimp", status: "active", errorRate: 0.1, error: "Mailchimp rate limit exceeded", lastRunDaysAgo: 0 },
  { segment: 4, connector: "klaviyo", status: "error", errorRate: 1, error: "401 Unauthorized: the API token has expired", lastRunDaysAgo: 0 },
  { segment: 7, connector: "tiktok_ads", status: "paused", errorRate: 0.08, error: "Audience too small to activate", lastRunDaysAgo: 9 },
  { segment: 8, connector: "salesforce_marketing_cloud", status: "active", errorRate: 0.2, error: "Data extension field mismatch", lastRunDaysAgo: 0 },
  { segment: 10, connector: "hubspot", status: "draft", errorRate: 0, error: "", lastRunDaysAgo: null },
];

/** Sync runs every 6 hours over the last 20 days of each activation's history. */
const RUNS = 80;
const RUN_EVERY_S = 6 * 3600;
/** The Klaviyo activation worked until its token expired this many runs ago. */
const FAILING_RUNS = 12;

export interface AudienceOptions {
  workspaceId: string;
  segments: readonly SegmentSeed[];
  /** Membership rows to store, one per (segment, member) pair. */
  rows: number;
  members: number;
  nowMs: number;
  seed: number;
}

/** Numbered, active segments for benchmarks: "Segment 1" .. "Segment n", computed 100 days ago. */
export function numberedSegments(count: number): SegmentSeed[] {
  return Array.from({ length: count }, (_, i) => ({ name: `Segment ${i + 1}`, active: true, firstComputedDaysAgo: 100 }));
}

/**
 * Segments and their membership rows. Low segment ids and engaged members are drawn more often, so
 * segments differ in size and overlap; a member drawn twice for one segment is a re-evaluation, whose
 * later row replaces the earlier one (and may re-join a member who had left).
 */
export async function seedAudience(store: Parameters<FamilySeeder>[0], options: AudienceOptions): Promise<void> {
  const { workspaceId, segments, rows, members, nowMs, seed } = options;
  const now = `make_timestamp(${nowMs}::BIGINT * 1000)`;
  await store.exec(
    `INSERT INTO cdp_segments (workspace_id, segment_id, name, active, first_computed_at, last_computed_at)
     VALUES ${segments
       .map((s, i) => {
         const first = s.firstComputedDaysAgo === null ? "NULL" : `${now} - INTERVAL ${s.firstComputedDaysAgo} DAY`;
         const last = s.firstComputedDaysAgo === null ? "NULL" : s.active ? `${now} - INTERVAL ${(i * 37) % 180} MINUTE` : `${now} - INTERVAL 40 DAY`;
         return `($ws, ${i + 1}, ${sqlString(s.name)}, ${s.active}, ${first}, ${last})`;
       })
       .join(", ")}`,
    { ws: workspaceId },
  );
  // Joins spread over the last 75 days (so trends move), 18 % of rows record a departure since. A pair
  // drawn again is a re-evaluation and, as on import, only its latest row is stored: a quarter more rows
  // are drawn than are kept. Stored in the table's sort order, as a load would.
  await store.exec(
    `INSERT INTO cdp_memberships (workspace_id, segment_id, member_id, joined_at, left_at, updated_at)
     SELECT $ws, segment_id, member_id, joined_at, left_at, updated_at
     FROM (
       SELECT *, coalesce(left_at, joined_at) AS updated_at
       FROM (
         SELECT i, 1 + floor(${segments.length} * pow(${uniform(seed, "segment")}, 1.4))::BIGINT AS segment_id,
                'm_' || lpad(floor(${members} * pow(${uniform(seed, "member")}, 1.8))::BIGINT::VARCHAR, 8, '0') AS member_id,
                ${now} - to_seconds(floor(${uniform(seed, "joined")} * 75 * ${DAY_S})::BIGINT) AS joined_at,
                CASE WHEN ${uniform(seed, "leaves")} < 0.18
                     THEN joined_at + to_seconds(floor(${uniform(seed, "stay")} * epoch(${now} - joined_at))::BIGINT) END AS left_at
         FROM range(${Math.ceil(rows * 1.25)}) r(i)
       )
       QUALIFY row_number() OVER (PARTITION BY segment_id, member_id ORDER BY updated_at DESC, i DESC) = 1
       ORDER BY i
       LIMIT ${rows}
     )
     ORDER BY member_id, segment_id`,
    { ws: workspaceId },
  );
  await store.internKeys(tableSpec("cdp_memberships"), workspaceId);
}

export const seedCdp: FamilySeeder = async (store, { workspaceId, scale, nowMs, seed }) => {
  const ws = { ws: workspaceId };
  const now = `make_timestamp(${nowMs}::BIGINT * 1000)`;
  const members = Math.max(50, Math.round(scale / 20));
  const events = Math.max(1, Math.round(scale * 0.55));
  const memberships = Math.max(100, Math.round(scale * 0.35));
  const requests = Math.max(60, Math.round(scale / 500));

  // Sign-ups over the last 400 days, more of them recently.
  await store.exec(
    `INSERT INTO cdp_members (workspace_id, member_id, created_at)
     SELECT $ws, 'm_' || lpad(i::VARCHAR, 8, '0'), ${now} - to_seconds(floor(pow(${uniform(seed, "signup")}, 1.5) * 400 * ${DAY_S})::BIGINT)
     FROM range(${members}) r(i)`,
    ws,
  );
  await store.exec(
    `INSERT INTO cdp_events (workspace_id, event_id, member_id, ts, type)
     SELECT $ws, 'evt_' || lpad(i::VARCHAR, 10, '0'), 'm_' || lpad(floor(${members} * pow(${uniform(seed, "actor")}, 2))::BIGINT::VARCHAR, 8, '0'),
            CASE WHEN t > ${now} THEN t - INTERVAL 7 DAY ELSE t END, ${weighted(seed, "type", EVENT_TYPES)}
     FROM (SELECT i, ${cyclicInstant(seed, "event", nowMs, 60)} AS t FROM range(${events}) r(i))
     ORDER BY 4`,
    ws,
  );
  await seedAudience(store, { workspaceId, segments: DEMO_SEGMENTS, rows: memberships, members, nowMs, seed });

  // Sync runs: every 6 hours back from each activation's last run, sending about its segment's size.
  await store.exec(
    `INSERT INTO cdp_sync_logs (workspace_id, activation_id, status, user_count, error_message, synced_at)
     WITH activations(activation_id, segment_id, error_rate, error, last_run_days_ago) AS (
       VALUES ${DEMO_ACTIVATIONS.map(
         (a, i) => `(${i + 1}, ${a.segment}, ${a.errorRate}, ${sqlString(a.error)}, ${a.lastRunDaysAgo ?? "NULL"})`,
       ).join(", ")}
     ),
     sizes AS (
       SELECT segment_id, count(*) AS size FROM cdp_memberships WHERE workspace_id = $ws GROUP BY segment_id
     ),
     runs AS (
       SELECT a.*, k, coalesce(s.size, 0) AS size,
              CASE WHEN a.error_rate >= 1 THEN k < ${FAILING_RUNS} ELSE ${uniform(seed, "sync-fails", "(a.activation_id * 1000 + k)")} < a.error_rate END AS failed
       FROM activations a LEFT JOIN sizes s USING (segment_id), range(${RUNS}) r(k)
       WHERE a.last_run_days_ago IS NOT NULL
     )
     SELECT $ws, activation_id, CASE WHEN failed THEN 'error' ELSE 'success' END,
            CASE WHEN failed THEN 0 ELSE floor(size * (0.7 + 0.1 * ${uniform(seed, "sent", "(activation_id * 1000 + k)")}))::BIGINT END,
            CASE WHEN failed THEN error ELSE '' END,
            date_trunc('hour', ${now}) - INTERVAL (last_run_days_ago) DAY - to_seconds(k::BIGINT * ${RUN_EVERY_S})
     FROM runs`,
    ws,
  );
  await store.exec(
    `INSERT INTO cdp_activations (workspace_id, activation_id, segment_id, connector_type, status, last_synced_at, last_error)
     WITH activations(activation_id, segment_id, connector_type, status) AS (
       VALUES ${DEMO_ACTIVATIONS.map((a, i) => `(${i + 1}, ${a.segment}, ${sqlString(a.connector)}, ${sqlString(a.status)})`).join(", ")}
     ),
     latest AS (
       SELECT activation_id, max(synced_at) AS last_synced_at, arg_max(error_message, synced_at) AS last_error
       FROM cdp_sync_logs WHERE workspace_id = $ws GROUP BY activation_id
     )
     SELECT $ws, a.activation_id, a.segment_id, a.connector_type, a.status, l.last_synced_at, coalesce(l.last_error, '')
     FROM activations a LEFT JOIN latest l USING (activation_id)`,
    ws,
  );

  await store.exec(
    `INSERT INTO cdp_copilot_requests (workspace_id, request_id, ts, status, credits)
     SELECT $ws, 'req_' || lpad(i::VARCHAR, 8, '0'), CASE WHEN t > ${now} THEN t - INTERVAL 7 DAY ELSE t END,
            CASE WHEN ${uniform(seed, "copilot-fails")} < 0.06 THEN 'error' ELSE 'success' END,
            ${weighted(seed, "credits", { "1": 70, "2": 20, "5": 10 })}::DOUBLE
     FROM (SELECT i, ${cyclicInstant(seed, "copilot", nowMs, 45)} AS t FROM range(${requests}) r(i))
     -- a quiet spell: nobody asked the copilot on these days
     WHERE NOT (t::DATE BETWEEN (${now} - INTERVAL 12 DAY)::DATE AND (${now} - INTERVAL 11 DAY)::DATE)`,
    ws,
  );

  // Monthly periods: the two before this month on Starter, this month on Growth.
  const month = (offset: number): [start: string, end: string] => {
    const d = new Date(nowMs);
    const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
    const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset + 1, 0));
    return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
  };
  const starter = { name: "Starter", tier: "starter", limits: [1_000_000, 50_000, 10, 500] };
  const growth = { name: "Growth", tier: "growth", limits: [10_000_000, 500_000, 25, 2_000] };
  const periods = [
    { months: month(-2), plan: starter },
    { months: month(-1), plan: starter },
    { months: month(0), plan: growth },
  ];
  await store.exec(
    `INSERT INTO cdp_subscriptions (workspace_id, plan_name, plan_tier, period_start, period_end, events_limit, users_limit, segments_limit, ai_credits_limit)
     VALUES ${periods
       .map(
         ({ months: [start, end], plan }) =>
           `($ws, ${sqlString(plan.name)}, ${sqlString(plan.tier)}, DATE ${sqlString(start)}, DATE ${sqlString(end)}, ${plan.limits.join(", ")})`,
       )
       .join(", ")}`,
    ws,
  );
};
