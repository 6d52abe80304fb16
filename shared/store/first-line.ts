// A file's first line, read by Node before the engine reads the file: its columns (CSV header, NDJSON
// keys) are then known without asking DuckDB to detect them, which costs an import a first read of the
// file (about a sixth of a million-row NDJSON import's time, mostly fresh memory for the reader's buffer).

import { open } from "node:fs/promises";
import { constants, gunzipSync } from "node:zlib";

/** How much of a file is read for its first line; a longer line leaves the columns to the engine. */
const PREFIX = 64 * 1024;
/** Of a compressed file, less is read, and at most this much inflated (a first block of zeros would inflate a thousandfold). */
const COMPRESSED_PREFIX = 16 * 1024;
const INFLATED_LIMIT = 4 * 1024 * 1024;

/**
 * A file's first line without its line break, from its first 64 KiB (inflated, for a name ending in
 * `.gz`). Undefined when no line break is found there, or the file cannot be read: the engine is then
 * asked, and it names what is wrong.
 */
export async function firstLine(file: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const compressed = file.endsWith(".gz");
    const buffer = Buffer.alloc(compressed ? COMPRESSED_PREFIX : PREFIX);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let bytes = buffer.subarray(0, bytesRead);
    // A sync flush inflates a truncated stream as far as it goes instead of failing at its end.
    if (compressed) bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: INFLATED_LIMIT });
    const end = bytes.indexOf(10);
    if (end < 0 || end > PREFIX) return undefined;
    return bytes.subarray(0, end).toString("utf8").replace(/\r$/, "");
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
