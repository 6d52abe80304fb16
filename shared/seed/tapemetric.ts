// Demo data for the Tapemetric API: a catalogue of 400 titles, viewing sessions with daily and weekly
// cycles and a busier last month across Indian states and their edge PoPs, some still playing, with
// rebuffering (and a fresh spike on one PoP for the alert rule), subscriptions with churn, a few alerts.

import { cyclicInstant, uniform, weighted } from "./sample.ts";
import { sqlString } from "../store/sql-literal.ts";
import type { FamilySeeder } from "./types.ts";
import { tableSpec } from "../store/tables.ts";

const TITLES = 400;
/** Sessions also name a few titles that are not in the catalogue (removed or not yet imported). */
const UNLISTED_TITLES = 12;

const CONTENT_TYPES = { series: 30, episode: 25, movie: 25, live: 8, short: 12 };
/** Typical full length of each content type, seconds. */
const LENGTHS: Record<string, number> = { series: 2700, episode: 2400, movie: 7800, live: 5400, short: 90 };
const ADJECTIVES = ["Monsoon", "Midnight", "Silent", "Golden", "Broken", "Hidden", "Wild", "Last", "Crimson", "Electric"];
const NOUNS = ["Express", "Kingdom", "Diaries", "Heist", "Frontier", "Letters", "Circus", "Harbour", "Cricket Club", "Republic"];

const REGIONS = {
  Maharashtra: 14,
  "Uttar Pradesh": 12,
  Karnataka: 9,
  "Tamil Nadu": 9,
  Delhi: 8,
  Gujarat: 7,
  "West Bengal": 7,
  Telangana: 6,
  Rajasthan: 5,
  Kerala: 5,
  "Andhra Pradesh": 4,
  "Madhya Pradesh": 4,
  Bihar: 3,
  Punjab: 2,
  Haryana: 2,
  Odisha: 1,
  Assam: 1,
  Goa: 1,
};
/** The edge PoP serving each state, and each PoP's usual rebuffer ratio. */
const POP_OF_REGION: Record<string, string> = {
  Maharashtra: "ap-south-1",
  Gujarat: "ap-south-1",
  Goa: "ap-south-1",
  "Madhya Pradesh": "ap-south-1",
  Rajasthan: "ap-south-1",
  Telangana: "ap-south-2",
  "Andhra Pradesh": "ap-south-2",
  Karnataka: "blr-edge-1",
  "Tamil Nadu": "maa-edge-1",
  Kerala: "maa-edge-1",
  Delhi: "del-edge-1",
  "Uttar Pradesh": "del-edge-1",
  Haryana: "del-edge-1",
  Punjab: "del-edge-1",
  "West Bengal": "ccu-edge-1",
  Bihar: "ccu-edge-1",
  Odisha: "ccu-edge-1",
  Assam: "ccu-edge-1",
};
const REBUFFER_RATIO: Record<string, number> = {
  "ap-south-1": 0.008,
  "ap-south-2": 0.011,
  "blr-edge-1": 0.009,
  "maa-edge-1": 0.012,
  "del-edge-1": 0.014,
  "ccu-edge-1": 0.016,
};
/** This PoP's sessions of the last 15 minutes all rebuffer, three times as much: the demo's open QoS incident. */
const SPIKING_POP = "ccu-edge-1";
const DEVICES = { mobile: 55, tv: 20, web: 15, tablet: 10 };
const PLANS: Record<string, { weight: number; price: number }> = {
  mobile: { weight: 30, price: 149 },
  basic: { weight: 25, price: 199 },
  standard: { weight: 30, price: 499 },
  premium: { weight: 15, price: 649 },
};

const caseOf = (column: string, values: Record<string, string | number>) =>
  `CASE ${column} ${Object.entries(values)
    .map(([key, value]) => `WHEN ${sqlString(key)} THEN ${typeof value === "number" ? value : sqlString(value)}`)
    .join(" ")} END`;

export const seedTapemetric: FamilySeeder = async (store, { workspaceId, scale, nowMs, seed }) => {
  const sessions = Math.max(1, Math.round(scale * 0.98));
  const users = Math.max(20, Math.round(sessions / 25));
  const ws = { ws: workspaceId };
  const now = `make_timestamp(${nowMs}::BIGINT * 1000)`;

  await store.exec(
    `INSERT INTO tm_content (workspace_id, content_id, title, content_type)
     SELECT $ws, 'c_' || lpad(k::VARCHAR, 4, '0'),
            ([${ADJECTIVES.map(sqlString).join(", ")}])[1 + (k - 1) % 10] || ' ' || ([${NOUNS.map(sqlString).join(", ")}])[1 + ((k - 1) // 10) % 10]
              || CASE WHEN k > 100 THEN ' ' || ((k - 1) // 100 + 1)::VARCHAR ELSE '' END,
            ${weighted(seed, "content-type", CONTENT_TYPES, "k")}
     FROM range(1, ${TITLES + 1}) r(k)`,
    ws,
  );

  // The drawn start instant is used several times, so its steps are materialised rather than inlined
  // (which would draw it again for every use). Rows go in time order, as imported logs usually do.
  const spiking = `pop = ${sqlString(SPIKING_POP)} AND started_at >= ${now} - INTERVAL 15 MINUTE`;
  const fourWeeks = "INTERVAL 28 DAY";
  await store.exec(
    `INSERT INTO tm_sessions (workspace_id, session_id, user_id, content_id, device, region, pop, started_at, ended_at,
                              watch_seconds, completed, rebuffer_seconds)
     WITH drawn AS MATERIALIZED (
       SELECT i, ${cyclicInstant(seed, "start", nowMs, 92)} AS c,
              1 + least(${TITLES + UNLISTED_TITLES - 1}, floor(${TITLES + UNLISTED_TITLES} * pow(${uniform(seed, "title")}, 2.2)))::BIGINT AS k
       FROM range(${sessions}) r(i)
     ),
     -- Instants later than now fall back a week; a fifth of the sessions then move into the last four
     -- weeks (whole weeks keep weekday and hour), so the service grows.
     placed AS MATERIALIZED (
       SELECT i, 'c_' || lpad(k::VARCHAR, 4, '0') AS content_id, CASE WHEN c > ${now} THEN c - INTERVAL 7 DAY ELSE c END AS t FROM drawn
     ),
     described AS (
       SELECT i, content_id, region, ${caseOf("region", POP_OF_REGION)} AS pop, completed,
              CASE WHEN i % 5 = 0 THEN t + ${fourWeeks} * floor(epoch(${now} - t) / epoch(${fourWeeks}))::INTEGER ELSE t END AS started_at,
              floor(coalesce(${caseOf("content_type", LENGTHS)}, ${LENGTHS.episode})
                    * CASE WHEN completed THEN 0.92 + 0.08 * ${uniform(seed, "tail")} ELSE 0.05 + 0.8 * ${uniform(seed, "part")} END) AS watch
       FROM (
         SELECT p.*, c.content_type, ${weighted(seed, "region", REGIONS)} AS region, ${uniform(seed, "completes")} < 0.42 AS completed
         FROM placed p LEFT JOIN tm_content c ON c.workspace_id = $ws AND c.content_id = p.content_id
       )
     ),
     rebuffered AS (
       SELECT *,
              CASE WHEN spiking OR ${uniform(seed, "rebuffers")} < 0.35
                   THEN round(watch * ratio * (CASE WHEN spiking THEN 3 ELSE 1 END) * (0.5 + 4.7 * ${uniform(seed, "rebuffer")}), 1)
                   ELSE 0 END AS rebuffer
       FROM (SELECT *, ${spiking} AS spiking, ${caseOf("pop", REBUFFER_RATIO)} AS ratio FROM described)
     ),
     timed AS (
       SELECT *, (watch + rebuffer) AS length, epoch(${now}) - epoch(started_at) AS elapsed FROM rebuffered
     )
     SELECT $ws, 'ses_' || lpad(i::VARCHAR, 9, '0'),
            'u_' || lpad(floor(${users} * pow(${uniform(seed, "user")}, 1.6))::BIGINT::VARCHAR, 7, '0'),
            content_id, ${weighted(seed, "device", DEVICES)}, region, pop, started_at,
            CASE WHEN playing THEN NULL ELSE started_at + to_seconds(length::BIGINT) END,
            CASE WHEN playing THEN floor(elapsed * watch / length) ELSE watch END,
            completed AND NOT playing,
            CASE WHEN playing THEN round(elapsed * rebuffer / length, 1) ELSE rebuffer END
     FROM (SELECT *, length > elapsed AS playing FROM timed)
     ORDER BY started_at`,
    ws,
  );
  await store.internKeys(tableSpec("tm_sessions"), workspaceId);

  // Subscriptions: about 38 % of users subscribed at some point in the last 400 days; 35 % of those
  // cancelled after 2 weeks to 10 months, and a third of the cancelled came back on another plan.
  const plan = (salt: string, i: string) => weighted(seed, salt, Object.fromEntries(Object.entries(PLANS).map(([p, v]) => [p, v.weight])), i);
  const price = (column: string) => caseOf(column, Object.fromEntries(Object.entries(PLANS).map(([p, v]) => [p, v.price])));
  await store.exec(
    `INSERT INTO tm_subscriptions (workspace_id, subscription_id, user_id, plan, price_inr, started_at, ended_at)
     WITH first AS (
       SELECT u, ${plan("plan", "u")} AS plan,
              ${now} - to_seconds(floor(${uniform(seed, "sub-start", "u")} * 400 * 86400)::BIGINT) AS started_at,
              ${uniform(seed, "churns", "u")} < 0.35 AS churns,
              to_seconds(floor((14 + ${uniform(seed, "sub-length", "u")} * 286) * 86400)::BIGINT) AS kept
       FROM range(${users}) r(u)
       WHERE ${uniform(seed, "subscribes", "u")} < 0.38
     ),
     ended AS (
       SELECT u, plan, started_at, CASE WHEN churns AND started_at + kept <= ${now} THEN started_at + kept END AS ended_at FROM first
     ),
     rows AS (
       SELECT 'sub_' || lpad(u::VARCHAR, 7, '0') || '_1' AS subscription_id, u, plan, started_at, ended_at FROM ended
       UNION ALL
       SELECT 'sub_' || lpad(u::VARCHAR, 7, '0') || '_2', u, ${plan("plan-again", "u")},
              ended_at + to_seconds(floor(${uniform(seed, "gap", "u")} * 60 * 86400)::BIGINT), NULL
       FROM ended
       WHERE ended_at IS NOT NULL AND ${uniform(seed, "returns", "u")} < 0.33
     )
     SELECT $ws, subscription_id, 'u_' || lpad(u::VARCHAR, 7, '0'), plan, ${price("plan")}, started_at, ended_at
     FROM rows
     WHERE started_at <= ${now}`,
    ws,
  );

  const alerts: [severity: string, source: string, title: string, description: string, acknowledged: boolean, hoursAgo: number][] = [
    ["info", "encoder", "Encoder pool scaled up", "Live encoder pool grew from 8 to 12 nodes for the evening peak", true, 70],
    ["warning", "origin", "Origin latency high · ap-south-1", "p95 origin fetch 840 ms (threshold 500 ms)", true, 52],
    ["critical", "qos", "Rebuffer spike · del-edge-1", "Rebuffer ratio 1.4% -> 6.1% on del-edge-1 PoP", true, 30],
    ["warning", "cdn", "Cache hit ratio low · maa-edge-1", "Cache hit ratio 81% (expected above 90%)", false, 9],
    ["info", "catalog", "12 titles missing from the catalogue", "Sessions reference content ids not present in tm_content", false, 4],
  ];
  await store.exec(
    `INSERT INTO tm_alerts (workspace_id, id, severity, source, title, description, acknowledged, created_at)
     VALUES ${alerts
       .map(
         ([severity, source, title, description, acknowledged, hoursAgo], i) =>
           `($ws, ${i + 1}, ${sqlString(severity)}, ${sqlString(source)}, ${sqlString(title)}, ${sqlString(description)}, ${acknowledged}, ${now} - INTERVAL ${hoursAgo} HOUR)`,
       )
       .join(", ")}`,
    ws,
  );
};
