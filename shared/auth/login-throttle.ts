// Password guessing brake: failed sign-ins are counted per account and per client address in fixed
// windows; past the allowance every attempt (right or wrong, known email or not) gets 429 until the
// window ends. Shared through Redis when the servers share one, so a farm of servers is one brake.

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { RateLimited, Unauthorized } from "../errors.ts";

export interface ThrottlePolicy {
  /** Failed attempts allowed in one window; the next attempt is refused. */
  failures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_POLICIES = {
  account: { failures: 10, windowMs: 15 * 60_000 },
  address: { failures: 30, windowMs: 15 * 60_000 },
} satisfies Record<string, ThrottlePolicy>;

/** Counters in process memory never hold more than this many keys (oldest windows go first). */
const MAX_LOCAL_KEYS = 100_000;

interface Counter {
  count: number;
  resetAt: number;
}

/** Failure counters by key: in Redis (INCR with an expiry) when given a client, else in this process. */
class FailureCounters {
  private readonly local = new Map<string, Counter>();

  constructor(private readonly redis: Redis | null) {}

  /** Failures in the current window and ms until it ends. */
  async read(key: string): Promise<Counter> {
    const now = Date.now();
    if (this.redis) {
      const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      return { count: Number(count ?? 0), resetAt: now + Math.max(0, ttl) };
    }
    const entry = this.local.get(key);
    return entry && entry.resetAt > now ? entry : { count: 0, resetAt: now };
  }

  async increment(key: string, windowMs: number): Promise<void> {
    if (this.redis) {
      const count = await this.redis.incr(key);
      if (count === 1) await this.redis.pexpire(key, windowMs);
      return;
    }
    const now = Date.now();
    const entry = this.local.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    this.local.delete(key);
    if (this.local.size >= MAX_LOCAL_KEYS) this.evict(now);
    this.local.set(key, { count: 1, resetAt: now + windowMs });
  }

  async clear(key: string): Promise<void> {
    if (this.redis) await this.redis.del(key);
    else this.local.delete(key);
  }

  private evict(now: number): void {
    for (const [key, entry] of this.local) if (entry.resetAt <= now) this.local.delete(key);
    // Insertion order is window order: drop the oldest windows until there is room.
    for (const key of this.local.keys()) {
      if (this.local.size < MAX_LOCAL_KEYS) break;
      this.local.delete(key);
    }
  }
}

/** A key that names the account without storing the email itself in Redis or memory dumps. */
function accountKey(email: unknown): string {
  const normalized = typeof email === "string" ? email.trim().toLowerCase() : "";
  return `metrigate:login:account:${createHash("sha256").update(normalized).digest("hex")}`;
}

export class LoginThrottle {
  private readonly counters: FailureCounters;
  private readonly policies: typeof DEFAULT_LOGIN_POLICIES;

  constructor(options: { redis?: Redis | null; policies?: Partial<typeof DEFAULT_LOGIN_POLICIES> } = {}) {
    this.counters = new FailureCounters(options.redis ?? null);
    this.policies = { ...DEFAULT_LOGIN_POLICIES, ...options.policies };
  }

  /**
   * Runs one sign-in attempt for `email` from `address` (any function that throws Unauthorized on a
   * wrong email or password). Refused with 429 while either counter is spent; a failure counts against
   * both; a success clears the account's count.
   */
  async attempt<T>(email: unknown, address: string, signIn: () => Promise<T>): Promise<T> {
    const keys = { account: accountKey(email), address: `metrigate:login:address:${address}` };
    for (const kind of ["account", "address"] as const) {
      const { count, resetAt } = await this.counters.read(keys[kind]);
      if (count >= this.policies[kind].failures) {
        const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
        throw new RateLimited(seconds, `Too many failed sign-in attempts. Retry in ${seconds} seconds.`);
      }
    }
    try {
      const result = await signIn();
      await this.counters.clear(keys.account);
      return result;
    } catch (e) {
      if (e instanceof Unauthorized) {
        await this.counters.increment(keys.account, this.policies.account.windowMs);
        await this.counters.increment(keys.address, this.policies.address.windowMs);
      }
      throw e;
    }
  }
}
