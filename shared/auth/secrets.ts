// The server secret and the keys derived from it: JWT signing, API-key digests, key encryption, URL signing,
// OAuth access tokens.

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidInput } from "../errors.ts";

export interface Keys {
  jwt: Uint8Array;
  digest: Buffer;
  encryption: Buffer;
  urls: Buffer;
  /** Signs OAuth access tokens for /mcp: a key of their own, so they are never valid API JWTs. */
  oauthAccess: Uint8Array;
  /** Names the secret without revealing it: servers sharing one ClickHouse database compare it (shared-secret.ts). */
  fingerprint: string;
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "metrigate", purpose, 32));
}

export function deriveKeys(secret: string): Keys {
  return {
    jwt: new Uint8Array(derive(secret, "jwt-hs256")),
    digest: derive(secret, "api-key-digest"),
    encryption: derive(secret, "api-key-encryption"),
    urls: derive(secret, "signed-urls"),
    oauthAccess: new Uint8Array(derive(secret, "oauth-access-token")),
    fingerprint: derive(secret, "fingerprint").toString("hex"),
  };
}

/**
 * METRIGATE_SECRET when set; otherwise a random secret kept beside the database file (mode 0600),
 * created on first start. An in-memory database gets a secret that lives as long as the process.
 * `duckdbFile` (the database is that DuckDB file; `existed`: before this start) adds the file's own
 * rule: keys and tokens work only with the secret they were made with, so a start that would quietly
 * switch secrets is refused — a METRIGATE_SECRET other than the kept one, or none for a database made
 * with one (no secret file beside it).
 */
export function loadSecret(envSecret: string | undefined, dbPath: string, duckdbFile?: { existed: boolean }): string {
  if (dbPath === ":memory:") return envSecret || randomBytes(32).toString("base64url");
  const file = `${dbPath}.secret`;
  const kept = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  if (envSecret) {
    if (duckdbFile && kept !== undefined && !constantTimeEqual(kept, envSecret)) {
      throw new InvalidInput(
        `METRIGATE_SECRET differs from the secret kept beside this database (${file}); unset METRIGATE_SECRET, or set it ` +
          `to that file's contents, or, if the keys and tokens were made with this METRIGATE_SECRET, remove that stray file.`,
      );
    }
    return envSecret;
  }
  if (kept !== undefined) return kept;
  if (duckdbFile?.existed) {
    throw new InvalidInput(`METRIGATE_SECRET is not set and ${file} does not exist, yet the database does: its keys and tokens were made with a METRIGATE_SECRET; set it again.`);
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}

export function hmacHex(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value).digest("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** AES-256-GCM; the output is iv.tag.ciphertext in base64url. */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

export function decrypt(key: Buffer, sealed: string): string {
  const [iv, tag, body] = sealed.split(".").map((part) => Buffer.from(part, "base64url"));
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
}
