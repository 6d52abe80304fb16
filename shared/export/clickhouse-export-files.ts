// Exported Parquet files kept in ClickHouse (mg_export_files), so a link made by one server downloads from
// any server of the deployment without a shared disk: the bytes in base64 chunks, gone an hour after expiry.

import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { ClickHouseStore } from "../store/clickhouse.ts";

/** Bytes per stored chunk (before base64): small enough for one JSON row, large enough to keep rows few. */
const CHUNK_BYTES = 1024 * 1024;
/** Chunks fetched per statement when a server downloads a file another server made. */
const CHUNKS_PER_READ = 16;

export interface SharedExportFiles {
  /** Keeps a file written on this server where every server can read it, until `expiresAt` (ISO). */
  put(workspaceId: string, file: string, path: string, expiresAt: string): Promise<void>;
  /** Writes a file another server made to `path`; false when no server has it (expired or unknown). */
  fetch(workspaceId: string, file: string, path: string): Promise<boolean>;
}

export class ClickHouseExportFiles implements SharedExportFiles {
  constructor(private readonly store: Pick<ClickHouseStore, "query" | "insertRows">) {}

  async put(workspaceId: string, file: string, path: string, expiresAt: string): Promise<void> {
    let chunk = 0;
    for await (const bytes of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      // In the request body: a bound parameter travels in the URL, too short for a chunk.
      await this.store.insertRows("mg_export_files", [
        { workspace_id: workspaceId, file, chunk, data: (bytes as Buffer).toString("base64"), expires_at: expiresAt },
      ]);
      chunk += 1;
    }
  }

  async fetch(workspaceId: string, file: string, path: string): Promise<boolean> {
    const partial = `${path}.part`;
    const out = createWriteStream(partial, { mode: 0o600 });
    let found = false;
    try {
      for (let first = 0; ; first += CHUNKS_PER_READ) {
        const rows = await this.store.query<{ data: string }>(
          `SELECT data FROM mg_export_files
           WHERE workspace_id = {ws:String} AND file = {file:String} AND chunk >= {first:UInt32} AND chunk < {last:UInt32}
           ORDER BY chunk`,
          { ws: workspaceId, file, first, last: first + CHUNKS_PER_READ },
        );
        for (const row of rows) out.write(Buffer.from(row.data, "base64"));
        found ||= rows.length > 0;
        if (rows.length < CHUNKS_PER_READ) break;
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
    // Renamed only when whole, so a concurrent download never serves half a file.
    if (found) await rename(partial, path);
    else await rm(partial, { force: true });
    return found;
  }
}
