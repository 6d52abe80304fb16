// `metrigate sheets sync` (CONTRACT §13.4): writes saved reports into a Google Sheet from the server side —
// the add-on's report format and table shaping, each API's calls through its paced remote client (§16
// settings from flags, the config file and the environment), and the Sheets v4 API through
// @googleapis/sheets with a service-account key. `--every 1h` repeats until stopped.

import { readFileSync } from "node:fs";
import Bottleneck from "bottleneck";
import { auth as googleAuth, sheets as sheetsApi, type sheets_v4 } from "@googleapis/sheets";
import { importPKCS8, SignJWT } from "jose";
import type { AnyEndpoint } from "../../shared/catalog/define.ts";
import { hasRemoteUrl } from "../../shared/client/connections.ts";
import { RemoteConnections } from "../../shared/client/remote-connections.ts";
import type { CallOptions } from "../../shared/client/remote.ts";
import { InvalidInput } from "../../shared/errors.ts";
import { connectionSettingsOf, LOG_HEADER, LOG_SHEET, parseReportsConfig, quoteSheet, reportBlock, resolveReport, type Report } from "../../shared/sheets/reports.ts";
import { toSheetTable, type SheetTable } from "../../shared/sheets/table.ts";
import { requireString, UsageError, type Command } from "../command.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionSettings } from "../connection-settings.ts";

const SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets";
const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** Sheets API write quota: 60 requests a minute per user; a run makes at most five. */
const GOOGLE_REQUESTS_PER_MINUTE = 60;

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** The key from --key, GOOGLE_SERVICE_ACCOUNT_KEY (its JSON) or GOOGLE_APPLICATION_CREDENTIALS (a file). */
export function loadServiceAccountKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): ServiceAccountKey {
  let text: string;
  let source: string;
  if (keyFile ?? env.GOOGLE_APPLICATION_CREDENTIALS) {
    source = keyFile ?? env.GOOGLE_APPLICATION_CREDENTIALS ?? "";
    try {
      text = readFileSync(source, "utf8");
    } catch (e) {
      throw new InvalidInput(`Cannot read the service-account key ${source}: ${(e as Error).message}`);
    }
  } else if (env.GOOGLE_SERVICE_ACCOUNT_KEY) {
    source = "GOOGLE_SERVICE_ACCOUNT_KEY";
    text = env.GOOGLE_SERVICE_ACCOUNT_KEY;
  } else {
    throw new UsageError("no service-account key: pass --key FILE, or set GOOGLE_APPLICATION_CREDENTIALS (a file) or GOOGLE_SERVICE_ACCOUNT_KEY (its JSON).");
  }
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    throw new InvalidInput(`The service-account key in ${source} is not JSON.`);
  }
  if (typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw new InvalidInput(`The service-account key in ${source} has no client_email or private_key: download a JSON key of a service account.`);
  }
  return { client_email: key.client_email, private_key: key.private_key, private_key_id: key.private_key_id, token_uri: key.token_uri };
}

/** OAuth 2.0 JWT-bearer exchange at the key's own token_uri: a signed assertion for an access token. */
async function exchangeToken(key: ServiceAccountKey): Promise<{ token: string; expiresAt: number }> {
  const tokenUri = key.token_uri ?? GOOGLE_TOKEN_URI;
  let assertion: string;
  try {
    assertion = await new SignJWT({ scope: SHEETS_SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
      .setIssuer(key.client_email)
      .setAudience(tokenUri)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(await importPKCS8(key.private_key, "RS256"));
  } catch (e) {
    throw new InvalidInput(`The service-account private key cannot sign: ${(e as Error).message}`);
  }
  let response: Response;
  try {
    response = await fetch(tokenUri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
    });
  } catch (e) {
    throw new InvalidInput(`Cannot reach ${tokenUri} for a Google access token: ${(e as Error).message}.`);
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    const reason = [body.error, body.error_description].filter(Boolean).join(": ") || `HTTP ${response.status}`;
    throw new InvalidInput(`Google refused the service account ${key.client_email} (${reason}).`);
  }
  return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
}

export interface SyncOptions {
  spreadsheetId: string;
  reports: readonly Report[];
  /** Reads one report's data from its API's server (the paced remote clients). */
  source: { call(endpoint: AnyEndpoint, params: Record<string, unknown>, options?: CallOptions): Promise<unknown> };
  key: ServiceAccountKey;
  /** Sheets API root, for emulators and tests (default Google's). */
  sheetsRootUrl?: string;
  /** Told once per report whose API call waits for its rate-limit window (seconds left). */
  onWaiting?(report: string, secondsLeft: number): void;
}

export interface SyncResult {
  report: string;
  target: string;
  rows: number;
  error: string;
}

/** One line for a Google API failure; a missing spreadsheet or permission says what to do. */
function googleError(e: unknown, options: SyncOptions): Error {
  const err = e as { status?: number; response?: { status?: number }; message?: string };
  const status = err.status ?? err.response?.status;
  if (status === 404) return new InvalidInput(`Spreadsheet ${options.spreadsheetId} was not found: check --spreadsheet (the ID in the sheet's URL).`);
  if (status === 403) {
    return new InvalidInput(`The service account ${options.key.client_email} may not edit spreadsheet ${options.spreadsheetId}: share the sheet with it as an editor.`);
  }
  return new InvalidInput(`Google Sheets API error${status ? ` (${status})` : ""}: ${err.message ?? String(e)}`);
}

/** Runs the sync repeatedly with one token, one Google pacer and one Metrigate client. */
export class SheetSync {
  private token: { token: string; expiresAt: number } | undefined;
  private readonly pacer = new Bottleneck({
    maxConcurrent: 1,
    reservoir: GOOGLE_REQUESTS_PER_MINUTE,
    reservoirRefreshAmount: GOOGLE_REQUESTS_PER_MINUTE,
    reservoirRefreshInterval: 60_000,
  });

  constructor(private readonly options: SyncOptions) {}

  private async api(): Promise<sheets_v4.Sheets> {
    // A token is good for an hour; a fresh one is fetched a minute before it runs out.
    if (!this.token || this.token.expiresAt - Date.now() < 60_000) this.token = await exchangeToken(this.options.key);
    const client = new googleAuth.OAuth2();
    client.setCredentials({ access_token: this.token.token, expiry_date: this.token.expiresAt });
    return sheetsApi({ version: "v4", auth: client, ...(this.options.sheetsRootUrl ? { rootUrl: this.options.sheetsRootUrl } : {}) });
  }

  private google<T>(work: () => Promise<T>): Promise<T> {
    return this.pacer.schedule(() => work().catch((e: unknown) => Promise.reject(googleError(e, this.options))));
  }

  private async table(report: Report): Promise<SheetTable> {
    const resolved = resolveReport(report);
    let told = false;
    const onWaiting = (secondsLeft: number) => {
      if (!told) this.options.onWaiting?.(report.name, secondsLeft);
      told = true;
    };
    const body = await this.options.source.call(resolved.endpoint, resolved.params, { onWaiting });
    return toSheetTable(resolved.endpoint.name, body, resolved.section);
  }

  /** One pass: every report's data from its API, then at most five Sheets API requests. */
  async run(): Promise<SyncResult[]> {
    const { spreadsheetId, reports } = this.options;
    const written: { report: Report; table: SheetTable }[] = [];
    const results: SyncResult[] = [];
    for (const report of reports) {
      const target = `${report.sheet}!${report.cell}`;
      try {
        const table = await this.table(report);
        written.push({ report, table });
        results.push({ report: report.name, target, rows: table.length - 1, error: "" });
      } catch (e) {
        results.push({ report: report.name, target, rows: 0, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const api = await this.api();
    const meta = await this.google(() =>
      api.spreadsheets.get({ spreadsheetId, fields: "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))" }),
    );
    const sheets = new Map((meta.data.sheets ?? []).map((s) => [s.properties?.title ?? "", s.properties]));
    const blocks = written.map(({ report, table }) => ({ block: reportBlock(report, table), table, sheet: report.sheet }));
    const structure: sheets_v4.Schema$Request[] = [];
    for (const title of [...new Set([...blocks.map((b) => b.sheet), LOG_SHEET])]) {
      if (!sheets.has(title)) structure.push({ addSheet: { properties: { title } } });
    }
    // values.batchUpdate does not grow the grid: add rows or columns where a table would not fit.
    for (const [title, props] of sheets) {
      const mine = blocks.filter((b) => b.sheet === title);
      const grid = props?.gridProperties;
      if (mine.length === 0 || props?.sheetId == null || !grid) continue;
      const rows = Math.max(...mine.map((b) => b.block.row + b.block.rows - 1)) - (grid.rowCount ?? 0);
      const columns = Math.max(...mine.map((b) => b.block.column + b.block.columns - 1)) - (grid.columnCount ?? 0);
      if (rows > 0) structure.push({ appendDimension: { sheetId: props.sheetId, dimension: "ROWS", length: rows } });
      if (columns > 0) structure.push({ appendDimension: { sheetId: props.sheetId, dimension: "COLUMNS", length: columns } });
    }
    if (structure.length > 0) await this.google(() => api.spreadsheets.batchUpdate({ spreadsheetId, requestBody: { requests: structure } }));
    if (blocks.length > 0) {
      await this.google(() => api.spreadsheets.values.batchClear({ spreadsheetId, requestBody: { ranges: blocks.map((b) => b.block.clearRange) } }));
      await this.google(() =>
        api.spreadsheets.values.batchUpdate({
          spreadsheetId,
          requestBody: { valueInputOption: "RAW", data: blocks.map((b) => ({ range: b.block.valuesRange, values: b.table })) },
        }),
      );
    }
    const time = new Date().toISOString();
    const logRows = results.map((r) => [time, r.report, r.target, r.rows, r.error]);
    if (!sheets.has(LOG_SHEET)) logRows.unshift([...LOG_HEADER]);
    await this.google(() =>
      api.spreadsheets.values.append({
        spreadsheetId,
        range: `${quoteSheet(LOG_SHEET)}!A1`,
        valueInputOption: "RAW",
        insertDataOption: "INSERT_ROWS",
        requestBody: { values: logRows },
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await this.pacer.stop({ dropWaitingJobs: true });
  }
}

const DURATION = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseEvery(value: string): number {
  const m = DURATION.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`--every must be a duration such as 30m, 1h or 1d (got "${value}").`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** The ID inside a spreadsheet URL, or the argument itself. */
function spreadsheetIdOf(value: string): string {
  return /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(value)?.[1] ?? value.trim();
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function waitOrStop(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const sheetsSync: Command = {
  words: ["sheets", "sync"],
  usage: `sheets sync --spreadsheet ID --config reports.json [--every 1h] [--key FILE] ${CONNECTION_USAGE}`,
  summary: "Write saved reports into a Google Sheet with a service account (repeat with --every).",
  options: {
    spreadsheet: { type: "string" },
    config: { type: "string" },
    every: { type: "string" },
    key: { type: "string" },
    ...CONNECTION_OPTIONS,
  },
  async run(ctx) {
    const spreadsheetId = spreadsheetIdOf(requireString(ctx.values, "spreadsheet"));
    const configPath = requireString(ctx.values, "config");
    const every = stringOption(ctx.values.every);
    const intervalMs = every === undefined ? undefined : parseEvery(every);
    let configText: string;
    try {
      configText = readFileSync(configPath, "utf8");
    } catch (e) {
      throw new InvalidInput(`Cannot read ${configPath}: ${(e as Error).message}`);
    }
    const config = parseReportsConfig(configText, configPath);
    config.reports.forEach(resolveReport);
    // Flags first, then the config file's keys, then the environment (CONTRACT §16: the same names everywhere).
    const settings = connectionSettings(ctx.values, connectionSettingsOf(config), ctx.env);
    if (!hasRemoteUrl(settings)) {
      throw new UsageError("no server: set METRIGATE_URL (one Metrigate server) or the per-API URLs, as flags (--url, --taprain-url, …), config keys or environment variables.");
    }
    const key = loadServiceAccountKey(stringOption(ctx.values.key), ctx.env);
    const source = RemoteConnections.fromSettings(settings, { cacheTtlSeconds: 0 });
    // Over its rate limit, an API is waited for (Retry-After), never given up on: say so rather than hang silently.
    const onWaiting = (report: string, secondsLeft: number) =>
      console.error(`metrigate: ${report}: the API's rate limit is used up; waiting ${Math.ceil(secondsLeft)} s for the next window.`);
    const sync = new SheetSync({ spreadsheetId, reports: config.reports, source, key, sheetsRootUrl: ctx.env.METRIGATE_SHEETS_API_URL, onWaiting });
    // Repeating syncs stop cleanly on Ctrl-C or SIGTERM, after the pass in progress.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    if (intervalMs !== undefined) {
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    }
    try {
      let failed = false;
      do {
        try {
          const results = await sync.run();
          failed = results.some((r) => r.error !== "");
          const lines = results.map((r) => (r.error ? `${r.report}: ${r.error}` : `${r.target} ← ${r.report}: ${r.rows} rows`));
          ctx.print(lines.join("\n"), { spreadsheet: spreadsheetId, at: new Date().toISOString(), reports: results });
        } catch (e) {
          // Repeating syncs outlive a failed pass (a sheet not yet shared, a server restarting).
          if (intervalMs === undefined) throw e;
          failed = true;
          console.error(`metrigate: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (intervalMs !== undefined) await waitOrStop(intervalMs, stop.signal);
      } while (intervalMs !== undefined && !stop.signal.aborted);
      return intervalMs === undefined && failed ? 1 : 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await source.close();
      await sync.close();
    }
  },
};
