// Segment membership as CONTRACT §11 reads it: the latest row per (segment, member) wins, as ClickHouse's
// ReplacingMergeTree + FINAL would keep it, and a member is current while joined and not yet left.
// SQL fragments and the UTC day arithmetic the CDP endpoints share. Pure; no Node APIs.

export const DAY_MS = 86_400_000;

/**
 * The winning membership row per (segment_id, member_id) of the workspace. The store keeps only winners:
 * a load drops the rows it outranks (greatest `updated_at`, then the row loaded last), as the merges of a
 * ReplacingMergeTree would, so reading the table reads the latest row of every pair.
 */
export const LATEST_MEMBERSHIPS = `
  SELECT segment_id, member_id, member_key, joined_at, left_at FROM cdp_memberships WHERE workspace_id = $ws`;

/** A winning row is a current membership at `$now`. */
export const IS_CURRENT = "joined_at <= $now::TIMESTAMP AND (left_at IS NULL OR left_at > $now::TIMESTAMP)";

/** Ids of the workspace's active segments. */
const ACTIVE_SEGMENT_IDS = "SELECT segment_id FROM cdp_segments WHERE workspace_id = $ws AND active";

/** Scalar subqueries for the overview and usage: active segments, and members created by `$now`. */
export const ACTIVE_SEGMENT_COUNT = `(SELECT count(*) FROM (${ACTIVE_SEGMENT_IDS}))`;
export const MEMBER_COUNT = "(SELECT count(*) FROM cdp_members WHERE workspace_id = $ws AND created_at <= $now::TIMESTAMP)";

/**
 * The current members of active segments, one row per (segment_id, member): members by `member_key`,
 * their interned integer, which joins faster than the id.
 */
export const CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS = `
  SELECT segment_id, member_key FROM (${LATEST_MEMBERSHIPS})
  WHERE ${IS_CURRENT} AND segment_id IN (${ACTIVE_SEGMENT_IDS})`;

/**
 * The same fragments in ClickHouse SQL: memberships and segments are ReplacingMergeTree tables read with
 * FINAL, which keeps the winning row of every key (the greatest `updated_at`, then the row loaded last).
 */
export const CH = {
  IS_CURRENT:
    "joined_at <= {now:DateTime64(3, 'UTC')} AND (left_at IS NULL OR left_at > {now:DateTime64(3, 'UTC')})",
  ACTIVE_SEGMENT_COUNT: "(SELECT count() FROM cdp_segments FINAL WHERE workspace_id = {ws:String} AND active)",
  MEMBER_COUNT:
    "(SELECT count() FROM cdp_members FINAL WHERE workspace_id = {ws:String} AND created_at <= {now:DateTime64(3, 'UTC')})",
  CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS: `
    SELECT segment_id, member_id FROM cdp_memberships FINAL
    WHERE workspace_id = {ws:String}
      AND joined_at <= {now:DateTime64(3, 'UTC')} AND (left_at IS NULL OR left_at > {now:DateTime64(3, 'UTC')})
      AND segment_id IN (SELECT segment_id FROM cdp_segments FINAL WHERE workspace_id = {ws:String} AND active)`,
} as const;

/** The UTC date of an instant, `YYYY-MM-DD`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC date `days` days after (or before, when negative) a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}
