// A fake CacheService with the real limits: keys up to 250 characters, values up to 100 KB, expiry from
// 1 second to 6 hours (default 10 minutes). Expired entries vanish on the harness clock. A test can make
// writes fail, as CacheService does now and then under load.

import type { Clock } from "./execution.ts";

export const MAX_KEY_LENGTH = 250;
export const MAX_VALUE_BYTES = 100 * 1024;
export const MAX_EXPIRATION_SECONDS = 21_600;
const DEFAULT_EXPIRATION_SECONDS = 600;

interface Entry {
  value: string;
  expiresAt: number;
}

export class FakeCache {
  private readonly entries = new Map<string, Entry>();
  /** When set, every write throws this service error. */
  failWrites?: string;

  constructor(private readonly clock: Clock) {}

  private now(): number {
    return this.clock.now();
  }

  private checkKey(key: string): void {
    if (typeof key !== "string" || key.length === 0) throw new Error("Invalid argument: key");
    if (key.length > MAX_KEY_LENGTH) throw new Error("Argument too large: key");
  }

  private checkPut(key: string, value: string, expirationInSeconds: number): void {
    if (this.failWrites !== undefined) throw new Error(this.failWrites);
    this.checkKey(key);
    if (typeof value !== "string") throw new Error("Invalid argument: value");
    if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) throw new Error("Argument too large: value");
    if (!(expirationInSeconds >= 1 && expirationInSeconds <= MAX_EXPIRATION_SECONDS)) {
      throw new Error(`Invalid argument: expirationInSeconds must be from 1 to ${MAX_EXPIRATION_SECONDS} (got ${expirationInSeconds})`);
    }
  }

  get(key: string): string | null {
    this.checkKey(key);
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  getAll(keys: string[]): Record<string, string> {
    const found: Record<string, string> = {};
    for (const key of keys) {
      const value = this.get(key);
      if (value !== null) found[key] = value;
    }
    return found;
  }

  put(key: string, value: string, expirationInSeconds = DEFAULT_EXPIRATION_SECONDS): void {
    this.checkPut(key, value, expirationInSeconds);
    this.entries.set(key, { value, expiresAt: this.now() + expirationInSeconds * 1000 });
  }

  putAll(values: Record<string, string>, expirationInSeconds = DEFAULT_EXPIRATION_SECONDS): void {
    for (const [key, value] of Object.entries(values)) this.checkPut(key, value, expirationInSeconds);
    for (const [key, value] of Object.entries(values)) this.put(key, value, expirationInSeconds);
  }

  remove(key: string): void {
    this.checkKey(key);
    this.entries.delete(key);
  }

  removeAll(keys: string[]): void {
    for (const key of keys) this.remove(key);
  }

  /** Test view: live keys and the byte size of their values. */
  sizes(): Map<string, number> {
    const now = this.now();
    return new Map([...this.entries].filter(([, e]) => e.expiresAt > now).map(([k, e]) => [k, Buffer.byteLength(e.value, "utf8")]));
  }
}

export class FakeCacheService {
  readonly script: FakeCache;
  readonly user: FakeCache;

  constructor(clock: Clock) {
    this.script = new FakeCache(clock);
    this.user = new FakeCache(clock);
  }

  getScriptCache(): FakeCache {
    return this.script;
  }

  getUserCache(): FakeCache {
    return this.user;
  }

  /** Bound scripts only; the add-on does not rely on it. */
  getDocumentCache(): FakeCache | null {
    return null;
  }
}
