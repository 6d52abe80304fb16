// POST /v1/auth/login (CONTRACT §9.1): email and password for a 24-hour user JWT.

import type { FastifyInstance } from "fastify";
import { wholeSecondInstant } from "../../shared/catalog/wire.ts";
import type { Runtime } from "../../shared/runtime.ts";
import { signInFields } from "../credentials.ts";
import type { RouteTable } from "../route-table.ts";

export function registerAuthRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/v1/auth/login");
  app.post("/v1/auth/login", async (request) => {
    const { email, password } = signInFields((request.body ?? {}) as { email?: unknown; password?: unknown });
    const issued = await runtime.loginThrottle.attempt(email, request.ip, () => runtime.accounts.login(email, password));
    return { token: issued.token, token_type: "Bearer", expires_at: wholeSecondInstant(issued.expiresAt.getTime()) };
  });
}
