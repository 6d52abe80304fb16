// A fake Utilities: sleep lets time pass on the harness clock (up to Apps Script's 5 minutes), is
// recorded, and ends the execution when it outlasts the execution's limit; digests come back as Java's
// signed bytes; web-safe Base64 keeps its padding, as Apps Script's does.

import { createHash } from "node:crypto";
import type { Execution } from "./execution.ts";

const ALGORITHMS = { MD5: "md5", SHA_1: "sha1", SHA_256: "sha256", SHA_384: "sha384", SHA_512: "sha512" } as const;
const CHARSETS = { US_ASCII: "US_ASCII", UTF_8: "UTF_8" } as const;

export class FakeUtilities {
  readonly sleeps: number[] = [];
  readonly DigestAlgorithm = ALGORITHMS;
  readonly Charset = CHARSETS;
  private readonly blocker = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly execution: Execution) {}

  sleep(milliseconds: number): void {
    if (!(milliseconds >= 0 && milliseconds <= 300_000)) throw new Error("Exception: Invalid argument: milliseconds (0 to 300000).");
    this.execution.checkTime();
    this.sleeps.push(milliseconds);
    const remaining = this.execution.remainingMs();
    this.execution.clock.pass(Math.min(milliseconds, remaining), this.blocker);
    this.execution.checkTime();
  }

  computeDigest(algorithm: string, value: string | number[], charset: string = CHARSETS.UTF_8): number[] {
    if (!Object.values(ALGORITHMS).includes(algorithm as (typeof ALGORITHMS)[keyof typeof ALGORITHMS])) {
      throw new Error("Invalid argument: algorithm");
    }
    const data = typeof value === "string" ? Buffer.from(value, charset === CHARSETS.US_ASCII ? "ascii" : "utf8") : Buffer.from(value.map((b) => b & 0xff));
    return [...createHash(algorithm).update(data).digest()].map((b) => (b > 127 ? b - 256 : b));
  }

  base64EncodeWebSafe(data: string | number[]): string {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.map((b) => b & 0xff));
    return bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  }

  base64Encode(data: string | number[]): string {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.map((b) => b & 0xff));
    return bytes.toString("base64");
  }
}
