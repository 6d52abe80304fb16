// POST /v1/auth/login (CONTRACT §9.1): email and password for a 24-hour user JWT.

import type { FastifyInstance } from "fastify";
import { wholeSecondInstant } from "../../shared/catalog/wire.ts";
import type { Runtime } from "../../shared/runtime.ts";
import type { RouteTable } from "../route-table.ts";

export function registerAuthRoutes(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  routes.add("POST", "/v1/auth/login");
  app.post("/v1/auth/login", async (request) => {
    const body = (request.body ?? {}) as { email?: unknown; password?: unknown };
    const issued = await runtime.loginThrottle.attempt(body.email, request.ip, () => runtime.accounts.login(body.email, body.password));
    return { token: issued.token, token_type: "Bearer", expires_at: wholeSecondInstant(issued.expiresAt.getTime()) };
  });
}
