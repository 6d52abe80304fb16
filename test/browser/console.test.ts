// The console as a person meets it, in a real headless Chromium: sign in with the demo login, read each
// dashboard's numbers off the page and compare them with the API's JSON, change a filter, manage the API
// key and service-account tokens, sign out. Screenshots (1280×800) land in test-output/screenshots/.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEMO_EMAIL, DEMO_PASSWORD, prepareDemo } from "../../cli/commands/serve.ts";
import { DEMO_WORKSPACE } from "../../shared/seed/demo.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(process.cwd(), "test-output", "screenshots");
const NOW = "2026-03-18T15:30:00Z";

let server: TestServer;
let browser: Browser;
let page: Page;
let demo: { apiKey: string; token: string };

/** Polls until the page shows the expected state (pages render after their API calls return). */
function eventually<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 20_000, interval: 100 });
}

/** "1,234.5" / "₹187.00" / "12.4%" → 1234.5 / 187 / 12.4 */
function numberIn(text: string): number {
  return Number(text.replace(/[^\d.-]/g, ""));
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

async function api(path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return server.get(path, headers);
}

async function kpi(name: string): Promise<string> {
  return (await page.locator(`[data-kpi="${name}"] .value`).textContent()) ?? "";
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install chromium.`);
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer({ now: NOW, cacheTtl: 60 });
  demo = await prepareDemo(server.runtime);
  // A hostile segment name: it must show as text, never run.
  await server.insert(DEMO_WORKSPACE, "cdp_segments", [
    { segment_id: 9001, name: `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`, active: true, first_computed_at: "2026-02-01T00:00:00Z", last_computed_at: "2026-03-18T00:00:00Z" },
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.dismiss());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the console", () => {
  test("signs in with the demo login and lands on the Tapemetric dashboard with the API's numbers", async () => {
    await page.goto(`${server.url}/console`);
    await page.waitForSelector('[data-form="login"]');
    await shot("login");
    await page.fill('input[name="email"]', DEMO_EMAIL);
    await page.fill('input[name="password"]', "wrong password");
    await page.click('[data-form="login"] button[type="submit"]');
    await eventually(() => page.locator('[data-form="login"] .error').textContent()).toMatch(/\w/);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('[data-form="login"] button[type="submit"]');
    await page.waitForSelector('[data-dashboard="tapemetric"]');
    expect(page.url()).toBe(`${server.url}/console/tapemetric`);

    const overview = (await api("/v1/analytics/overview?range=7d", { Authorization: `Bearer ${demo.token}` })).body;
    expect(numberIn(await kpi("monthly_active_users"))).toBe(overview.monthly_active_users);
    expect(numberIn(await kpi("watch_hours"))).toBe(overview.watch_hours);
    expect(numberIn(await kpi("paid_subscribers"))).toBe(overview.paid_subscribers);
    expect(numberIn(await kpi("arpu_inr"))).toBe(overview.arpu_inr);
    expect(numberIn(await kpi("churn_pct"))).toBe(overview.churn_pct);

    const concurrency = (await api("/v1/analytics/concurrency?range=24h&interval=15", { Authorization: `Bearer ${demo.token}` })).body;
    expect(Number(await page.locator('[data-chart="concurrency"]').getAttribute("data-points"))).toBe(concurrency.points.length);
    expect(Number(await page.locator("[data-peak]").getAttribute("data-peak"))).toBe(concurrency.peak);

    const content = (await api("/v1/analytics/top-content?range=7d&limit=10", { Authorization: `Bearer ${demo.token}` })).body;
    const titles = await page.locator('[data-table="top_content"] tbody tr td:first-child').allTextContents();
    expect(titles).toEqual(content.map((c: { title: string }) => c.title));
    await shot("tapemetric");
  });

  test("changing the concurrency interval redraws the chart from the API", async () => {
    await page.selectOption('select[name="interval"]', "60");
    await page.waitForURL(/interval=60/);
    const concurrency = (await api("/v1/analytics/concurrency?range=24h&interval=60", { Authorization: `Bearer ${demo.token}` })).body;
    await eventually(async () => Number(await page.locator('[data-chart="concurrency"]').getAttribute("data-points"))).toBe(concurrency.points.length);
  });

  test("acknowledging an alert is what the API then reports", async () => {
    const before = (await api("/v1/analytics/alerts?acknowledged=false", { Authorization: `Bearer ${demo.token}` })).body;
    expect(before.length).toBeGreaterThan(0);
    await page.click(`[data-ack="${before[0].id}"]`);
    await eventually(() => page.locator(`[data-ack="${before[0].id}"]`).count()).toBe(0);
    const after = (await api("/v1/analytics/alerts?acknowledged=false", { Authorization: `Bearer ${demo.token}` })).body;
    expect(after.map((a: { id: number }) => a.id)).not.toContain(before[0].id);
  });

  test("the Taprain dashboard shows the Stats API's figures and follows its filters", async () => {
    await page.click('header nav a:has-text("Taprain")');
    await page.waitForSelector('[data-dashboard="taprain"]');
    const all = (await api("/api/v1/stats?range=7days&timezone=America/New_York", { "X-Api-Key": demo.apiKey })).body.data;
    expect(numberIn(await kpi("clicks"))).toBe(all.summary.clicks);
    expect(numberIn(await kpi("leads"))).toBe(all.summary.leads);
    expect(numberIn(await kpi("revenue"))).toBe(all.summary.revenue);
    expect(Number(await page.locator('[data-chart="time_series"]').getAttribute("data-points"))).toBe(all.time_series.length);
    const offers = await page.locator('[data-table="by_offer"] tbody tr td:first-child').allTextContents();
    expect(offers).toEqual(all.by_offer.map((o: { offer: string }) => o.offer));

    await page.fill('input[name="country"]', "US");
    await page.press('input[name="country"]', "Enter");
    await page.waitForURL(/country=US/);
    const us = (await api("/api/v1/stats?range=7days&timezone=America/New_York&country=US", { "X-Api-Key": demo.apiKey })).body.data;
    expect(us.summary.clicks).toBeLessThan(all.summary.clicks);
    await eventually(async () => numberIn(await kpi("clicks"))).toBe(us.summary.clicks);
    const countries = await page.locator('[data-table="by_country"] tbody tr td:first-child').allTextContents();
    expect(countries).toEqual(["US"]);

    await page.selectOption('select[name="range"]', "30days");
    await page.waitForURL(/range=30days/);
    const month = (await api("/api/v1/stats?range=30days&timezone=America/New_York&country=US", { "X-Api-Key": demo.apiKey })).body.data;
    await eventually(async () => Number(await page.locator('[data-chart="time_series"]').getAttribute("data-points"))).toBe(month.time_series.length);
    await eventually(async () => numberIn(await kpi("clicks"))).toBe(month.summary.clicks);
    await shot("taprain");
  });

  test("a table sorts by the column clicked", async () => {
    await page.click('[data-table="by_offer"] thead th:nth-child(2) button');
    const clicks = (await page.locator('[data-table="by_offer"] tbody tr td:nth-child(2)').allTextContents()).map(numberIn);
    expect(clicks).toEqual([...clicks].sort((a, b) => b - a));
    await page.click('[data-table="by_offer"] thead th:nth-child(2) button');
    const ascending = (await page.locator('[data-table="by_offer"] tbody tr td:nth-child(2)').allTextContents()).map(numberIn);
    expect(ascending).toEqual([...clicks].sort((a, b) => a - b));
  });

  test("the CDP dashboard shows the CDP API's figures, and a segment name with markup stays text", async () => {
    await page.click('header nav a:has-text("CDP")');
    await page.waitForSelector('[data-dashboard="cdp"]');
    const headers = { "X-Api-Key": demo.apiKey };
    const overview = (await api("/api/analytics/overview/", headers)).body;
    expect(numberIn(await kpi("total_members"))).toBe(overview.total_members);
    expect(numberIn(await kpi("events_30d"))).toBe(overview.events_30d);
    const segments = (await api("/api/analytics/segments/", headers)).body;
    const names = await page.locator('[data-table="segments"] tbody tr td:nth-child(2)').allTextContents();
    expect(names).toEqual(segments.map((s: { name: string }) => s.name));
    expect(names).toContain(`<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    const copilot = (await api("/api/analytics/copilot/", headers)).body;
    expect(Number(await page.locator("[data-copilot-total]").getAttribute("data-copilot-total"))).toBe(copilot.total);
    const overlap = (await api("/api/analytics/overlap/", headers)).body;
    expect(await page.locator('[data-table="overlap"] tbody tr').count()).toBe(overlap.length);
    await shot("cdp");
  });

  test("settings: regenerating the key stops the old one at once; a token is created, works, and is revoked", async () => {
    await page.click('header nav a:has-text("Settings")');
    await page.waitForSelector('[data-dashboard="settings"]');
    await page.click('[data-action="show-key"]');
    await eventually(() => page.locator('[data-secret="api_key"]').textContent()).toBe(demo.apiKey);

    await page.click('[data-action="regenerate-key"]');
    await page.click('[data-action="confirm-regenerate"]');
    await eventually(() => page.locator('[data-secret="api_key"]').textContent()).not.toBe(demo.apiKey);
    const fresh = (await page.locator('[data-secret="api_key"]').textContent()) ?? "";
    expect(fresh).toMatch(/^mg_live_/);
    expect((await api("/api/v1/stats?range=today", { "X-Api-Key": demo.apiKey })).status).toBe(401);
    expect((await api("/api/v1/stats?range=today", { "X-Api-Key": fresh })).status).toBe(200);

    await page.fill('[data-form="create-token"] input[name="name"]', "looker-sync");
    await page.click('[data-form="create-token"] button[type="submit"]');
    await page.waitForSelector('[data-secret="token"]');
    const token = (await page.locator('[data-secret="token"]').textContent()) ?? "";
    expect((await api("/v1/analytics/overview?range=24h", { Authorization: `Bearer ${token}` })).status).toBe(200);
    const snippet = (await page.locator('[data-snippet="curl-taprain"]').textContent()) ?? "";
    expect(snippet).toContain(`${server.url}/api/v1/stats`);
    await shot("settings");

    const row = page.locator('[data-table="tokens"] tbody tr', { hasText: "looker-sync" });
    await row.locator("[data-revoke]").click();
    await eventually(() => row.textContent()).toMatch(/revoked/);
    expect((await api("/v1/analytics/overview?range=24h", { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  test("signing out ends the session on the server: the old cookie is refused", async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === "mg_session");
    expect(cookie).toBeDefined();
    const oldCookie = `mg_session=${cookie?.value}`;
    expect((await api("/console/api/me", { Cookie: oldCookie })).status).toBe(200);
    await page.click('[data-action="logout"]');
    await page.waitForSelector('[data-form="login"]');
    expect((await api("/console/api/me", { Cookie: oldCookie })).status).toBe(401);
    expect((await api("/api/v1/api-key", { Cookie: oldCookie })).status).toBe(401);
  });
});

describe("the OAuth sign-in and consent page, as a browser posts it", () => {
  test("Deny with the fields left empty sends access_denied back; signing in and Allow sends a code", async () => {
    const callback = "http://127.0.0.1:9/oauth/callback";
    const registered = (await (
      await fetch(`${server.url}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "Browser assistant", redirect_uris: [callback], token_endpoint_auth_method: "none" }),
      })
    ).json()) as { client_id: string };
    const authorize = `${server.url}/oauth/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: registered.client_id,
      redirect_uri: callback,
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      state: "s1",
    })}`;
    const context = await browser.newContext();
    const consent = await context.newPage();
    // The assistant's own callback: the browser is sent there with the answer in the query.
    await consent.route(`${callback}**`, (route) => route.fulfill({ status: 200, contentType: "text/plain", body: "back at the assistant" }));
    try {
      await consent.goto(authorize);
      await consent.click('button[value="deny"]');
      await consent.waitForURL(/^http:\/\/127\.0\.0\.1:9\/oauth\/callback/);
      expect(Object.fromEntries(new URL(consent.url()).searchParams)).toMatchObject({ error: "access_denied", state: "s1" });
      await consent.goto(authorize);
      await consent.fill('input[name="email"]', DEMO_EMAIL);
      await consent.fill('input[name="password"]', DEMO_PASSWORD);
      await consent.click('button[value="allow"]');
      await consent.waitForURL(/^http:\/\/127\.0\.0\.1:9\/oauth\/callback/);
      expect(new URL(consent.url()).searchParams.get("code")).toMatch(/^mg_/);
    } finally {
      await context.close();
    }
  });
});
