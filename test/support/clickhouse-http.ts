// A test-only stand-in for a ClickHouse server: this process owns one chdb engine (the real ClickHouse
// engine, embedded) and serves the part of ClickHouse's HTTP interface that @clickhouse/client uses
// (POST / with the statement in the body or in `query=`, `param_*` bound parameters, settings as URL
// parameters, `database=`, basic auth, GET /ping, errors as `Code: N. DB::Exception: …`). It exists
// because chdb binds one data directory per process, so separate server processes must reach the engine
// over HTTP. It is NOT a ClickHouse server: no sessions, no compression, no native protocol, one user.
// An INSERT's body is streamed to a scratch file and handed to the engine as the same statement with
// `FROM INFILE`: the engine's own parser reads it, in one statement as on a server, without the body
// ever being held in memory (a server parses the body while it arrives; this harness only after).

import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/** The part of chdb's `Connection` (the @clickhouse/client contract) this harness drives. */
interface ChdbConnection {
  query(params: { query: string; query_params?: Record<string, unknown>; clickhouse_settings?: Record<string, unknown>; query_id?: string }): Promise<{ stream: AsyncIterable<Buffer | string> }>;
  insert(params: { query: string; values: string; clickhouse_settings?: Record<string, unknown>; query_id?: string }): Promise<unknown>;
  command(params: { query: string }): Promise<unknown>;
  close(): Promise<void>;
}

/** The INSERT statements @clickhouse/client sends: `INSERT INTO t (a, b) FORMAT X`. */
const PLAIN_INSERT = /^INSERT INTO ([A-Za-z_][A-Za-z0-9_]*)(?: \(([A-Za-z0-9_, ]+)\))? FORMAT ([A-Za-z]+)\s*$/;

/**
 * chdb is installed by `.ci/run` (or `npm install --no-save chdb@3.4.x`), not by `npm install`: it is
 * ~550 MB. Loaded by name at run time so that type checks pass without it.
 */
async function openChdb(path: string): Promise<ChdbConnection> {
  const name = "chdb/connection";
  const chdb = (await import(name)) as { createChdbConnection(options: { path: string }): ChdbConnection };
  return chdb.createChdbConnection({ path });
}

export interface InsertTiming {
  bytes: number;
  receiveSeconds: number;
  engineSeconds: number;
}

export interface ClickHouseHttp {
  /** `http://127.0.0.1:<port>` while running (the port stays the same across stop/start). */
  url: string;
  user: string;
  password: string;
  /** The last INSERT with a body: its size, and the seconds spent receiving it and in the engine (benches). */
  lastInsert(): InsertTiming | undefined;
  /** Runs one statement directly on the engine (test setup, e.g. CREATE DATABASE). */
  command(sql: string): Promise<void>;
  /** Stops answering: the listener closes and open connections are cut, as when a server dies. */
  stop(): Promise<void>;
  /** Answers again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Parameters the HTTP layer handles itself rather than passing to the engine as settings. */
const HTTP_PARAMETERS = new Set(["query", "database", "query_id", "session_id", "user", "password"]);

/**
 * The statement of a plain INSERT whose rows the engine reads from `file`, with the request's settings
 * as the statement's own SETTINGS clause (so they do not outlive it, as on a server).
 */
function insertFromFile(insert: RegExpExecArray, database: string, file: string, settings: Record<string, string>): string {
  const [, table, columns, format] = insert;
  const names = Object.keys(settings).filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  const clause = names.length === 0 ? "" : ` SETTINGS ${names.map((name) => `${name} = '${settings[name].replace(/\\/g, "\\\\").replace(/'/g, "''")}'`).join(", ")}`;
  return `INSERT INTO \`${database.replace(/`/g, "")}\`.${table}${columns ? ` (${columns})` : ""} FROM INFILE '${file.replace(/'/g, "''")}'${clause} FORMAT ${format}`;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function credentialsOf(request: IncomingMessage, url: URL): { user: string; password: string } {
  const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    user: header("x-clickhouse-user") ?? url.searchParams.get("user") ?? "default",
    password: header("x-clickhouse-key") ?? url.searchParams.get("password") ?? "",
  };
}

function fail(response: ServerResponse, status: number, code: number, message: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=UTF-8", "X-ClickHouse-Exception-Code": String(code) });
  response.end(message.endsWith("\n") ? message : `${message}\n`);
}

/** The engine's numeric error code from a chdb error (`code: '60'` or the message's `Code: 60.`). */
function errorCode(error: unknown): number {
  const code = Number((error as { code?: unknown }).code);
  if (Number.isInteger(code)) return code;
  const match = /Code: (\d+)\./.exec(String((error as Error).message));
  return match ? Number(match[1]) : 1000;
}

export async function startClickHouseHttp(options: { dataDir: string; user?: string; password?: string }): Promise<ClickHouseHttp> {
  const user = options.user ?? "default";
  const password = options.password ?? "";
  const connection = await openChdb(options.dataDir);
  const scratch = await mkdtemp(join(tmpdir(), "metrigate-clickhouse-http-"));
  let last: InsertTiming | undefined;
  // One statement at a time: the embedded session keeps `USE` state between statements.
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/ping") {
      response.writeHead(200, { "Content-Type": "text/plain" });
      response.end("Ok.\n");
      return;
    }
    const given = credentialsOf(request, url);
    if (given.user !== user || given.password !== password) {
      fail(response, 403, 516, `Code: 516. DB::Exception: ${given.user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`);
      return;
    }
    const inUrl = url.searchParams.get("query");
    const plain = inUrl === null ? null : PLAIN_INSERT.exec(inUrl.trim());
    // A plain INSERT's rows go to a scratch file as they arrive; any other statement's body is read here.
    const rows = plain ? join(scratch, `${crypto.randomUUID()}.body`) : undefined;
    try {
      await answer(request, response, url, plain, rows);
    } finally {
      if (rows) await rm(rows, { force: true });
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse, url: URL, plain: RegExpExecArray | null, rows: string | undefined): Promise<void> {
    const inUrl = url.searchParams.get("query");
    const arrived = performance.now();
    if (rows) await pipeline(request, createWriteStream(rows, { highWaterMark: 1 << 20 }));
    const received = performance.now();
    const body = rows ? Buffer.alloc(0) : await readBody(request);
    const queryParams: Record<string, string | null> = {};
    const settings: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      // `\N` is the HTTP interface's NULL; the in-process connection formats null itself.
      if (name.startsWith("param_")) queryParams[name.slice("param_".length)] = value === "\\N" ? null : value;
      else if (!HTTP_PARAMETERS.has(name)) settings[name] = value;
    }
    const database = url.searchParams.get("database") ?? "default";
    const use = `USE \`${database.replace(/`/g, "")}\`; `;
    const queryId = url.searchParams.get("query_id") ?? crypto.randomUUID();
    try {
      const bytes = await serially(async () => {
        if (plain && rows) {
          // An empty body inserts nothing (the engine would call it "no data to insert").
          const bytes = (await stat(rows)).size;
          if (bytes > 0) await connection.command({ query: insertFromFile(plain, database, rows, settings) });
          last = { bytes, receiveSeconds: (received - arrived) / 1000, engineSeconds: (performance.now() - received) / 1000 };
          return Buffer.alloc(0);
        }
        if (inUrl !== null) {
          await connection.insert({ query: `${use}${inUrl}`, values: body.toString("utf8"), clickhouse_settings: settings, query_id: queryId });
          return Buffer.alloc(0);
        }
        const result = await connection.query({
          query: `${use}${body.toString("utf8")}`,
          query_params: queryParams,
          clickhouse_settings: settings,
          query_id: queryId,
        });
        const chunks: Buffer[] = [];
        for await (const chunk of result.stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        return Buffer.concat(chunks);
      });
      response.writeHead(200, {
        "Content-Type": "text/plain; charset=UTF-8",
        "X-ClickHouse-Query-Id": queryId,
        "X-ClickHouse-Summary": JSON.stringify({ read_rows: "0", read_bytes: "0", written_rows: "0", written_bytes: "0", total_rows_to_read: "0" }),
      });
      response.end(bytes);
    } catch (error) {
      // A server writes `Code: N. DB::Exception: <message> (<TYPE>)`; the client parses code and type from it.
      const code = errorCode(error);
      const type = (error as { type?: unknown }).type;
      const message = String((error as Error).message).trim();
      const body = message.startsWith("Code:") ? message : `Code: ${code}. DB::Exception: ${message}${typeof type === "string" ? ` (${type})` : ""}`;
      fail(response, code === 81 || code === 60 ? 404 : 500, code, body);
    }
  }

  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((request, response) => {
        handle(request, response).catch((error: unknown) => fail(response, 500, 1000, String(error)));
      });
      next.on("connection", (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = undefined;
      if (!current) return resolve();
      for (const socket of sockets) socket.destroy();
      current.close(() => resolve());
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    user,
    password,
    lastInsert: () => last,
    async command(sql) {
      await serially(() => connection.command({ query: sql }));
    },
    stop,
    start: listen,
    async close() {
      await stop();
      await connection.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
