// Real `metrigate` processes for the scale-out suites: one-shot CLI commands, and `serve` on port 0.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/metrigate.mjs <args>` to the end; a non-zero exit is a result, not an exception. */
export async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/metrigate.mjs", ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

export interface ServeProcess {
  url: string;
  stop(): Promise<void>;
}

/** Every `serve` started, so a suite's afterAll can end the ones a failed test left running. */
export const startedServers: ChildProcess[] = [];

/** Starts `metrigate serve` on port 0 and resolves with its URL once it listens; rejects if it exits first. */
export function serve(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["bin/metrigate.mjs", "serve", "--port", "0", "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
  startedServers.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":\s*"(http:\/\/[^"]+)"/.exec(output) ?? /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        resolve({
          url: match[1],
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`serve exited with ${String(code)}: ${output}`)));
  });
}

/** Ends every server a suite started that is still running. */
export function stopStartedServers(): void {
  for (const child of startedServers) if (child.exitCode === null) child.kill("SIGTERM");
}
