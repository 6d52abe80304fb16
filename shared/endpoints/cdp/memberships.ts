// Segment membership as CONTRACT §11 reads it: the latest row per (segment, member) wins, as ClickHouse's
// ReplacingMergeTree + FINAL would keep it, and a member is current while joined and not yet left.
// SQL fragments and the UTC day arithmetic the CDP endpoints share. Pure; no Node APIs.

const DAY_MS = 86_400_000;

/**
 * The winning membership row per (segment_id, member_id) of the workspace: greatest `updated_at`, and on
 * a tie the row imported last (the greater rowid), exposing `joined_at` and `left_at`.
 */
export const LATEST_MEMBERSHIPS = `
  SELECT segment_id, member_id, winner.joined_at AS joined_at, winner.left_at AS left_at
  FROM (
    SELECT segment_id, member_id,
           arg_max({'joined_at': joined_at, 'left_at': left_at}, (updated_at, rowid)) AS winner
    FROM cdp_memberships
    WHERE workspace_id = $ws
    GROUP BY segment_id, member_id
  )`;

/** A winning row is a current membership at `$now`. */
export const IS_CURRENT = "joined_at <= $now::TIMESTAMP AND (left_at IS NULL OR left_at > $now::TIMESTAMP)";

/** Active segments of the workspace. */
export const ACTIVE_SEGMENTS = "SELECT segment_id, name FROM cdp_segments WHERE workspace_id = $ws AND active";

/** The current members of active segments, one row per (segment_id, member_id). */
export const CURRENT_MEMBERS_OF_ACTIVE_SEGMENTS = `
  SELECT segment_id, member_id FROM (${LATEST_MEMBERSHIPS})
  WHERE ${IS_CURRENT} AND segment_id IN (SELECT segment_id FROM cdp_segments WHERE workspace_id = $ws AND active)`;

/** The UTC date of an instant, `YYYY-MM-DD`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC date `days` days after (or before, when negative) a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}
