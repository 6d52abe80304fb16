// Servers in a child process, for the add-on tests: the fake UrlFetchApp blocks the test's thread while it
// waits for an answer (as Apps Script's does), so a server has to run elsewhere — as the real one does.
// Three kinds: a Metrigate test server, the three vendors' stand-ins (test/support/vendor-server.ts), and
// a scripted server that gives set answers in turn (429s with a given Retry-After, say). Run with
// `node --import tsx`; reads one JSON line (the setup) from standard input, prints one JSON line when
// ready, and closes when its standard input ends.

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Plan } from "../../../shared/auth/accounts.ts";
import type { LimitPolicy } from "../../../shared/limits/rate-limits.ts";
import type { Credentials } from "../server.ts";
import type { VendorCredentials } from "../vendor-server.ts";

export interface WorkspaceSetup {
  id: string;
  plan?: Plan;
  suspended?: boolean;
  /** Rows per import table (CONTRACT §8), as `metrigate import` takes them. */
  tables?: Record<string, Record<string, unknown>[]>;
}

export interface ServerSetup {
  now: string;
  workspaces: WorkspaceSetup[];
  limitPolicies?: Partial<Record<"jwt" | "api_key", LimitPolicy>>;
}

export interface ServerInfo {
  url: string;
  credentials: Record<string, Credentials>;
}

/** One answer of a scripted server. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface ScriptedInfo {
  url: string;
}

type Running<T> = T & { close(): Promise<void> };
export type ServerProcess = Running<ServerInfo>;

const SELF = fileURLToPath(import.meta.url);

/** Starts the child in a mode and waits for its ready line. */
async function startChild<T>(mode: string, setup: unknown): Promise<Running<T>> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SELF, mode], { stdio: ["pipe", "pipe", "inherit"] });
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new Error("server process has no standard streams");
  stdin.write(`${JSON.stringify(setup)}\n`);
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const info = JSON.parse(line) as T;
  return {
    ...info,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        stdin.end();
      }),
  };
}

export function startServerProcess(setup: ServerSetup): Promise<ServerProcess> {
  return startChild<ServerInfo>("--serve", setup);
}

/** The three vendors' stand-ins, answering the seed examples with the documents' auth schemes. */
export function startVendorProcess(): Promise<Running<VendorCredentials>> {
  return startChild<VendorCredentials>("--vendors", {});
}

/** A server that gives `answers` in turn, the last one again and again after that. */
export function startScriptedProcess(answers: ScriptedAnswer[]): Promise<Running<ScriptedInfo>> {
  return startChild<ScriptedInfo>("--scripted", answers);
}

/** Reads the setup line, runs `start`, prints its info, and closes it when standard input ends. */
async function childMain<S, T>(start: (setup: S) => Promise<{ info: T; close(): Promise<void> }>): Promise<void> {
  const input = createInterface({ input: process.stdin });
  const setup = JSON.parse(await new Promise<string>((resolve) => input.once("line", resolve))) as S;
  const running = await start(setup);
  process.stdout.write(`${JSON.stringify(running.info)}\n`);
  input.once("close", () => {
    void running.close().then(() => process.exit(0));
  });
}

async function serveMetrigate(setup: ServerSetup) {
  const { startTestServer } = await import("../server.ts");
  const server = await startTestServer({ now: setup.now, limitPolicies: setup.limitPolicies });
  const credentials: Record<string, Credentials> = {};
  for (const ws of setup.workspaces) {
    credentials[ws.id] = await server.workspace(ws.id, ws.plan);
    for (const [table, rows] of Object.entries(ws.tables ?? {})) await server.insert(ws.id, table, rows);
    if (ws.suspended) await server.runtime.accounts.setSuspended(ws.id, true);
  }
  return { info: { url: server.url, credentials } satisfies ServerInfo, close: () => server.close() };
}

async function serveVendors() {
  const { startVendorServers } = await import("../vendor-server.ts");
  const vendors = await startVendorServers();
  const info: VendorCredentials = { tapemetric: vendors.tapemetric, taprain: vendors.taprain, cdp: vendors.cdp };
  return { info, close: () => vendors.close() };
}

async function serveScripted(answers: ScriptedAnswer[]) {
  let next = 0;
  const server = createServer((_req, res) => {
    const answer = answers[Math.min(next++, answers.length - 1)];
    res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const info: ScriptedInfo = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  return { info, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === "--serve") await childMain(serveMetrigate);
  if (process.argv[2] === "--vendors") await childMain(serveVendors);
  if (process.argv[2] === "--scripted") await childMain(serveScripted);
}
