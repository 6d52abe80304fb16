// `metrigate serve`: the HTTP API (and /mcp); with --demo, seeds the demo workspace on first start and
// prints ready-to-use credentials.

import { createApp } from "../../api-server/app.ts";
import { scheduleQosRule } from "../../shared/alerts/qos-rule.ts";
import { configFromEnv } from "../../shared/config.ts";
import { createRuntime, type Runtime } from "../../shared/runtime.ts";
import { DEFAULT_SCALE, DEMO_WORKSPACE, seedWorkspace } from "../../shared/seed/demo.ts";
import { UsageError, type Command } from "../command.ts";

export const DEMO_EMAIL = "demo@metrigate.local";
export const DEMO_PASSWORD = "metrigate-demo";

/** Seeds the demo workspace and its login on first start; fresh credentials every start. */
export async function prepareDemo(runtime: Runtime): Promise<{ apiKey: string; token: string; seeded: boolean }> {
  const { accounts, store } = runtime;
  const seeded = !(await accounts.findWorkspace(DEMO_WORKSPACE));
  if (seeded) {
    await seedWorkspace({ store, accounts }, { workspaceId: DEMO_WORKSPACE, scale: DEFAULT_SCALE, nowMs: runtime.clock.now().getTime() });
    await accounts.createUser(DEMO_WORKSPACE, DEMO_EMAIL, DEMO_PASSWORD);
  }
  const apiKey = await accounts.currentApiKey(DEMO_WORKSPACE);
  const { token } = await accounts.issueServiceToken(DEMO_WORKSPACE, "demo-console");
  return { apiKey, token, seeded };
}

export const serve: Command = {
  words: ["serve"],
  usage: "serve [--port N] [--host H] [--demo]",
  summary: "Start the HTTP API and the MCP endpoint (/mcp).",
  options: { port: { type: "string" }, host: { type: "string" }, demo: { type: "boolean" } },
  async run(ctx) {
    const config = configFromEnv(ctx.env);
    if (typeof ctx.values.port === "string") {
      const port = Number(ctx.values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be a whole number from 0 to 65535.");
      config.port = port;
    }
    if (typeof ctx.values.host === "string") config.host = ctx.values.host;
    const runtime = await createRuntime(config);
    try {
      const demo = ctx.values.demo ? await prepareDemo(runtime) : undefined;
      const app = await createApp(runtime, { log: ctx.json ? false : undefined });
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
      const info = {
        url,
        console: `${url}/console`,
        ...(demo
          ? {
              workspace: DEMO_WORKSPACE,
              api_key: demo.apiKey,
              token: demo.token,
              login: { email: DEMO_EMAIL, password: DEMO_PASSWORD },
              curl: `curl -H "X-Api-Key: ${demo.apiKey}" "${url}/api/v1/stats?range=today"`,
            }
          : {}),
      };
      const text = demo
        ? [
            `Metrigate is listening on ${url}${demo.seeded ? " (demo data seeded)" : ""}`,
            `  Demo API key:  ${demo.apiKey}`,
            `  Demo JWT:      ${demo.token}`,
            `  Console:       ${url}/console (sign in with the demo login)`,
            `  Demo login:    ${DEMO_EMAIL} / ${DEMO_PASSWORD}`,
            `  Try:           ${info.curl}`,
            `  Tapemetric:    curl -H "Authorization: Bearer ${demo.token}" "${url}/v1/analytics/overview?range=7d"`,
          ].join("\n")
        : `Metrigate is listening on ${url}`;
      ctx.print(text, info);
      const stopAlerts = scheduleQosRule(runtime, (e) => app.log.error({ err: { message: e instanceof Error ? e.message : String(e) } }, "alert evaluation failed"));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await stopAlerts();
      await app.close();
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
