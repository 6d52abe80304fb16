// GET /v1/analytics/export/{workspace}/{file}?expires=&sig= (CONTRACT §9.7): serves an exported Parquet
// file to whoever holds its signed link — the link is the credential, so no token is asked for.

import { createReadStream } from "node:fs";
import type { FastifyInstance } from "fastify";
import { DOWNLOAD_ROUTE } from "../../shared/export/signed-url.ts";
import { originOf } from "../../shared/export/parquet-exports.ts";
import type { Runtime } from "../../shared/runtime.ts";
import type { RouteTable } from "../route-table.ts";

export function registerExportDownloadRoute(app: FastifyInstance, runtime: Runtime, routes: RouteTable): void {
  // Links name the address the server really listens on (port 0 picks one at listen time).
  app.addHook("onListen", async () => {
    const address = app.server.address();
    if (typeof address === "object" && address) runtime.exports.listeningAt(originOf(address.address, address.port));
  });
  routes.add("GET", DOWNLOAD_ROUTE);
  // Downloads close their connection when done: a kept-alive socket that finishes streaming after the
  // server began closing would hold the shutdown open until the keep-alive timeout.
  app.get<{ Params: { workspace: string; file: string }; Querystring: Record<string, unknown> }>(DOWNLOAD_ROUTE, async (request, reply) => {
    const { path, size } = await runtime.exports.open({ ...request.params, expires: request.query.expires, sig: request.query.sig });
    return reply
      .type("application/vnd.apache.parquet")
      .header("Content-Length", String(size))
      .header("Content-Disposition", `attachment; filename="${request.params.file}"`)
      .header("Cache-Control", "private, no-store")
      .header("Connection", "close")
      .send(createReadStream(path));
  });
}
