// Whether a gzip file inflates whole with its checksums right. DuckDB's reader does not check a gzip
// member's CRC-32, so a damaged file whose deflate stream still decodes would be stored as it reads;
// this check, run beside the engine's read, stops such a file before its rows are committed.

import { createReadStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

/**
 * Resolves true when `file` inflates to its end with every member's CRC-32 and length right, false when
 * zlib finds it damaged (the careful path then names the damage); never rejects. A file that cannot be
 * read at all counts as intact here: the engine's read reports that itself. `signal` stops the check
 * once its answer no longer matters (the import went another way).
 */
export async function gzipIntact(file: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await pipeline(
      createReadStream(file),
      createGunzip({ chunkSize: 1 << 20 }),
      new Writable({ write: (_chunk, _encoding, done) => done() }),
      { signal },
    );
    return true;
  } catch (e) {
    return !/^Z_/.test((e as NodeJS.ErrnoException).code ?? "");
  }
}
