// Client ID Metadata Documents: an OAuth client whose client_id is an HTTPS URL publishes its metadata
// there, and this server fetches it. The URL is the client's choice, so the fetch is an SSRF risk: only
// https, only public addresses (checked after DNS resolution, and the connection goes to the address
// checked), no redirects, a few kilobytes, a few seconds; documents are cached.

import { lookup } from "node:dns/promises";
import { request } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { rootCertificates } from "node:tls";
import { OAuthClientMetadataSchema } from "@modelcontextprotocol/core";
import NodeCache from "node-cache";
import { z } from "zod";

export interface ClientDocument {
  clientId: string;
  clientName: string;
  redirectUris: string[];
}

export interface ClientDocumentOptions {
  /** Also accept loopback addresses (127.0.0.0/8, ::1): for tests with a local HTTPS host, never in production. */
  allowLoopback?: boolean;
  /** PEM certificates trusted besides the public roots (a private CA, or a test host's own certificate). */
  extraCa?: string;
  timeoutMs?: number;
}

/** The spec suggests servers accept documents of at least 5 kB; twice that leaves room for long redirect lists. */
export const MAX_DOCUMENT_BYTES = 10 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_SECONDS = 300;
const MIN_CACHE_SECONDS = 60;
const MAX_CACHE_SECONDS = 24 * 3600;
const MAX_CACHED_DOCUMENTS = 1_000;

/** Why a client_id URL was refused; the sentence is safe to show the user and the client. */
export class ClientDocumentError extends Error {}

/** Addresses no client document may live at: private, loopback, link-local, shared, multicast, reserved. */
function nonPublicAddresses(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [
    ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
    ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
    ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
  ] as const) list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of [
    ["::", 128], ["::1", 128], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
  ] as const) list.addSubnet(net, prefix, "ipv6");
  return list;
}

const LOOPBACK = (() => {
  const list = new BlockList();
  list.addSubnet("127.0.0.0", 8, "ipv4");
  list.addAddress("::1", "ipv6");
  return list;
})();

/** The URL as a client_id: https, a path, no credentials, fragment or dot segments. */
export function clientIdUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientDocumentError(`client_id "${value}" is neither a registered client nor a URL.`);
  }
  const raw = value.replace(/^https:\/\/[^/]*/i, "");
  if (url.protocol !== "https:") throw new ClientDocumentError("A URL client_id must use https.");
  if (url.username || url.password || url.hash || value.includes("#")) throw new ClientDocumentError("A URL client_id may carry no credentials and no fragment.");
  if (url.pathname === "/" || /(^|\/)\.\.?(\/|$)/.test(raw.split("?")[0])) throw new ClientDocumentError("A URL client_id needs a path without . or .. segments.");
  return url;
}

function cacheSeconds(cacheControl: string | undefined): number {
  if (cacheControl && /\bno-store\b/.test(cacheControl)) return 0;
  const maxAge = cacheControl ? /\bmax-age=(\d+)/.exec(cacheControl) : null;
  const seconds = maxAge ? Number(maxAge[1]) : DEFAULT_CACHE_SECONDS;
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

export class ClientDocuments {
  private readonly blocked = nonPublicAddresses();
  private readonly cache = new NodeCache({ useClones: false, checkperiod: 600 });
  private readonly ca: string[] | undefined;

  constructor(private readonly options: ClientDocumentOptions = {}) {
    this.ca = options.extraCa ? [...rootCertificates, options.extraCa] : undefined;
  }

  private allowed(address: string): boolean {
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (this.options.allowLoopback && LOOPBACK.check(address, family)) return true;
    return !this.blocked.check(address, family);
  }

  /** The client's metadata, from the cache or fetched now. */
  async resolve(clientId: string): Promise<ClientDocument> {
    const known = this.cache.get<ClientDocument>(clientId);
    if (known) return known;
    const url = clientIdUrl(clientId);
    const { body, cacheControl } = await this.fetch(url);
    const document = this.validate(clientId, body);
    const ttl = cacheSeconds(cacheControl);
    if (ttl > 0 && this.cache.keys().length < MAX_CACHED_DOCUMENTS) this.cache.set(clientId, document, ttl);
    return document;
  }

  private async fetch(url: URL): Promise<{ body: string; cacheControl: string | undefined }> {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: { address: string; family: number }[];
    try {
      addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new ClientDocumentError(`The client_id host ${host} does not resolve.`);
    }
    const refused = addresses.find((a) => !this.allowed(a.address));
    if (refused || addresses.length === 0) throw new ClientDocumentError(`The client_id host ${host} is not a public address; client documents are fetched from public hosts only.`);
    const pinned = addresses[0];
    // The connection goes to the address just checked, whatever a second DNS answer would say.
    const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
      else callback(null, pinned.address, pinned.family);
    };
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: "GET",
          headers: { accept: "application/json" },
          lookup: pinnedLookup,
          servername: isIP(host) ? undefined : host,
          ca: this.ca,
          timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new ClientDocumentError(`The client metadata document at ${url.href} answered HTTP ${res.statusCode ?? "?"} (redirects are not followed).`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_DOCUMENT_BYTES) {
              req.destroy();
              reject(new ClientDocumentError(`The client metadata document at ${url.href} is larger than ${MAX_DOCUMENT_BYTES} bytes.`));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () => resolve({ body: Buffer.concat(chunks).toString("utf8"), cacheControl: res.headers["cache-control"] }));
          res.on("error", () => reject(new ClientDocumentError(`The client metadata document at ${url.href} could not be read.`)));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) =>
        reject(new ClientDocumentError(`The client metadata document at ${url.href} could not be fetched (${e.message === "timeout" || e.name === "AbortError" ? "timed out" : e.message}).`)),
      );
      req.end();
    });
  }

  private validate(clientId: string, body: string): ClientDocument {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ClientDocumentError(`The client metadata document at ${clientId} is not JSON.`);
    }
    const parsed = OAuthClientMetadataSchema.extend({ client_id: z.string() }).safeParse(json);
    if (!parsed.success) throw new ClientDocumentError(`The client metadata document at ${clientId} is not valid client metadata.`);
    const metadata = parsed.data;
    if (metadata.client_id !== clientId) throw new ClientDocumentError(`The client metadata document at ${clientId} names another client_id.`);
    if (metadata.redirect_uris.length === 0) throw new ClientDocumentError(`The client metadata document at ${clientId} lists no redirect_uris.`);
    if ((metadata.token_endpoint_auth_method ?? "none") !== "none" || (json !== null && typeof json === "object" && "client_secret" in json)) {
      throw new ClientDocumentError(`The client at ${clientId} must be a public client (token_endpoint_auth_method "none", no client_secret).`);
    }
    return { clientId, clientName: metadata.client_name ?? new URL(clientId).host, redirectUris: metadata.redirect_uris };
  }
}
