// CacheService within its limits: keys of at most 250 characters, values of at most 100 KB (larger ones are
// split into chunks under a manifest, each with room to spare), and an expiry of at most 6 hours.

import type { Cache } from "./apps-script.ts";

/** CacheService's limit is 100 KB a value; entries stay 10 % under it, never at the edge. */
export const MAX_VALUE_BYTES = 90 * 1024;
export const MAX_TTL_SECONDS = 6 * 60 * 60;

function utf8Bytes(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

export function byteLength(text: string): number {
  let bytes = 0;
  for (const ch of text) bytes += utf8Bytes(ch.codePointAt(0) ?? 0);
  return bytes;
}

/** Splits text into pieces of at most `limit` UTF-8 bytes, never inside a character. */
export function splitByBytes(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let index = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch.codePointAt(0) ?? 0);
    if (bytes + size > limit) {
      pieces.push(text.slice(start, index));
      start = index;
      bytes = 0;
    }
    bytes += size;
    index += ch.length;
  }
  pieces.push(text.slice(start));
  return pieces;
}

const WHOLE = "=";
const CHUNKED = /^#(\d+):([a-z0-9]+)$/;

/** A text cache over CacheService where a value may be larger than one entry allows. */
export class ChunkedCache {
  constructor(private readonly cache: Cache) {}

  get(key: string): string | undefined {
    const head = this.cache.get(key);
    if (head === null) return undefined;
    if (head.startsWith(WHOLE)) return head.slice(WHOLE.length);
    const m = CHUNKED.exec(head);
    if (!m) return undefined;
    const keys = Array.from({ length: Number(m[1]) }, (_, i) => `${key}.${m[2]}.${i}`);
    const parts = this.cache.getAll(keys);
    // One evicted chunk makes the whole value a miss.
    if (keys.some((k) => parts[k] === undefined)) return undefined;
    return keys.map((k) => parts[k]).join("");
  }

  put(key: string, value: string, ttlSeconds: number): void {
    const ttl = Math.max(1, Math.min(MAX_TTL_SECONDS, Math.round(ttlSeconds)));
    if (byteLength(value) + WHOLE.length <= MAX_VALUE_BYTES) {
      this.cache.put(key, WHOLE + value, ttl);
      return;
    }
    // Chunks carry a write id, so a reader never mixes chunks of two different writes.
    const id = Date.now().toString(36) + Math.floor(Math.random() * 1296).toString(36);
    const chunks = splitByBytes(value, MAX_VALUE_BYTES);
    const entries: Record<string, string> = {};
    chunks.forEach((chunk, i) => {
      entries[`${key}.${id}.${i}`] = chunk;
    });
    this.cache.putAll(entries, ttl);
    this.cache.put(key, `#${chunks.length}:${id}`, ttl);
  }
}
