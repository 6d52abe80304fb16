// Applies the caller's rate limit to a response: RateLimit-* headers always, Retry-After on 429.

import type { FastifyReply } from "fastify";
import type { Principal } from "../shared/auth/accounts.ts";
import { RateLimitExceeded, rateLimitHeaders, type LimitState, type RateLimits } from "../shared/limits/rate-limits.ts";

export async function applyRateLimit(limits: RateLimits, principal: Principal, reply: FastifyReply): Promise<LimitState> {
  try {
    const state = await limits.consume(principal);
    reply.headers(rateLimitHeaders(state));
    return state;
  } catch (e) {
    if (e instanceof RateLimitExceeded) {
      reply.headers(rateLimitHeaders(e.state));
      reply.header("Retry-After", String(e.state.retryAfterSeconds));
    }
    throw e;
  }
}
