// Inbound rate limits (CONTRACT §5) with Bottleneck: one limiter per credential whose reservoir is the
// window's quota, refreshed every window, and one per workspace (a ceiling that new credentials do not
// multiply). A request takes one unit with an atomic reservoir decrement, whose result is that request's
// own remaining count. With a Redis URL the limiters live in Redis, shared by every server process.

import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { Principal } from "../auth/accounts.ts";
import { RateLimited } from "../errors.ts";

export interface LimitPolicy {
  /** Policy name in the IETF RateLimit headers. */
  name: string;
  quota: number;
  windowMs: number;
  /** Requests of all this kind's credentials of one workspace per window; unset: no workspace ceiling. */
  workspaceQuota?: number;
}

export const DEFAULT_POLICIES: Record<Principal["kind"], LimitPolicy> = {
  jwt: { name: "token", quota: 300, windowMs: 60_000, workspaceQuota: 600 },
  api_key: { name: "key", quota: 600, windowMs: 3_600_000, workspaceQuota: 1200 },
};

/** The workspace ceiling that goes with a per-credential policy, if it has one. */
function workspacePolicy(policy: LimitPolicy): LimitPolicy | null {
  return policy.workspaceQuota === undefined ? null : { name: `workspace-${policy.name}`, quota: policy.workspaceQuota, windowMs: policy.windowMs };
}

export interface LimitState {
  policy: LimitPolicy;
  remaining: number;
  /** Whole seconds until the window ends (rounded up). */
  resetSeconds: number;
  /** Seconds to wait before a retry can succeed: the window's end plus Bottleneck's refresh lag. */
  retryAfterSeconds: number;
}

/** Header name → value for a limited response (IETF draft plus the widely read RateLimit-* trio). */
export function rateLimitHeaders(state: LimitState): Record<string, string> {
  const { policy, remaining, resetSeconds } = state;
  return {
    "RateLimit-Policy": `"${policy.name}";q=${policy.quota};w=${policy.windowMs / 1000}`,
    RateLimit: `"${policy.name}";r=${remaining};t=${resetSeconds}`,
    "RateLimit-Limit": String(policy.quota),
    "RateLimit-Remaining": String(remaining),
    "RateLimit-Reset": String(resetSeconds),
  };
}

/**
 * Bottleneck's in-process datastore yields to the event loop with setTimeout(0) before every step, and
 * Node clamps that timer to 1 ms: four of them made the limiter the slowest part of a cached answer. Our
 * inbound limiters yield with setImmediate instead — still a macrotask, so steps keep their order and
 * I/O is never starved. If a Bottleneck release renames the internals, limiters just keep the timer.
 */
function yieldWithoutTimerClamp(limiter: Bottleneck): void {
  const store = (limiter as unknown as { _store?: { yieldLoop?: (t?: number) => Promise<void> } })._store;
  if (typeof store?.yieldLoop !== "function") return;
  const timed = store.yieldLoop.bind(store);
  store.yieldLoop = (t = 0) => (t > 0 ? timed(t) : new Promise<void>((resolve) => setImmediate(resolve)));
}

interface Tracked {
  group: Bottleneck.Group;
  policy: LimitPolicy;
  /** Local mode: when each limiter's first window began (windows follow each other from there). */
  created: Map<string, number>;
}

/**
 * Bottleneck's in-process Group drops a limiter whose last *scheduled job* is older than its timeout; we
 * take units with incrementReservoir, which does not count as activity, so a used limiter is marked
 * active by hand (the Redis datastore refreshes its keys' expiry on every increment by itself).
 */
function markActive(limiter: Bottleneck): void {
  const store = (limiter as unknown as { _store?: { _nextRequest?: number } })._store;
  if (store && typeof store._nextRequest === "number") store._nextRequest = Math.max(store._nextRequest, Date.now());
}

/** The Redis hash where Bottleneck keeps a limiter's reservoir and the start of its window. */
function settingsKey(tracked: Tracked, key: string): string {
  return `b_${tracked.group.id}-${key}_settings`;
}

/** A unit back into the reservoir only while the window it was taken in lasts (KEYS[1]: settings, ARGV[1]: window). */
const GIVE_BACK_IN_WINDOW = `if redis.call('hget', KEYS[1], 'lastReservoirRefresh') == ARGV[1] then
  return redis.call('hincrby', KEYS[1], 'reservoir', 1)
end
return false`;

export class RateLimits {
  private readonly groups: Record<Principal["kind"], { credential: Tracked; workspace: Tracked | null }>;
  private readonly connection: Bottleneck.IORedisConnection | null;
  private readonly redis: Redis | null;

  constructor(options: { redisUrl?: string; policies?: Partial<Record<Principal["kind"], LimitPolicy>> } = {}) {
    this.redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 2 }) : null;
    this.connection = this.redis ? new Bottleneck.IORedisConnection({ client: this.redis }) : null;
    const make = (policy: LimitPolicy): Tracked => {
      const group = new Bottleneck.Group({
        id: `metrigate-${policy.name}-${policy.quota}-${policy.windowMs}`,
        reservoir: policy.quota,
        reservoirRefreshAmount: policy.quota,
        reservoirRefreshInterval: policy.windowMs,
        highWater: 0,
        strategy: Bottleneck.strategy.OVERFLOW,
        // Idle limiters are dropped only after a full window without requests, so no window is cut short.
        timeout: policy.windowMs * 2,
        ...(this.connection ? { datastore: "ioredis", connection: this.connection, clearDatastore: false } : {}),
      });
      const created = new Map<string, number>();
      group.on("created", (limiter: Bottleneck, key: string) => {
        created.set(key, Date.now());
        if (!this.connection) yieldWithoutTimerClamp(limiter);
      });
      return { group, policy, created };
    };
    const pair = (kind: Principal["kind"]) => {
      const policy = options.policies?.[kind] ?? DEFAULT_POLICIES[kind];
      const ceiling = workspacePolicy(policy);
      return { credential: make(policy), workspace: ceiling ? make(ceiling) : null };
    };
    this.groups = { jwt: pair("jwt"), api_key: pair("api_key") };
  }

  /**
   * Counts one request against the credential's quota and its workspace's ceiling; throws RateLimited
   * (with Retry-After) when either is spent. The state returned is the tighter of the two.
   */
  async consume(principal: Principal): Promise<LimitState> {
    const { credential, workspace } = this.groups[principal.kind];
    const own = await this.take(credential, principal.credentialId);
    if (!own.accepted) throw new RateLimitExceeded(own.state);
    if (!workspace) return own.state;
    const shared = await this.take(workspace, principal.workspace.id);
    if (!shared.accepted) {
      // Not served, so not counted against the credential either.
      await this.giveBack(credential, principal.credentialId, own.window);
      throw new RateLimitExceeded(shared.state);
    }
    return shared.state.remaining < own.state.remaining ? shared.state : own.state;
  }

  /**
   * One unit from a limiter's reservoir. The decrement is atomic in both datastores, so its result is
   * exactly this request's remaining count, however many requests run at once. A refused request keeps
   * its unit: the reservoir just goes below zero, and the next window starts full whatever it held.
   * (Giving the unit back raced with the window's renewal: landing in the new window, it added a unit
   * that window never had, so one more request was served and two answers showed the same Remaining.)
   */
  private async take(tracked: Tracked, key: string): Promise<{ accepted: boolean; state: LimitState; window: string }> {
    const limiter = tracked.group.key(key);
    const { quota, windowMs } = tracked.policy;
    let left = (await limiter.incrementReservoir(-1)) ?? 0;
    // Bottleneck's Redis script renews an elapsed window after applying the increment, which then reads
    // as a full reservoir: this request is the new window's first and takes its unit from it.
    if (left >= quota) left = (await limiter.incrementReservoir(-1)) ?? 0;
    if (!this.redis) markActive(limiter);
    const window = await this.windowStart(tracked, key);
    const untilEnd = Number(window) + windowMs - Date.now();
    const state = {
      policy: tracked.policy,
      remaining: Math.max(0, left),
      resetSeconds: Math.min(windowMs / 1000, Math.max(1, Math.ceil(untilEnd / 1000))),
      // Bottleneck refreshes on a 250 ms heartbeat, so a retry waits for that too.
      retryAfterSeconds: Math.max(1, Math.ceil((untilEnd + 250) / 1000)),
    };
    return { accepted: left >= 0, state, window };
  }

  /**
   * Puts back a unit taken in `window`, only if that window is still the current one: in a renewed window
   * the unit was never taken. With Redis the check and the increment are one atomic script.
   */
  private async giveBack(tracked: Tracked, key: string, window: string): Promise<void> {
    if (this.redis) {
      await this.redis.eval(GIVE_BACK_IN_WINDOW, 1, settingsKey(tracked, key), window);
      return;
    }
    if ((await this.windowStart(tracked, key)) === window) await tracked.group.key(key).incrementReservoir(1);
  }

  /** When the limiter's current window began (epoch ms, as Bottleneck's Redis datastore records it). */
  private async windowStart(tracked: Tracked, key: string): Promise<string> {
    const now = Date.now();
    if (this.redis) {
      // Bottleneck's Redis scripts start a window at the first request after the previous one ended.
      return (await this.redis.hget(settingsKey(tracked, key), "lastReservoirRefresh")) ?? String(now);
    }
    const created = tracked.created.get(key) ?? now;
    return String(now - ((now - created) % tracked.policy.windowMs));
  }

  async close(): Promise<void> {
    for (const { credential, workspace } of Object.values(this.groups)) {
      for (const tracked of workspace ? [credential, workspace] : [credential]) {
        for (const { limiter } of tracked.group.limiters()) await limiter.disconnect(false);
      }
    }
    await this.connection?.disconnect(false);
    this.redis?.disconnect();
  }
}

/** Over the quota: carries the limit state so the 429 has the same headers as any limited response. */
export class RateLimitExceeded extends RateLimited {
  constructor(readonly state: LimitState) {
    super(state.retryAfterSeconds);
  }
}
