// The query API's hand-made fixtures, one per family: the query tests work their expected rows out from
// these, and the ClickHouse parity suite asks both stores the same questions of the same rows.

/** The clock of every query fixture: 7d starts 2026-03-11T15:30Z, 30d 2026-02-16T15:30Z. */
export const QUERY_NOW = "2026-03-18T15:30:00Z";

// Local times in America/New_York (EST −5 until 2026-03-08 07:00Z, then EDT −4; back to EST at 2026-11-01 06:00Z).
export const TAPRAIN_CLICKS = [
  { click_id: "c1", ts: "2026-03-08T04:30:00Z", country: "US", offer: "Freecash CPI", source: "tiktok_ads" }, // 03-07 23:30 EST
  { click_id: "c2", ts: "2026-03-08T06:30:00Z", country: "us", offer: "Freecash CPI", source: "" }, //          03-08 01:30 EST
  { click_id: "c3", ts: "2026-03-08T07:30:00Z", country: "GB", offer: "Swagbucks", source: "TikTok" }, //       03-08 03:30 EDT
  { click_id: "c4", ts: "2026-03-09T03:59:00Z", country: "", offer: "Swagbucks", source: "google" }, //         03-08 23:59 EDT
  { click_id: "c5", ts: "2026-03-09T04:00:00Z", country: "US", offer: "Freecash CPI", source: "google" }, //    03-09 00:00 EDT
  { click_id: "c6", ts: "2026-11-01T05:30:00Z", country: "US", offer: "Freecash CPI", source: "google" }, //    11-01 01:30 EDT
  { click_id: "c7", ts: "2026-11-01T06:30:00Z", country: "US", offer: "Freecash CPI", source: "google" }, //    11-01 01:30 EST
  { click_id: "c8", ts: "2026-02-10T12:00:00Z", country: "US", offer: "Freecash CPI", source: "tiktok_ads" },
];

export const TAPRAIN_CONVERSIONS = [
  { conversion_id: "v1", ts: "2026-03-08T07:45:00Z", country: "US", offer: "Freecash CPI", source: "tiktok_ads", revenue: 2.5 }, // 03:45 EDT
  { conversion_id: "v2", ts: "2026-03-09T05:00:00Z", country: "GB", offer: "Swagbucks", source: "TikTok", revenue: 4 }, //         03-09 01:00 EDT
  { conversion_id: "v3", ts: "2026-03-08T06:59:00Z", country: "US", offer: "Freecash CPI", source: "", revenue: 1.25 }, //         01:59 EST
  { conversion_id: "v4", ts: "2026-02-11T12:00:00Z", country: "US", offer: "Freecash CPI", source: "tiktok_ads", revenue: 5 },
];

const session = (id: string, user: string, content: string, device: string, region: string, pop: string, started: string, watch: number, completed: boolean, rebuffer = 0) => ({
  session_id: id,
  user_id: user,
  content_id: content,
  device,
  region,
  pop,
  started_at: started,
  ended_at: "",
  watch_seconds: watch,
  completed,
  rebuffer_seconds: rebuffer,
});

export const TAPEMETRIC_CONTENT = [
  { content_id: "m1", title: "Monsoon", content_type: "movie" },
  { content_id: "s1", title: "Cricket Live", content_type: "live" },
];

export const TAPEMETRIC_SESSIONS = [
  session("t1", "u1", "m1", "tv", "Maharashtra", "ap-south-1", "2026-03-17T10:15:00Z", 3600, true, 36),
  session("t2", "u2", "s1", "mobile", "Maharashtra", "ap-south-1", "2026-03-17T10:45:00Z", 1800, false, 90),
  session("t3", "u1", "s1", "mobile", "Kerala", "ap-south-2", "2026-03-17T22:00:00Z", 900, true),
  session("t4", "u3", "x9", "web", "Maharashtra", "ap-south-2", "2026-03-16T09:00:00Z", 5400, false),
  session("t5", "u2", "m1", "tv", "Goa", "ap-south-1", "2026-03-10T12:00:00Z", 7200, true, 72),
  session("t6", "u4", "m1", "tablet", "Kerala", "ap-south-1", "2026-02-20T08:00:00Z", 1200, true),
];

export const CDP_MEMBERS = [
  { member_id: "a", created_at: "2026-01-05T00:00:00Z" },
  { member_id: "b", created_at: "2026-03-10T00:00:00Z" },
  { member_id: "c", created_at: "2026-03-17T09:00:00Z" },
  { member_id: "d", created_at: "2026-03-17T12:00:00Z" },
];

export const CDP_SEGMENTS = [
  { segment_id: 1, name: "Buyers", active: true },
  { segment_id: 2, name: "Browsers", active: true },
  { segment_id: 3, name: "Old", active: false },
];

export const CDP_MEMBERSHIPS = [
  { segment_id: 1, member_id: "a", joined_at: "2026-03-02T00:00:00Z", updated_at: "2026-03-02T00:00:00Z" },
  { segment_id: 2, member_id: "a", joined_at: "2026-03-03T00:00:00Z", updated_at: "2026-03-03T00:00:00Z" },
  { segment_id: 2, member_id: "b", joined_at: "2026-03-11T00:00:00Z", updated_at: "2026-03-11T00:00:00Z" },
  { segment_id: 3, member_id: "c", joined_at: "2026-03-17T10:00:00Z", updated_at: "2026-03-17T10:00:00Z" }, // inactive segment
  { segment_id: 1, member_id: "c", joined_at: "2026-03-12T00:00:00Z", left_at: "2026-03-15T00:00:00Z", updated_at: "2026-03-15T00:00:00Z" }, // left
  { segment_id: 1, member_id: "d", joined_at: "2026-03-18T01:00:00Z", updated_at: "2026-03-18T01:00:00Z" },
];

export const CDP_EVENTS = [
  { event_id: "e1", member_id: "a", ts: "2026-03-17T12:00:00Z", type: "page_view" },
  { event_id: "e2", member_id: "b", ts: "2026-03-16T08:00:00Z", type: "purchase" },
  { event_id: "e3", member_id: "a", ts: "2026-03-16T09:00:00Z", type: "purchase" },
  { event_id: "e4", member_id: "c", ts: "2026-03-17T13:00:00Z", type: "page_view" },
  { event_id: "e5", member_id: "a", ts: "2026-03-01T10:00:00Z", type: "page_view" },
];
