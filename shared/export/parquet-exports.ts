// Parquet exports (CONTRACT §9.7): query rows written by the store's engine to a file beside the database, handed
// out through signed links that expire after an hour, and opened again only through such a link. With
// ClickHouse the file is also kept in the engine, so any server of the deployment serves the link.

import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostServices } from "../catalog/define.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import { InvalidInput, MetrigateError, NotFound } from "../errors.ts";
import { WORKSPACE_PARAMETER, type SqlParams, type Store } from "../store/store.ts";
import type { SharedExportFiles } from "./clickhouse-export-files.ts";
import { signedPath, verifyLink } from "./signed-url.ts";

export const LINK_SECONDS = 3600;

/** Export files live beside the database file (`<db>.exports/<workspace>/`); in-memory databases use the temp folder. */
export function exportsDirFor(dbPath: string): string {
  return dbPath === ":memory:" ? join(tmpdir(), `metrigate-exports-${process.pid}`) : `${dbPath}.exports`;
}

/** METRIGATE_PUBLIC_URL without a trailing slash, or undefined when unset; a clear error when it is not an http(s) URL. */
export function publicOrigin(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInput(`METRIGATE_PUBLIC_URL must be an http(s) URL such as https://metrics.example.com, got "${value}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInput(`METRIGATE_PUBLIC_URL must be an http(s) URL such as https://metrics.example.com, got "${value}".`);
  }
  // It is written into every export link and the OAuth metadata: a password in it would be published.
  if (url.username || url.password) throw new InvalidInput("METRIGATE_PUBLIC_URL must not carry a user name or password; give the address only, such as https://metrics.example.com.");
  // Paths are appended to it, and an OAuth issuer may carry neither (RFC 8414).
  if (url.search || url.hash || value.includes("?") || value.includes("#")) {
    throw new InvalidInput(`METRIGATE_PUBLIC_URL must not have a query or fragment, got "${value}".`);
  }
  return value.replace(/\/+$/, "");
}

export function originOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export interface ExportRequest {
  workspaceId: string;
  sql: string;
  params: SqlParams;
}

export class ParquetExports {
  /** Where links point: METRIGATE_PUBLIC_URL, else the address the server listens on once it does. */
  private origin: string;
  private readonly pinnedOrigin: boolean;

  constructor(
    private readonly deps: { store: Store; key: Buffer; clock: Clock; dir: string; shared?: SharedExportFiles },
    config: Pick<Config, "host" | "port" | "publicUrl">,
  ) {
    const configured = publicOrigin(config.publicUrl);
    this.pinnedOrigin = configured !== undefined;
    this.origin = configured ?? originOf(config.host, config.port);
  }

  /** The HTTP face reports the address it really listens on (port 0 picks one), unless a public URL is set. */
  listeningAt(origin: string): void {
    if (!this.pinnedOrigin) this.origin = origin;
  }

  hostServices(): HostServices {
    return { exportParquet: (request) => this.write(request) };
  }

  async write({ workspaceId, sql, params }: ExportRequest): Promise<{ url: string; expiresAt: string; rows: number }> {
    const { store, key, clock } = this.deps;
    if (!WORKSPACE_PARAMETER.test(sql)) throw new MetrigateError("internal", "An export without a workspace filter was refused.");
    const folder = join(this.deps.dir, workspaceId);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // Folders made by earlier versions were world-readable.
    for (const dir of [this.deps.dir, folder]) chmodSync(dir, 0o700);
    await removeStaleFiles(folder);
    const file = `${randomBytes(16).toString("hex")}.parquet`;
    const rows = await store.copyToParquet(sql, { ...params, ws: workspaceId }, join(folder, file));
    const expires = Math.floor(clock.now().getTime() / 1000) + LINK_SECONDS;
    const expiresAt = new Date(expires * 1000).toISOString();
    await this.deps.shared?.put(workspaceId, file, join(folder, file), expiresAt);
    return { url: this.origin + signedPath(key, { workspace: workspaceId, file, expires }), expiresAt, rows };
  }

  /** The file a signed link opens: Forbidden when tampered with or expired, NotFound when already removed. */
  async open(presented: { workspace: string; file: string; expires: unknown; sig: unknown }): Promise<{ path: string; size: number }> {
    const link = verifyLink(this.deps.key, this.deps.clock.now().getTime(), presented);
    const folder = join(this.deps.dir, link.workspace);
    const path = join(folder, link.file);
    const local = await stat(path).catch(() => undefined);
    if (local) return { path, size: local.size };
    // Made by another server: fetched once from the shared copy, then served from here.
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (this.deps.shared && (await this.deps.shared.fetch(link.workspace, link.file, path))) return { path, size: (await stat(path)).size };
    throw new NotFound("This export file no longer exists; request a new export.");
  }
}

/** Files whose links have expired (older than an hour on the file system) go when the workspace exports again. */
async function removeStaleFiles(folder: string): Promise<void> {
  const cutoff = Date.now() - LINK_SECONDS * 1000;
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    // Another export of the workspace may be cleaning up at the same time: a vanished file is fine.
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}
