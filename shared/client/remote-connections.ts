// The remote side of every Node client face (MCP remote mode, sheet sync): one paced RemoteClient per API
// connection resolved from the §16 settings, so each call goes to its API's own host with its own credential.

import type { AnyEndpoint, Family } from "../catalog/define.ts";
import { Unauthorized } from "../errors.ts";
import { FAMILIES, FAMILY_NAMES, resolveConnections, type ConnectionSettingsMap } from "./connections.ts";
import { remoteClientFor, type CallOptions, type RemoteClient, type RemoteClientOptions } from "./remote.ts";

type ClientOptions = Omit<RemoteClientOptions, "baseUrl" | "credentials" | "login" | "credentialSettings">;

export class RemoteConnections {
  private constructor(
    /** Each API's client, or the sentence naming the setting it lacks. */
    private readonly byFamily: Record<Family, RemoteClient | string>,
    /** Where each API goes, for a start-up line (no secrets). */
    readonly targets: Record<Family, string>,
  ) {}

  /**
   * Clients for the settings. APIs with the same host and credential share one client, so one credential
   * has one pace (a Metrigate server counts a key's Taprain and CDP calls together). Throws for a
   * malformed URL; an API without its settings answers each call with the sentence naming them.
   */
  static fromSettings(settings: ConnectionSettingsMap, options: ClientOptions = {}): RemoteConnections {
    const outcomes = resolveConnections(settings);
    const shared = new Map<string, RemoteClient>();
    const byFamily = {} as Record<Family, RemoteClient | string>;
    const targets = {} as Record<Family, string>;
    for (const family of FAMILIES) {
      const outcome = outcomes[family];
      if (!outcome.ok) {
        byFamily[family] = outcome.problem;
        targets[family] = `${FAMILY_NAMES[family]}: not configured`;
        continue;
      }
      const { connection } = outcome;
      const key = JSON.stringify([connection.url, connection.credentials, connection.login ?? null]);
      const client = shared.get(key) ?? remoteClientFor(connection, options);
      shared.set(key, client);
      byFamily[family] = client;
      targets[family] = `${FAMILY_NAMES[family]}: ${connection.url} (${connection.credentialSettings})`;
    }
    return new RemoteConnections(byFamily, targets);
  }

  /** The sentences of the APIs that cannot be called, naming the settings they lack. */
  problems(): string[] {
    return FAMILIES.map((family) => this.byFamily[family]).filter((c): c is string => typeof c === "string");
  }

  /**
   * The endpoint's JSON body from its API's host; a MetrigateError with the host's sentence otherwise.
   * `options` (progress while waiting for the rate limit, cancellation) go to the API's client.
   */
  async call(endpoint: AnyEndpoint, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    const client = this.byFamily[endpoint.family];
    if (typeof client === "string") throw new Unauthorized(client);
    return client.call(endpoint, params, options);
  }

  async close(): Promise<void> {
    const clients = new Set(Object.values(this.byFamily).filter((c): c is RemoteClient => typeof c !== "string"));
    for (const client of clients) await client.close();
  }
}
