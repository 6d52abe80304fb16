// A Metrigate test server in a child process, for the add-on tests: the fake UrlFetchApp blocks the test's
// thread while it waits for an answer (as Apps Script's does), so the server has to run elsewhere — as
// the real one does. Run with `node --import tsx`; reads one JSON line (ServerSetup) from standard input,
// prints one JSON line (ServerInfo) when ready, and closes when its standard input ends.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Plan } from "../../../shared/auth/accounts.ts";
import type { LimitPolicy } from "../../../shared/limits/rate-limits.ts";
import type { Credentials } from "../server.ts";

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

export interface ServerProcess extends ServerInfo {
  close(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Starts the child and waits for its ready line. */
export async function startServerProcess(setup: ServerSetup): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SELF, "--serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new Error("server process has no standard streams");
  stdin.write(`${JSON.stringify(setup)}\n`);
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const info = JSON.parse(line) as ServerInfo;
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

async function serve(): Promise<void> {
  const input = createInterface({ input: process.stdin });
  const setup = JSON.parse(await new Promise<string>((resolve) => input.once("line", resolve))) as ServerSetup;
  const { startTestServer } = await import("../server.ts");
  const server = await startTestServer({ now: setup.now, limitPolicies: setup.limitPolicies });
  const credentials: Record<string, Credentials> = {};
  for (const ws of setup.workspaces) {
    credentials[ws.id] = await server.workspace(ws.id, ws.plan);
    for (const [table, rows] of Object.entries(ws.tables ?? {})) await server.insert(ws.id, table, rows);
    if (ws.suspended) await server.runtime.accounts.setSuspended(ws.id, true);
  }
  process.stdout.write(`${JSON.stringify({ url: server.url, credentials } satisfies ServerInfo)}\n`);
  input.once("close", () => {
    void server.close().then(() => process.exit(0));
  });
}

if (process.argv[1] === SELF && process.argv[2] === "--serve") await serve();
