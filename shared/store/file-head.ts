// The head of a file read by Node before the engine reads the file: its first line gives the columns
// (CSV header, NDJSON keys) without asking DuckDB to detect them, which cost an import a first read of
// the file (about a sixth of a million-row NDJSON import's time, mostly fresh memory for the reader's
// buffer); its first block gives a progress bar's row estimate (import/estimate.ts).

import { open } from "node:fs/promises";
import { constants, gunzipSync } from "node:zlib";

/**
 * The first `bytes` bytes of a file (`read`: how many it had) and the text they hold: the same bytes or,
 * for a gzip file, what they inflate to, at most `inflatedMax` bytes (a first block of zeros would
 * inflate a thousandfold). Rejects when the file cannot be read or inflated.
 */
export async function readHead(file: string, bytes: number, gzip: boolean, inflatedMax: number): Promise<{ read: number; text: Buffer }> {
  const handle = await open(file, "r");
  let head: Buffer;
  try {
    const block = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(block, 0, block.length, 0);
    head = block.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  // A sync flush inflates a truncated stream as far as it goes instead of failing at its end.
  const text = gzip ? gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: inflatedMax }) : head;
  return { read: head.length, text };
}

/** How much of a file is read for its first line; a longer line leaves the columns to the engine. */
const PREFIX = 64 * 1024;
/** Of a compressed file, less is read, and at most this much inflated. */
const COMPRESSED_PREFIX = 16 * 1024;
const INFLATED_LIMIT = 4 * 1024 * 1024;

/**
 * A file's first line without its line break, from its first 64 KiB (inflated, for a name ending in
 * `.gz`). Undefined when no line break is found there, or the file cannot be read: the engine is then
 * asked, and it names what is wrong.
 */
export async function firstLine(file: string): Promise<string | undefined> {
  const gzip = file.endsWith(".gz");
  const head = await readHead(file, gzip ? COMPRESSED_PREFIX : PREFIX, gzip, INFLATED_LIMIT).catch(() => undefined);
  if (!head) return undefined;
  const end = head.text.indexOf("\n");
  if (end < 0 || end > PREFIX) return undefined;
  return head.text.subarray(0, end).toString("utf8").replace(/\r$/, "");
}
