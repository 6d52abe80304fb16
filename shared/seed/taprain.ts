// Demo data for the Stats API: clicks with daily and weekly cycles across countries, offers and sources,
// and conversions (about 4% of clicks, more for some offers) a few minutes to hours after their click.

import { cyclicInstant, uniform, weighted } from "./sample.ts";
import type { FamilySeeder } from "./types.ts";

const COUNTRIES = { US: 30, IN: 14, GB: 10, DE: 8, BR: 7, CA: 6, FR: 5, MX: 4, AU: 4, JP: 3, NL: 2, ES: 3, "": 4 };
const SOURCES = { google: 30, facebook: 22, tiktok: 12, newsletter: 9, partner_blog: 7, "": 20 };
const OFFERS = { "VPN Pro Trial": 24, "Fitness App CPA": 20, "Crypto Wallet Signup": 12, "Meal Kit Box": 18, "Language Course": 14, "Credit Score Check": 12 };
/** Conversion rate per mille and payout per offer. */
const OFFER_ECONOMICS: Record<string, { rate: number; payout: number }> = {
  "VPN Pro Trial": { rate: 45, payout: 4.5 },
  "Fitness App CPA": { rate: 30, payout: 3.2 },
  "Crypto Wallet Signup": { rate: 18, payout: 22.0 },
  "Meal Kit Box": { rate: 26, payout: 12.75 },
  "Language Course": { rate: 38, payout: 6.4 },
  "Credit Score Check": { rate: 52, payout: 2.1 },
};

export const seedTaprain: FamilySeeder = async (store, { workspaceId, scale, nowMs, seed }) => {
  const clicks = Math.max(1, Math.round(scale * 0.96));
  const ts = cyclicInstant(seed, "click", nowMs, 35);
  const now = `make_timestamp(${nowMs}::BIGINT * 1000)`;
  await store.exec(
    `INSERT INTO tr_clicks (workspace_id, click_id, ts, country, offer, source)
     SELECT $ws, 'clk_' || lpad(i::VARCHAR, 9, '0'),
            CASE WHEN t > ${now} THEN t - INTERVAL 7 DAY ELSE t END,
            ${weighted(seed, "country", COUNTRIES)}, ${weighted(seed, "offer", OFFERS)}, ${weighted(seed, "source", SOURCES)}
     FROM (SELECT i, ${ts} AS t FROM range(${clicks}) r(i))`,
    { ws: workspaceId },
  );
  const rateCase = Object.entries(OFFER_ECONOMICS)
    .map(([offer, e]) => `WHEN '${offer}' THEN ${e.rate}`)
    .join(" ");
  const payoutCase = Object.entries(OFFER_ECONOMICS)
    .map(([offer, e]) => `WHEN '${offer}' THEN ${e.payout}`)
    .join(" ");
  await store.exec(
    `INSERT INTO tr_conversions (workspace_id, conversion_id, click_id, ts, country, offer, source, revenue)
     SELECT $ws, 'cnv_' || substr(click_id, 5), click_id, cts, country, offer, source,
            round((CASE offer ${payoutCase} END) * (0.8 + 0.4 * ${uniform(seed, "revenue", "hash(click_id)")}), 2)
     FROM (
       SELECT *, ts + to_seconds((60 + floor(${uniform(seed, "delay", "hash(click_id)")} * 10800))::BIGINT) AS cts
       FROM tr_clicks
       WHERE workspace_id = $ws AND hash(click_id, ${seed}, 'converts') % 1000 < (CASE offer ${rateCase} ELSE 30 END)
     )
     WHERE cts < ${now}`,
    { ws: workspaceId },
  );
};
