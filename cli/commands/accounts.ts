// Operator commands for tenants and credentials: workspace, user, key, token and OAuth connections (CONTRACT §3, §4, §12).

import { PLANS, SCOPES, type Plan, type Scope } from "../../shared/auth/accounts.ts";
import { requireString, UsageError, type Command } from "../command.ts";
import { withRuntime } from "../open.ts";
import { readSecret } from "../secret-input.ts";

function oneOf<T extends string>(name: string, value: string | boolean | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}.`);
  return value as T;
}

export const workspaceCreate: Command = {
  words: ["workspace", "create"],
  usage: "workspace create <id> [--plan starter|growth|enterprise] [--name NAME]",
  summary: "Create a workspace (a tenant).",
  positionals: 1,
  options: { plan: { type: "string" }, name: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async ({ accounts }) => {
      const plan = oneOf<Plan>("plan", ctx.values.plan, PLANS, "starter");
      const name = typeof ctx.values.name === "string" ? ctx.values.name : undefined;
      const ws = await accounts.createWorkspace(ctx.positionals[0], { plan, name });
      ctx.print(`Created workspace ${ws.id} (${ws.plan}).`, ws);
      return 0;
    }),
};

function suspension(suspended: boolean): Command {
  const word = suspended ? "suspend" : "resume";
  return {
    words: ["workspace", word],
    usage: `workspace ${word} <id>`,
    summary: suspended ? "Suspend a workspace: its credentials get 403." : "Resume a suspended workspace.",
    positionals: 1,
    run: (ctx) =>
      withRuntime(ctx.env, async ({ accounts }) => {
        const ws = await accounts.setSuspended(ctx.positionals[0], suspended);
        ctx.print(`Workspace ${ws.id} is ${suspended ? "suspended" : "active"}.`, ws);
        return 0;
      }),
  };
}

export const workspaceSuspend = suspension(true);
export const workspaceResume = suspension(false);

export const userCreate: Command = {
  words: ["user", "create"],
  usage: "user create --workspace W --email E  (password: METRIGATE_PASSWORD, prompt or stdin)",
  summary: "Create a user. The password is read from METRIGATE_PASSWORD, a hidden prompt or standard input; --password P also works but shows in ps and shell history.",
  options: { workspace: { type: "string" }, email: { type: "string" }, password: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async ({ accounts }) => {
      const workspace = requireString(ctx.values, "workspace");
      const email = requireString(ctx.values, "email");
      const user = await accounts.createUser(workspace, email, await readSecret(ctx, "password", "METRIGATE_PASSWORD"));
      ctx.print(`Created user ${user.email} in workspace ${workspace}.`, { workspace, email: user.email });
      return 0;
    }),
};

export const keyCreate: Command = {
  words: ["key", "create"],
  usage: "key create --workspace W [--scope read|write]",
  summary: "Create an API key and print it.",
  options: { workspace: { type: "string" }, scope: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async ({ accounts }) => {
      const workspace = requireString(ctx.values, "workspace");
      const scope = oneOf<Scope>("scope", ctx.values.scope, SCOPES, "read");
      const key = await accounts.createApiKey(workspace, scope);
      ctx.print(key, { workspace, scope, api_key: key });
      return 0;
    }),
};

export const tokenCreate: Command = {
  words: ["token", "create"],
  usage: "token create --workspace W --service-account NAME",
  summary: "Issue a 90-day service-account JWT and print it.",
  options: { workspace: { type: "string" }, "service-account": { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async ({ accounts }) => {
      const workspace = requireString(ctx.values, "workspace");
      const issued = await accounts.issueServiceToken(workspace, requireString(ctx.values, "service-account"));
      ctx.print(issued.token, { workspace, token: issued.token, jti: issued.jti, expires_at: issued.expiresAt.toISOString() });
      // The token alone goes to standard output (TOKEN=$(metrigate token create …) keeps working); what
      // revoking it takes goes beside it, on standard error.
      if (!ctx.json) console.error(`Token id ${issued.jti}, valid until ${issued.expiresAt.toISOString()}; revoke it with: metrigate token revoke ${issued.jti}`);
      return 0;
    }),
};

export const tokenRevoke: Command = {
  words: ["token", "revoke"],
  usage: "token revoke <jti>",
  summary: "Revoke a token at once.",
  positionals: 1,
  run: (ctx) =>
    withRuntime(ctx.env, async ({ accounts }) => {
      await accounts.revokeToken(ctx.positionals[0]);
      ctx.print(`Revoked token ${ctx.positionals[0]}.`, { jti: ctx.positionals[0], revoked: true });
      return 0;
    }),
};

export const oauthRevoke: Command = {
  words: ["oauth", "revoke"],
  usage: "oauth revoke --workspace W",
  summary: "End every OAuth connection (assistant consent) of a workspace at once.",
  options: { workspace: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async ({ oauth }) => {
      const workspace = requireString(ctx.values, "workspace");
      const revoked = await oauth.revokeWorkspace(workspace);
      ctx.print(`Revoked ${revoked} OAuth connection${revoked === 1 ? "" : "s"} of workspace ${workspace}.`, { workspace, revoked });
      return 0;
    }),
};
