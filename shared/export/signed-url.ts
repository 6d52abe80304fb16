// Signed download links for exported files: an HMAC over the workspace, the file and the expiry, checked
// in constant time, so a link opens one file of one workspace until it expires and nothing else.

import { constantTimeEqual, hmacHex } from "../auth/secrets.ts";
import { Forbidden } from "../errors.ts";

/** The download route; the route and the links are both built from it. */
export const DOWNLOAD_ROUTE = "/v1/analytics/export/:workspace/:file";

export interface DownloadLink {
  workspace: string;
  /** The file's name inside the workspace's export folder. */
  file: string;
  /** Unix seconds after which the link no longer works. */
  expires: number;
}

const WORKSPACE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const FILE = /^[0-9a-f]{32}\.parquet$/;
const EXPIRES = /^\d{1,12}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

function signatureOf(key: Buffer, link: DownloadLink): string {
  return hmacHex(key, `tapemetric-export\n${link.workspace}\n${link.file}\n${link.expires}`);
}

/** The path and query of a link (without the origin). */
export function signedPath(key: Buffer, link: DownloadLink): string {
  const path = DOWNLOAD_ROUTE.replace(":workspace", link.workspace).replace(":file", link.file);
  return `${path}?expires=${link.expires}&sig=${signatureOf(key, link)}`;
}

/** The link a request presents, once its signature and expiry are checked; Forbidden otherwise. */
export function verifyLink(
  key: Buffer,
  nowMs: number,
  presented: { workspace: string; file: string; expires: unknown; sig: unknown },
): DownloadLink {
  const { workspace, file, expires, sig } = presented;
  const invalid = new Forbidden("This download link is not valid: it was changed, or it was not issued by this server.");
  if (typeof expires !== "string" || typeof sig !== "string") throw invalid;
  if (!WORKSPACE.test(workspace) || !FILE.test(file) || !EXPIRES.test(expires) || !SIGNATURE.test(sig)) throw invalid;
  const link = { workspace, file, expires: Number(expires) };
  if (!constantTimeEqual(sig, signatureOf(key, link))) throw invalid;
  if (link.expires * 1000 <= nowMs) {
    throw new Forbidden(`This download link expired at ${new Date(link.expires * 1000).toISOString()}; request a new export.`);
  }
  return link;
}
