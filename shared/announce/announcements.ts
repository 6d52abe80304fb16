// Changes every server must see at once (CONTRACT §14), announced through Redis pub/sub: credentials or
// workspaces changed (every server drops its lookups) and a workspace's data changed (its cached answers).

import type { Redis } from "ioredis";
import { InvalidInput } from "../errors.ts";
import { redactedUrl } from "../redacted-url.ts";

export type Announcement = { kind: "credentials" } | { kind: "data"; workspaceId: string };

export interface Announcer {
  /** Resolves once Redis has handed the announcement to every subscribed server. */
  announce(announcement: Announcement): Promise<void>;
}

/** One server alone (no REDIS_URL, or the DuckDB store): nobody else to tell. */
export const NO_ANNOUNCEMENTS: Announcer = { announce: async () => undefined };

/**
 * A connected Redis client, or one line naming REDIS_URL when it cannot be reached at start (a server
 * that started without its shared limits and announcements would quietly serve stale answers).
 */
export async function connectRedis(url: string): Promise<Redis> {
  let started = false;
  // Loaded only when a Redis URL is set: an import or a single server never pays for the client.
  const { Redis } = await import("ioredis");
  // At start one refused connection is the answer; once running, ioredis reconnects by itself.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
    retryStrategy: (times) => (started ? Math.min(times * 200, 2000) : null),
  });
  // Errors after a successful start surface on the commands that fail; ioredis reconnects by itself.
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    started = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new InvalidInput(`REDIS_URL: cannot reach Redis at ${redactedUrl(url)} (${String((error as Error).message).split("\n")[0]}).`);
  }
}

function parse(message: string): Announcement | undefined {
  try {
    const value = JSON.parse(message) as { kind?: unknown; workspaceId?: unknown };
    if (value.kind === "credentials") return { kind: "credentials" };
    if (value.kind === "data" && typeof value.workspaceId === "string") return { kind: "data", workspaceId: value.workspaceId };
  } catch {
    // Not ours: ignored below.
  }
  return undefined;
}

/** Publishes on one channel and, for a server, listens on it (its own announcements come back too: harmless). */
export class RedisAnnouncements implements Announcer {
  private subscriber: Redis | null = null;

  /** `publisher` is an open client, shared with other users (a subscribed connection can do nothing else). */
  constructor(
    private readonly publisher: Redis,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Subscribes on a second connection; resolves once subscribed. ioredis subscribes again after a reconnect. */
  async listen(onAnnouncement: (announcement: Announcement) => void): Promise<void> {
    const subscriber = this.publisher.duplicate();
    this.subscriber = subscriber;
    subscriber.on("error", () => undefined);
    subscriber.on("message", (from: string, message: string) => {
      const announcement = from === this.channel ? parse(message) : undefined;
      if (announcement) onAnnouncement(announcement);
    });
    await subscriber.subscribe(this.channel);
  }

  /**
   * A failed publish does not undo the change (it is already stored): it is reported, and the other
   * servers see it when their cached entries expire (METRIGATE_CACHE_TTL, one minute for lookups).
   */
  async announce(announcement: Announcement): Promise<void> {
    try {
      await this.publisher.publish(this.channel, JSON.stringify(announcement));
    } catch (error) {
      this.onError(error);
    }
  }

  close(): void {
    this.subscriber?.disconnect();
  }
}
