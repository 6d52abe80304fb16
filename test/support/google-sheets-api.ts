// A local fake of the Google Sheets v4 REST API and of Google's OAuth token endpoint, on loopback, for the
// sheet sync tests: it verifies the service account's signed assertion, checks the Bearer token of every
// API call, keeps sheets with real grid limits, and records every request so tests can assert them exactly.

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { jwtVerify } from "jose";

export interface RecordedRequest {
  method: string;
  /** Decoded path, e.g. `/v4/spreadsheets/abc/values/'Metrigate log'!A1:append`. */
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

interface FakeSheet {
  sheetId: number;
  title: string;
  rowCount: number;
  columnCount: number;
  cells: Map<string, unknown>;
}

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id: string;
  token_uri: string;
  type: "service_account";
}

const ERRORS = {
  401: ["UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token."],
  403: ["PERMISSION_DENIED", "The caller does not have permission"],
  404: ["NOT_FOUND", "Requested entity was not found."],
} as const;

function columnNumber(letters: string): number {
  return letters.toUpperCase().split("").reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
}

/** `'Sheet'!B2:G7`, `'Sheet'!B2:G` (to the last row) or `'Sheet'!A1` → sheet and cell bounds. */
function parseRange(range: string): { sheet: string; row: number; column: number; lastRow?: number; lastColumn: number } {
  const m = /^(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]+)(\d+)(?::([A-Z]+)(\d*))?$/.exec(range);
  if (!m) throw new Error(`Unable to parse range: ${range}`);
  const sheet = (m[1] ?? m[2]).replace(/''/g, "'");
  const row = Number(m[4]);
  const column = columnNumber(m[3]);
  return { sheet, row, column, lastColumn: m[5] ? columnNumber(m[5]) : column, lastRow: m[5] ? (m[6] ? Number(m[6]) : undefined) : row };
}

export class FakeGoogleSheets {
  readonly requests: RecordedRequest[] = [];
  readonly spreadsheets = new Map<string, FakeSheet[]>();
  /** Spreadsheets that exist but are not shared with the service account. */
  readonly forbidden = new Set<string>();
  readonly account: ServiceAccount;
  private readonly publicKey: KeyObject;
  private readonly tokens = new Set<string>();
  private server: Server | undefined;
  url = "";

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.account = {
      type: "service_account",
      client_email: "metrigate-sync@example-project.iam.gserviceaccount.com",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      private_key_id: "key-1",
      token_uri: "",
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.account.token_uri = `${this.url}/token`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addSpreadsheet(id: string, titles: string[] = ["Sheet1"]): void {
    this.spreadsheets.set(
      id,
      titles.map((title, i) => ({ sheetId: i, title, rowCount: 1000, columnCount: 26, cells: new Map() })),
    );
  }

  /** The values of a sheet from A1 to its last cell with content ("" for empty cells). */
  values(spreadsheetId: string, title: string): unknown[][] {
    const sheet = this.spreadsheets.get(spreadsheetId)?.find((s) => s.title === title);
    if (!sheet) return [];
    let rows = 0;
    let columns = 0;
    for (const key of sheet.cells.keys()) {
      const [r, c] = key.split(",").map(Number);
      rows = Math.max(rows, r);
      columns = Math.max(columns, c);
    }
    return Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => sheet.cells.get(`${r + 1},${c + 1}`) ?? ""));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const path = decodeURIComponent(url.pathname);
    const contentType = req.headers["content-type"] ?? "";
    const body = text === "" ? undefined : contentType.includes("json") ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
    this.requests.push({ method: req.method ?? "", path, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, body });
    if (path === "/token") return this.token(body as Record<string, string>);
    if (!this.tokens.has((req.headers.authorization ?? "").replace(/^Bearer /, ""))) return this.error(401);
    const m = /^\/v4\/spreadsheets\/([^/:]+)(.*)$/.exec(path);
    if (!m) return this.error(404);
    const [, id, rest] = m;
    if (this.forbidden.has(id)) return this.error(403);
    const sheets = this.spreadsheets.get(id);
    if (!sheets) return this.error(404);
    try {
      return { status: 200, body: this.apply(id, sheets, req.method ?? "", rest, body as Record<string, unknown>) };
    } catch (e) {
      return { status: 400, body: { error: { code: 400, message: (e as Error).message, status: "INVALID_ARGUMENT" } } };
    }
  }

  private async token(form: Record<string, string>): Promise<{ status: number; body: unknown }> {
    if (form.grant_type !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return { status: 400, body: { error: "unsupported_grant_type" } };
    try {
      const { payload } = await jwtVerify(form.assertion, this.publicKey, {
        issuer: this.account.client_email,
        audience: this.account.token_uri,
        algorithms: ["RS256"],
      });
      if (!String(payload.scope).split(" ").includes("https://www.googleapis.com/auth/spreadsheets")) throw new Error("scope");
    } catch {
      return { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } };
    }
    const token = `ya29.fake-token-${this.tokens.size + 1}`;
    this.tokens.add(token);
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: "Bearer" } };
  }

  private error(status: keyof typeof ERRORS): { status: number; body: unknown } {
    const [code, message] = ERRORS[status];
    return { status, body: { error: { code: status, message, status: code } } };
  }

  private sheetOf(sheets: FakeSheet[], title: string): FakeSheet {
    const sheet = sheets.find((s) => s.title === title);
    if (!sheet) throw new Error(`Unable to parse range: ${title}`);
    return sheet;
  }

  private write(sheet: FakeSheet, range: string, row: number, column: number, values: unknown[][]): void {
    const lastRow = row + values.length - 1;
    const lastColumn = column + Math.max(0, ...values.map((r) => r.length)) - 1;
    if (lastRow > sheet.rowCount || lastColumn > sheet.columnCount) {
      throw new Error(`Range (${range}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
    }
    values.forEach((r, i) => r.forEach((v, j) => sheet.cells.set(`${row + i},${column + j}`, v)));
  }

  private apply(id: string, sheets: FakeSheet[], method: string, rest: string, body: Record<string, unknown>): unknown {
    if (method === "GET" && rest === "") {
      return {
        spreadsheetId: id,
        sheets: sheets.map((s) => ({ properties: { sheetId: s.sheetId, title: s.title, gridProperties: { rowCount: s.rowCount, columnCount: s.columnCount } } })),
      };
    }
    if (method === "POST" && rest === ":batchUpdate") {
      const requests = body.requests as Record<string, { properties?: { title: string }; sheetId?: number; dimension?: string; length?: number }>[];
      for (const request of requests) {
        if (request.addSheet?.properties) {
          sheets.push({ sheetId: sheets.length, title: request.addSheet.properties.title, rowCount: 1000, columnCount: 26, cells: new Map() });
        } else if (request.appendDimension) {
          const sheet = sheets.find((s) => s.sheetId === request.appendDimension.sheetId);
          if (!sheet) throw new Error("No grid with id");
          if (request.appendDimension.dimension === "ROWS") sheet.rowCount += request.appendDimension.length ?? 0;
          else sheet.columnCount += request.appendDimension.length ?? 0;
        } else throw new Error(`Unsupported request ${Object.keys(request).join(",")}`);
      }
      return { spreadsheetId: id, replies: requests.map(() => ({})) };
    }
    if (method === "POST" && rest === "/values:batchClear") {
      for (const range of body.ranges as string[]) {
        const r = parseRange(range);
        const sheet = this.sheetOf(sheets, r.sheet);
        for (const key of [...sheet.cells.keys()]) {
          const [row, column] = key.split(",").map(Number);
          if (row >= r.row && (r.lastRow === undefined || row <= r.lastRow) && column >= r.column && column <= r.lastColumn) sheet.cells.delete(key);
        }
      }
      return { spreadsheetId: id, clearedRanges: body.ranges };
    }
    if (method === "POST" && rest === "/values:batchUpdate") {
      for (const { range, values } of body.data as { range: string; values: unknown[][] }[]) {
        const r = parseRange(range);
        this.write(this.sheetOf(sheets, r.sheet), range, r.row, r.column, values);
      }
      return { spreadsheetId: id, totalUpdatedRows: (body.data as unknown[]).length };
    }
    const append = /^\/values\/(.+):append$/.exec(rest);
    if (method === "POST" && append) {
      const r = parseRange(append[1]);
      const sheet = this.sheetOf(sheets, r.sheet);
      let last = 0;
      for (const key of sheet.cells.keys()) last = Math.max(last, Number(key.split(",")[0]));
      const values = body.values as unknown[][];
      sheet.rowCount = Math.max(sheet.rowCount, last + values.length);
      this.write(sheet, append[1], last + 1, r.column, values);
      return { spreadsheetId: id, updates: { updatedRows: values.length } };
    }
    throw new Error(`Unsupported call ${method} ${rest}`);
  }
}
