// A test-only stand-in for a ClickHouse server: this process owns one chdb engine (the real ClickHouse
// engine, embedded) and serves the part of ClickHouse's HTTP interface that @clickhouse/client uses
// (POST / with the statement in the body or in `query=`, `param_*` bound parameters, settings as URL
// parameters, `database=`, basic auth, GET /ping, errors as `Code: N. DB::Exception: …`). It exists
// because chdb binds one data directory per process, so separate server processes must reach the engine
// over HTTP. It is NOT a ClickHouse server: no sessions, no compression, no native protocol, one user.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The part of chdb's `Connection` (the @clickhouse/client contract) this harness drives. */
interface ChdbConnection {
  query(params: { query: string; query_params?: Record<string, unknown>; clickhouse_settings?: Record<string, unknown>; query_id?: string }): Promise<{ stream: AsyncIterable<Buffer | string> }>;
  insert(params: { query: string; values: string; clickhouse_settings?: Record<string, unknown>; query_id?: string }): Promise<unknown>;
  command(params: { query: string }): Promise<unknown>;
  close(): Promise<void>;
  /** chdb's own insert: the rows handed to the engine's parser as they are (a statement with a large body is slow to split). */
  chdb: {
    rawInsert(params: { table: string; values: Buffer; format: string; columns?: readonly string[]; settings?: Record<string, string> }): Promise<unknown>;
  };
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

export interface ClickHouseHttp {
  /** `http://127.0.0.1:<port>` while running (the port stays the same across stop/start). */
  url: string;
  user: string;
  password: string;
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
    const body = await readBody(request);
    const inUrl = url.searchParams.get("query");
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
        if (inUrl !== null) {
          // An INSERT: the statement in the URL, the rows in the body, passed to the engine's parser as they are.
          const plain = PLAIN_INSERT.exec(inUrl.trim());
          if (plain) {
            const columns = plain[2]?.split(",").map((c) => c.trim());
            await connection.chdb.rawInsert({ table: `${database.replace(/\W/g, "")}.${plain[1]}`, values: body, format: plain[3], columns, settings });
          } else await connection.insert({ query: `${use}${inUrl}`, values: body.toString("utf8"), clickhouse_settings: settings, query_id: queryId });
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
    async command(sql) {
      await serially(() => connection.command({ query: sql }));
    },
    stop,
    start: listen,
    async close() {
      await stop();
      await connection.close();
    },
  };
}
