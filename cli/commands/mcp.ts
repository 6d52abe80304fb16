// `metrigate mcp`: the MCP server over stdio, either on the local engine (one workspace, operator access)
// or as a connector to any wire-compatible server (`--url` with an API key and/or a JWT).

import { localBackend, remoteBackend } from "../../mcp-server/backends.ts";
import { createServer } from "../../mcp-server/server.ts";
import { serveStdio } from "../../mcp-server/stdio.ts";
import { RemoteClient } from "../../shared/client/remote.ts";
import { DEMO_WORKSPACE } from "../../shared/seed/demo.ts";
import { UsageError, type Command } from "../command.ts";
import { withRuntime } from "../open.ts";
import { warnSecretFlag } from "../secret-input.ts";

function option(value: string | boolean | undefined, fallback: string | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : fallback || undefined;
}

export const mcp: Command = {
  words: ["mcp"],
  usage: "mcp [--workspace W] | [--url URL] (credentials: METRIGATE_API_KEY / METRIGATE_TOKEN)",
  summary:
    "Serve the MCP tools over stdio: local engine for a workspace, or remote against a server URL. --api-key K and --token T also work but show in ps and shell history.",
  options: { workspace: { type: "string" }, url: { type: "string" }, "api-key": { type: "string" }, token: { type: "string" } },
  async run(ctx) {
    const workspace = option(ctx.values.workspace, undefined);
    // Environment fallbacks keep secrets out of an MCP client's command line (and out of `ps`).
    const url = option(ctx.values.url, workspace ? undefined : ctx.env.METRIGATE_URL);
    const apiKey = option(ctx.values["api-key"], url ? ctx.env.METRIGATE_API_KEY : undefined);
    const token = option(ctx.values.token, url ? ctx.env.METRIGATE_TOKEN : undefined);
    if (typeof ctx.values["api-key"] === "string") warnSecretFlag("api-key", "METRIGATE_API_KEY");
    if (typeof ctx.values.token === "string") warnSecretFlag("token", "METRIGATE_TOKEN");

    if (workspace && url) throw new UsageError("use --workspace (local engine) or --url (remote server), not both.");
    if (!url) {
      if (apiKey || token) throw new UsageError("--api-key and --token go with --url (remote mode).");
      await withRuntime(ctx.env, async (runtime) => {
        const found = await runtime.accounts.requireWorkspace(workspace ?? DEMO_WORKSPACE);
        await serveStdio(() => createServer({ backend: localBackend(runtime, { kind: "operator", workspace: found }) }));
      });
      return 0;
    }
    if (!/^https?:\/\/[^/]/i.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}".`);
    if (!apiKey && !token) throw new UsageError("remote mode needs --api-key K and/or --token T (or METRIGATE_API_KEY / METRIGATE_TOKEN).");
    const client = new RemoteClient({
      baseUrl: url,
      credentials: { apiKey, token },
      // Clients give up on a call after about 60 s; past half of that, an answer with the retry time is better.
      maxWaitMs: 30_000,
      onRateLimited: ({ waitMs }) => console.error(`metrigate: rate limited by ${url}; waiting ${Math.ceil(waitMs / 1000)} s`),
    });
    try {
      await serveStdio(() => createServer({ backend: remoteBackend(client) }));
    } finally {
      await client.close();
    }
    return 0;
  },
};
