// Workspaces, users, API keys, tokens and sessions on ClickHouse (CONTRACT §4, §14): the same operations
// on a DuckDB store and on the real ClickHouse engine (chdb over HTTP) give the same answers; the shared
// secret's fingerprint; `copyAccounts` moves credentials that then verify on ClickHouse, repeatably.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../shared/auth/accounts.ts";
import { deriveKeys } from "../../shared/auth/secrets.ts";
import { claimSharedSecret } from "../../shared/auth/shared-secret.ts";
import { fixedClock } from "../../shared/clock.ts";
import { ClickHouseStore } from "../../shared/store/clickhouse.ts";
import { copyAccounts } from "../../shared/store/copy.ts";
import { DuckDbStore } from "../../shared/store/duckdb.ts";
import type { Store } from "../../shared/store/store.ts";
import { startClickHouseHttp, type ClickHouseHttp } from "../support/clickhouse-http.ts";

let dir: string;
let engine: ClickHouseHttp;
let house: ClickHouseStore;
let duck: DuckDbStore;
const keys = deriveKeys("accounts-test-secret-0123456789abcdef");
const clock = fixedClock("2026-03-18T15:30:00Z");
const later = fixedClock("2026-03-18T23:30:01Z");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-ch-accounts-"));
  engine = await startClickHouseHttp({ dataDir: join(dir, "engine"), user: "metrigate", password: "s3cret" });
  for (const db of ["accounts_a", "accounts_b"]) await engine.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  house = await ClickHouseStore.open({ url: engine.url, user: "metrigate", password: "s3cret", database: "accounts_a" });
  duck = await DuckDbStore.open(":memory:");
});

afterAll(async () => {
  await house?.close();
  await duck?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every account operation a product surface uses, with what each answered (random values masked). */
async function transcript(store: Store): Promise<unknown[]> {
  const seen: unknown[] = [];
  const accounts = new Accounts(store, keys, clock);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: Error) => `${e.constructor.name}: ${e.message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "<jti>")}`,
    );
  seen.push(await accounts.createWorkspace("acme", { plan: "growth", name: "Acme" }));
  seen.push(await accounts.createWorkspace("beta"));
  seen.push(await failure(accounts.createWorkspace("acme")));
  seen.push(await accounts.findWorkspace("acme"), await accounts.findWorkspace("nope"));
  seen.push(await accounts.createUser("acme", "Ana@Example.com", "correct horse"));
  seen.push(await failure(accounts.createUser("beta", "ana@example.com", "another one")));
  seen.push((await accounts.authenticateUser("ana@example.com", "correct horse")).workspace.id);
  seen.push(await failure(accounts.authenticateUser("ana@example.com", "wrong horse")));

  const first = await accounts.createApiKey("acme");
  const writeKey = await accounts.createApiKey("acme", "write");
  seen.push((await accounts.verifyApiKey(first)).scope, (await accounts.verifyApiKey(writeKey)).scope);
  seen.push((await accounts.currentApiKey("acme")) === first);
  const session = await accounts.startSession("acme", "ana@example.com");
  const other = await accounts.startSession("acme", "ana@example.com");
  seen.push(await accounts.findSession(session.value), session.expiresAt.toISOString());
  const regenerated = await accounts.regenerateApiKey("acme", session.value);
  seen.push(await failure(accounts.verifyApiKey(first)), (await accounts.verifyApiKey(regenerated)).workspace.id);
  seen.push((await accounts.currentApiKey("acme")) === regenerated, (await accounts.verifyApiKey(writeKey)).scope);
  seen.push(await accounts.findSession(session.value), await accounts.findSession(other.value));
  await accounts.endSession(session.value);
  seen.push(await accounts.findSession(session.value));

  const token = await accounts.issueServiceToken("acme", "etl");
  const second = await accounts.issueServiceToken("acme", "sheets");
  seen.push((await accounts.verifyToken(token.token)).subject);
  await accounts.revokeToken(token.jti);
  seen.push(await failure(accounts.verifyToken(token.token)), (await accounts.verifyToken(second.token)).credentialId === `jwt:${second.jti}`);
  seen.push(await failure(accounts.revokeToken(second.jti, "beta")));
  const listed = await accounts.listServiceTokens("acme");
  // Issued in the same second: their order is by jti, which is random.
  seen.push(listed.map((t) => ({ ...t, jti: t.jti === token.jti ? "first" : "second" })).sort((a, b) => a.name.localeCompare(b.name)));

  const third = await accounts.startSession("acme", "ana@example.com");
  seen.push(await accounts.setSuspended("acme", true), await accounts.workspaceIds(true), await accounts.workspaceIds(false));
  seen.push(await accounts.findSession(third.value), await failure(accounts.login("ana@example.com", "correct horse")));
  seen.push(await accounts.setSuspended("acme", false));
  const expiring = await accounts.startSession("beta", "someone@example.com");
  seen.push(await new Accounts(store, keys, later).findSession(expiring.value));
  return seen;
}

describe("accounts on ClickHouse", () => {
  test("every operation answers as on DuckDB", async () => {
    const onDuckDb = await transcript(duck);
    const onClickHouse = await transcript(house);
    expect(onClickHouse).toEqual(onDuckDb);
    // Spot checks that the transcript says what it should.
    expect(onDuckDb[2]).toBe('InvalidInput: Workspace "acme" already exists.');
    expect(onDuckDb).toContain("Unauthorized: The API key is invalid.");
    expect(onDuckDb).toContain("Unauthorized: The token has been revoked.");
    expect(onDuckDb).toContain("NotFound: No token with jti <jti>.");
    expect(onDuckDb.at(-1)).toBeUndefined();
  });

  test("a second server with another secret is refused; the same secret is accepted", async () => {
    await claimSharedSecret(house, keys.fingerprint);
    await claimSharedSecret(house, deriveKeys("accounts-test-secret-0123456789abcdef").fingerprint);
    await expect(claimSharedSecret(house, deriveKeys("another-secret").fingerprint)).rejects.toThrow(/^METRIGATE_SECRET: this server's secret differs/);
  });

  test("copied credentials verify on ClickHouse; a second copy replaces, and a change made on ClickHouse wins", async () => {
    const source = await DuckDbStore.open(":memory:");
    const target = await ClickHouseStore.open({ url: engine.url, user: "metrigate", password: "s3cret", database: "accounts_b" });
    try {
      const onDuck = new Accounts(source, keys, clock);
      await onDuck.createWorkspace("moving");
      await onDuck.createUser("moving", "ops@example.com", "long enough");
      const key = await onDuck.createApiKey("moving");
      const kept = await onDuck.issueServiceToken("moving", "etl");
      const revoked = await onDuck.issueServiceToken("moving", "old");
      await onDuck.revokeToken(revoked.jti);
      expect(await copyAccounts(source, target)).toEqual({ mg_workspaces: 1, mg_users: 1, mg_api_keys: 1, mg_tokens: 2, mg_oauth_clients: 0, mg_oauth_grants: 0, mg_oauth_refresh_tokens: 0 });

      const onHouse = new Accounts(target, keys, clock);
      expect((await onHouse.verifyApiKey(key)).workspace).toEqual({ id: "moving", name: "moving", plan: "starter", suspended: false });
      expect((await onHouse.verifyToken(kept.token)).subject).toBe("service:etl");
      await expect(onHouse.verifyToken(revoked.token)).rejects.toThrow("The token has been revoked.");
      expect((await onHouse.authenticateUser("ops@example.com", "long enough")).workspace.id).toBe("moving");

      await onHouse.revokeToken(kept.jti);
      await onDuck.setSuspended("moving", true);
      await copyAccounts(source, target);
      const fresh = new Accounts(target, keys, clock);
      await expect(fresh.verifyToken(kept.token)).rejects.toThrow("The token has been revoked.");
      expect(await fresh.findWorkspace("moving")).toMatchObject({ suspended: true });
      const counts = await target.query<{ n: number }>("SELECT count() AS n FROM mg_tokens FINAL");
      expect(counts).toEqual([{ n: 2 }]);
    } finally {
      await source.close();
      await target.close();
    }
  });
});
