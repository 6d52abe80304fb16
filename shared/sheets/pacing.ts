// Client-side pacing under the server's limits (CONTRACT §5): 300 requests a minute per token, 600 an
// hour per API key. A log of recent request times per credential decides how long to wait before the
// next one; keeping every window-long stretch under the quota keeps any fixed server window under it.
// Pure and Node-free (the add-on keeps the log in CacheService; sheet sync uses Bottleneck with the same numbers).

export interface ClientLimit {
  name: "token" | "key";
  quota: number;
  windowMs: number;
}

export const CLIENT_LIMITS: Record<ClientLimit["name"], ClientLimit> = {
  token: { name: "token", quota: 300, windowMs: 60_000 },
  key: { name: "key", quota: 600, windowMs: 3_600_000 },
};

/** The limit a request's credential falls under, read from its headers (buildRequest sets them). */
export function limitOf(headers: Record<string, string>): ClientLimit | undefined {
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  if (names.includes("x-api-key")) return CLIENT_LIMITS.key;
  const auth = Object.entries(headers).find(([h]) => h.toLowerCase() === "authorization")?.[1] ?? "";
  if (/^api-key /i.test(auth)) return CLIENT_LIMITS.key;
  if (/^bearer /i.test(auth)) return CLIENT_LIMITS.token;
  return undefined;
}

/**
 * Given the times of earlier requests (ms, any order), when the next may start: `waitMs` from now, and
 * the log to keep (requests still inside a window of it, plus the new one).
 */
export function nextSlot(log: readonly number[], now: number, limit: ClientLimit): { waitMs: number; log: number[] } {
  const recent = log.filter((t) => t > now - limit.windowMs).sort((a, b) => a - b);
  // The (quota)-th most recent request must have left the window before another one fits.
  const blocking = recent.length >= limit.quota ? recent[recent.length - limit.quota] : undefined;
  const startAt = blocking === undefined ? now : blocking + limit.windowMs;
  const kept = recent.filter((t) => t > startAt - limit.windowMs);
  return { waitMs: startAt - now, log: [...kept, startAt] };
}
