// `metrigate mcp` as a connector to the vendors' own hosts (CONTRACT §16): a child process configured only
// by the per-API environment variables, driven over stdio by the official SDK client (which checks each
// structuredContent against the tool's outputSchema), against the vendor test server.

import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { endpointByName } from "../shared/catalog/index.ts";
import { asStructured, callTool, textOf } from "./support/mcp.ts";
import { startVendorServers, vendorSettings, type VendorServers } from "./support/vendor-server.ts";

const cli = join(import.meta.dirname, "..", "bin", "metrigate.mjs");

describe("metrigate mcp against the three vendors' hosts", () => {
  let vendors: VendorServers;
  let client: Client;
  let stderr = "";

  beforeAll(async () => {
    vendors = await startVendorServers();
    // Only PATH and the per-API settings: no METRIGATE_URL, no database, no flags.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, "mcp"],
      env: { PATH: process.env.PATH ?? "", ...vendorSettings(vendors) },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    client = new Client({ name: "metrigate-vendor-test", version: "1.0.0" });
    await client.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await client.close();
    await vendors.close();
  });

  test("every documented read tool returns the seed example's numbers, Tapemetric through one login", async () => {
    const { tools } = await client.listTools();
    const called: string[] = [];
    for (const tool of tools) {
      const endpoint = endpointByName(tool.name);
      const example = endpoint && vendors.examples.find((e) => e.family === endpoint.family && e.method === endpoint.method && e.path === endpoint.path);
      if (!example) continue;
      // callTool validates structuredContent against the listed outputSchema; a mismatch throws here.
      const result = await callTool(client, tool.name, {});
      expect(result.isError ?? false, `${tool.name}: ${textOf(result)}`).toBe(false);
      expect(result.structuredContent, tool.name).toEqual(asStructured(example.body));
      called.push(tool.name);
    }
    expect(called).toHaveLength(vendors.examples.length);
    expect(called).toEqual(expect.arrayContaining(["tapemetric_overview", "taprain_stats", "cdp_segments", "cdp_copilot"]));
    expect(vendors.logins()).toBe(1);
    const tapemetric = vendors.requests.filter((r) => r.family === "tapemetric");
    expect(tapemetric[0]).toMatchObject({ method: "POST", path: "/v1/auth/login", status: 200 });
    expect(tapemetric.slice(1).every((r) => r.status === 200)).toBe(true);
    // The start-up line says where each API goes and which settings, never a secret.
    expect(stderr).toContain(`Taprain: ${vendors.taprain.url} (METRIGATE_TAPRAIN_API_KEY)`);
    expect(stderr).toContain(`Tapemetric: ${vendors.tapemetric.url} (METRIGATE_TAPEMETRIC_EMAIL and METRIGATE_TAPEMETRIC_PASSWORD)`);
    for (const secret of [vendors.taprain.apiKey, vendors.cdp.apiKey, vendors.tapemetric.password]) expect(stderr).not.toContain(secret);
  });

  test("the seed's figures come through as numbers a client reads: Taprain today's revenue, CDP copilot total", async () => {
    const stats = (await callTool(client, "taprain_stats", { range: "today" })).structuredContent as { data: { summary: { revenue: number; leads: number } } };
    expect(stats.data.summary).toMatchObject({ revenue: 138.24, leads: 27 });
    const copilot = (await callTool(client, "cdp_copilot", {})).structuredContent as { total: number };
    expect(copilot.total).toBe(142);
  });

  test("a bad argument comes back as isError with the vendor's own message", async () => {
    const taprain = await callTool(client, "taprain_stats", { range: "custom", start: "2024-01-01", end: "2026-01-01" });
    expect(taprain.isError).toBe(true);
    expect(textOf(taprain)).toBe("Date range too large: max 365 days.");
    const tapemetric = await callTool(client, "tapemetric_geo", { range: "1y" });
    expect(tapemetric.isError).toBe(true);
    expect(textOf(tapemetric)).toBe("Unsupported range '1y'. Use one of 24h | 7d | 30d | qtd.");
  });

  test("an expired Tapemetric token is replaced by one fresh login, invisibly to the client", async () => {
    const before = vendors.logins();
    vendors.expireTokens();
    const result = await callTool(client, "tapemetric_devices", { limit: 5 });
    expect(result.isError ?? false, textOf(result)).toBe(false);
    expect(result.structuredContent).toEqual({ result: [{ device: "tv", sessions: 5840000, share_pct: 42 }, { device: "mobile", sessions: 5010000, share_pct: 36 }] });
    expect(vendors.logins()).toBe(before + 1);
  });
});
