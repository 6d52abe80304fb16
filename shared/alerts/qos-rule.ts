// The QoS alert rule (CONTRACT §9.6): per PoP, the rebuffer ratio of sessions started in the last 15
// minutes against the 24 hours before; a spike raises one critical alert, at most one an hour while open.

import type { Alert } from "../endpoints/tapemetric/alerts.ts";
import { ALERT_COLUMNS, alertOf } from "../endpoints/tapemetric/alerts.ts";
import { round } from "../catalog/rounding.ts";
import type { Runtime } from "../runtime.ts";
import { tableSpec } from "../store/tables.ts";

const MINUTE_MS = 60_000;
export const RECENT_MS = 15 * MINUTE_MS;
export const BASELINE_MS = 24 * 60 * MINUTE_MS;
/** An open alert with the same title raised less than this long ago holds back a new one. */
export const QUIET_MS = 60 * MINUTE_MS;
export const EVALUATION_EVERY_MS = 5 * MINUTE_MS;

export const spikeTitle = (pop: string) => `Rebuffer spike · ${pop}`;

/** "Rebuffer ratio 1.2% -> 6.5% on ap-south-1 PoP": ratios as percentages with 1 decimal. */
export function spikeDescription(pop: string, baseline: number, recent: number): string {
  const pct = (ratio: number) => round(ratio * 100, 1).toFixed(1);
  return `Rebuffer ratio ${pct(baseline)}% -> ${pct(recent)}% on ${pop} PoP`;
}

// Thresholds are compared as cross-products (recent ≥ 2 × baseline, recent ≥ 5 %) so ratios that sit
// exactly on a threshold are not lost to floating-point division. A PoP without watch time in either
// window has no ratio to compare and raises nothing.
const SPIKES_SQL = `
  WITH windows AS (
    SELECT pop,
           coalesce(sum(coalesce(rebuffer_seconds, 0)) FILTER (WHERE started_at >= $recent_start::TIMESTAMP), 0)::DOUBLE AS recent_rebuffer,
           coalesce(sum(watch_seconds) FILTER (WHERE started_at >= $recent_start::TIMESTAMP), 0)::DOUBLE AS recent_watch,
           coalesce(sum(coalesce(rebuffer_seconds, 0)) FILTER (WHERE started_at < $recent_start::TIMESTAMP), 0)::DOUBLE AS base_rebuffer,
           coalesce(sum(watch_seconds) FILTER (WHERE started_at < $recent_start::TIMESTAMP), 0)::DOUBLE AS base_watch
    FROM tm_sessions
    WHERE workspace_id = $ws AND started_at >= $baseline_start::TIMESTAMP AND started_at < $now::TIMESTAMP
    GROUP BY pop
  )
  SELECT pop, base_rebuffer / base_watch AS baseline, recent_rebuffer / recent_watch AS recent
  FROM windows w
  WHERE recent_watch > 0 AND base_watch > 0
    AND recent_rebuffer * base_watch >= 2 * base_rebuffer * recent_watch
    AND recent_rebuffer * 20 >= recent_watch
    AND NOT EXISTS (
      SELECT 1 FROM tm_alerts a
      WHERE a.workspace_id = $ws AND NOT a.acknowledged AND a.created_at > $quiet_since::TIMESTAMP
        AND a.title = $title_prefix || w.pop
    )
  ORDER BY pop`;

// The same check in ClickHouse SQL; ClickHouse has no transactions, so the raise is one all-or-nothing
// load and two servers evaluating at the same instant could each raise it (docs/scale-out.md).
const CLICKHOUSE_SPIKES_SQL = `
  WITH windows AS (
    SELECT pop,
           sumIf(coalesce(rebuffer_seconds, 0), started_at >= {recent_start:DateTime64(3, 'UTC')}) AS recent_rebuffer,
           sumIf(watch_seconds, started_at >= {recent_start:DateTime64(3, 'UTC')}) AS recent_watch,
           sumIf(coalesce(rebuffer_seconds, 0), started_at < {recent_start:DateTime64(3, 'UTC')}) AS base_rebuffer,
           sumIf(watch_seconds, started_at < {recent_start:DateTime64(3, 'UTC')}) AS base_watch
    FROM tm_sessions FINAL
    WHERE workspace_id = {ws:String} AND started_at >= {baseline_start:DateTime64(3, 'UTC')} AND started_at < {now:DateTime64(3, 'UTC')}
    GROUP BY pop
  )
  SELECT pop, base_rebuffer / base_watch AS baseline, recent_rebuffer / recent_watch AS recent
  FROM windows
  WHERE recent_watch > 0 AND base_watch > 0
    AND recent_rebuffer * base_watch >= 2 * base_rebuffer * recent_watch
    AND recent_rebuffer * 20 >= recent_watch
    AND concat({title_prefix:String}, pop) NOT IN (
      SELECT title FROM tm_alerts FINAL
      WHERE workspace_id = {ws:String} AND NOT acknowledged AND created_at > {quiet_since:DateTime64(3, 'UTC')}
    )
  ORDER BY pop`;

const RAISE_SQL = `
  INSERT INTO tm_alerts (workspace_id, id, severity, source, title, description, acknowledged, created_at)
  SELECT $ws, (SELECT coalesce(max(id), 0) FROM tm_alerts WHERE workspace_id = $ws) + row_number() OVER (ORDER BY title),
         'critical', 'qos', title, description, false, $now::TIMESTAMP
  FROM (SELECT unnest($titles) AS title, unnest($descriptions) AS description)
  RETURNING ${ALERT_COLUMNS}`;

/**
 * Runs the rule for one workspace at the clock's now and returns the alerts it raised. Check and insert
 * share one transaction on the store's single writer, so two evaluations never raise the same alert twice.
 */
export async function evaluateQosRule(runtime: Pick<Runtime, "store" | "clock" | "engine">, workspaceId: string): Promise<Alert[]> {
  const nowMs = runtime.clock.now().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const windows = {
    ws: workspaceId,
    now: iso(nowMs),
    recent_start: iso(nowMs - RECENT_MS),
    baseline_start: iso(nowMs - RECENT_MS - BASELINE_MS),
    quiet_since: iso(nowMs - QUIET_MS),
    title_prefix: spikeTitle(""),
  };
  const { store } = runtime;
  const raised = await store.transaction(async (tx) => {
    const spikes = await tx.query<{ pop: string; baseline: number; recent: number }>(
      store.dialect === "duckdb" ? SPIKES_SQL : CLICKHOUSE_SPIKES_SQL,
      windows,
    );
    if (spikes.length === 0) return [];
    if (store.dialect === "clickhouse") {
      const alerts = tableSpec("tm_alerts");
      const rows = spikes.map((s) => ["critical", "qos", spikeTitle(s.pop), spikeDescription(s.pop, s.baseline, s.recent), false, nowMs]);
      await store.load({ table: alerts, workspaceId, rows });
      return tx.query<Alert>(
        `SELECT ${ALERT_COLUMNS} FROM tm_alerts FINAL
         WHERE workspace_id = {ws:String} AND source = 'qos' AND created_at = {now:DateTime64(3, 'UTC')} AND has({titles:Array(String)}, title)`,
        { ws: workspaceId, now: iso(nowMs), titles: rows.map((r) => String(r[2])) },
      );
    }
    return tx.query<Alert>(RAISE_SQL, {
      ws: workspaceId,
      now: iso(nowMs),
      titles: spikes.map((s) => spikeTitle(s.pop)),
      descriptions: spikes.map((s) => spikeDescription(s.pop, s.baseline, s.recent)),
    });
  });
  if (raised.length > 0) await runtime.engine.invalidate(workspaceId);
  return raised.map(alertOf).sort((a, b) => a.id - b.id);
}

/** Every workspace that is not suspended, for the server's periodic evaluation. */
export async function evaluateQosRuleEverywhere(runtime: Pick<Runtime, "store" | "accounts" | "clock" | "engine">): Promise<Alert[]> {
  const raised: Alert[] = [];
  for (const id of await runtime.accounts.workspaceIds(true)) raised.push(...(await evaluateQosRule(runtime, id)));
  return raised;
}

/**
 * Evaluates at once and then every five minutes until stopped; a run still going when the next is due
 * is not overlapped. Failures go to `onError` and the schedule keeps going. Stopping waits for a run in
 * progress, so the store can be closed right after.
 */
export function scheduleQosRule(runtime: Pick<Runtime, "store" | "accounts" | "clock" | "engine">, onError: (error: unknown) => void): () => Promise<void> {
  let current: Promise<void> | undefined;
  const tick = () => {
    current ??= evaluateQosRuleEverywhere(runtime)
      .then(() => undefined, onError)
      .finally(() => {
        current = undefined;
      });
  };
  const timer = setInterval(tick, EVALUATION_EVERY_MS);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await current;
  };
}
