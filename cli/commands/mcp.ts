// `metrigate mcp`: the MCP server over stdio, either on the local engine (one workspace, operator access)
// or as a connector (remote mode, whenever any URL setting is present): each API's calls go to its own host
// or to one Metrigate server, as the §16 settings say (environment variables or the matching flags).

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { localBackend, remoteBackend } from "../../mcp-server/backends.ts";
import { createServer } from "../../mcp-server/server.ts";
import { serveStdio } from "../../mcp-server/stdio.ts";
import { FAMILIES, hasRemoteUrl } from "../../shared/client/connections.ts";
import { RemoteConnections } from "../../shared/client/remote-connections.ts";
import { DEMO_WORKSPACE } from "../../shared/seed/demo.ts";
import { UsageError, type Command } from "../command.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionSettings, givenConnectionFlags } from "../connection-settings.ts";
import { withRuntime } from "../open.ts";
import { configFromEnv } from "../../shared/config.ts";
import { InvalidInput, NotFound } from "../../shared/errors.ts";

export const mcp: Command = {
  words: ["mcp"],
  usage: `mcp [--workspace W] | ${CONNECTION_USAGE}`,
  summary: "Serve the MCP tools over stdio: local engine for a workspace, or remote against each API's server.",
  options: { workspace: { type: "string" }, ...CONNECTION_OPTIONS },
  async run(ctx) {
    const workspace = typeof ctx.values.workspace === "string" && ctx.values.workspace !== "" ? ctx.values.workspace : undefined;
    const flags = givenConnectionFlags(ctx.values);
    if (workspace) {
      if (flags.length > 0) throw new UsageError(`use --workspace (local engine) or --${flags[0]} (remote mode), not both.`);
      return serveLocal(ctx.env, workspace);
    }
    // Environment fallbacks keep secrets out of an MCP client's command line (and out of `ps`).
    const settings = connectionSettings(ctx.values, ctx.env);
    if (!hasRemoteUrl(settings)) {
      if (flags.length > 0) throw new UsageError(`--${flags[0]} goes with a server URL (--url, --tapemetric-url, --taprain-url or --cdp-url): remote mode.`);
      return serveLocal(ctx.env, DEMO_WORKSPACE);
    }
    const connections = RemoteConnections.fromSettings(settings, {
      // Clients give up on a call after about 60 s; past half of that, an answer with the retry time is better.
      maxWaitMs: 30_000,
      onRateLimited: ({ waitMs, url }) => console.error(`metrigate: rate limited by ${new URL(url).origin}; waiting ${Math.ceil(waitMs / 1000)} s`),
    });
    const problems = connections.problems();
    if (problems.length === FAMILIES.length) {
      await connections.close();
      throw new UsageError(`remote mode cannot call any API: ${problems.join(" ")}`);
    }
    // stderr only: stdout carries the protocol.
    console.error(`metrigate mcp, remote mode: ${FAMILIES.map((f) => connections.targets[f]).join("; ")}`);
    try {
      await serveStdio(() => createServer({ backend: remoteBackend(connections) }));
    } finally {
      await connections.close();
    }
    return 0;
  },
};

async function serveLocal(env: NodeJS.ProcessEnv, workspace: string): Promise<number> {
  // An assistant often starts this in another folder, or without the environment: say which database was
  // looked for rather than create an empty one there.
  const config = configFromEnv(env);
  const local = config.storeKind === "duckdb" && config.dbPath !== ":memory:";
  const where = `${resolve(config.dbPath)} (METRIGATE_DB${env.METRIGATE_DB ? "" : ", unset, so the default"})`;
  if (local && !existsSync(config.dbPath)) {
    throw new InvalidInput(`No database at ${where}: set METRIGATE_DB to your database's path in the assistant's MCP settings, or create one (\`metrigate seed\` for the demo, \`metrigate workspace create\` and \`import\` for your own).`);
  }
  await withRuntime(env, async (runtime) => {
    const found = await runtime.accounts.requireWorkspace(workspace).catch((error: unknown) => {
      throw error instanceof NotFound && local ? new NotFound(`${error.message.replace(/\.$/, "")} in ${where}.`) : error;
    });
    await serveStdio(() => createServer({ backend: localBackend(runtime, { kind: "operator", workspace: found }) }));
  });
  return 0;
}
