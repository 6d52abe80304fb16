// The connection settings (CONTRACT §16) in user properties under their §16 names — never in the sheet —
// and who may set them. Custom functions read the spreadsheet owner's user properties whoever recalculates,
// so the owner connects for everyone: an editor's save is refused with a sentence saying so.

import {
  CONNECTION_SETTINGS,
  FAMILIES,
  hasRemoteUrl,
  resolveConnection,
  resolveConnections,
  SECRET_SETTINGS,
  type Connection,
  type ConnectionSetting,
  type ConnectionSettingsMap,
} from "../../shared/client/connections.ts";
import type { Family } from "../../shared/catalog/define.ts";
import type { AppsScript } from "./apps-script.ts";

export type SettingsMode = "simple" | "per-api";

/** The settings of the simple mode (one Metrigate server); every other §16 setting belongs to per-API mode. */
const SIMPLE_SETTINGS: readonly ConnectionSetting[] = ["METRIGATE_URL", "METRIGATE_API_KEY", "METRIGATE_TOKEN"];

export const NOT_CONNECTED =
  "Metrigate is not connected: the spreadsheet's owner opens the Metrigate menu ▸ Settings and reports, and enters a server URL.";

/** Who is at the sidebar, and whose settings formulas use. */
export interface Who {
  /** The user running this execution ("" when Google does not say). */
  user: string;
  /** The spreadsheet's owner; null for a spreadsheet in a shared drive (Drive names no owner). */
  owner: string | null;
  /** True when this user's settings are the ones formulas and scheduled refreshes use. */
  isOwner: boolean;
}

/** What the sidebar may show: non-secret values, and for secrets only whether each is set. */
export interface SettingsView {
  mode: SettingsMode;
  values: Partial<Record<ConnectionSetting, string>>;
  secretsSet: Partial<Record<ConnectionSetting, boolean>>;
  who: Who;
  /** One sentence on whose settings formulas use. */
  whose: string;
}

export interface SettingsForm {
  mode?: SettingsMode;
  /** Values by §16 name. An empty or absent secret keeps the stored one; an empty URL or email removes it. */
  values?: Partial<Record<string, string>>;
  /** Secrets to remove. */
  clear?: string[];
}

export function whoIsHere(gas: AppsScript): Who {
  const user = gas.Session.getEffectiveUser().getEmail();
  const owner = gas.SpreadsheetApp.getActiveSpreadsheet().getOwner()?.getEmail() ?? null;
  // In a shared drive there is no owner to defer to: whoever connects is taken at their word.
  return { user, owner, isOwner: owner === null || owner === user };
}

function whoseSentence(who: Who): string {
  if (who.owner === null) {
    return "This spreadsheet is in a shared drive, which has no owner: formulas use the settings of whoever set up the script; scheduled refreshes use the settings of whoever saved them.";
  }
  if (who.isOwner) return "You own this spreadsheet: formulas and scheduled refreshes use your settings, for everyone who opens it.";
  return `Formulas and scheduled refreshes use the settings of the spreadsheet's owner, ${who.owner}. Only they can connect or change them; your own settings would not be used.`;
}

/** The stored §16 settings, read with one call (each read is a round trip in Apps Script). */
export function readSettings(gas: AppsScript): ConnectionSettingsMap {
  const all = gas.PropertiesService.getUserProperties().getProperties();
  const settings: Record<string, string> = {};
  for (const name of CONNECTION_SETTINGS) {
    const value = all[name]?.trim();
    if (value) settings[name] = value;
  }
  return settings;
}

/** The connection an API's call uses, or an Error whose message names the missing setting. */
export function connectionOf(settings: ConnectionSettingsMap, family: Family): Connection {
  if (!hasRemoteUrl(settings)) throw new Error(NOT_CONNECTED);
  const outcome = resolveConnection(settings, family);
  if (!outcome.ok) throw new Error(outcome.problem);
  return outcome.connection;
}

function modeOf(settings: ConnectionSettingsMap): SettingsMode {
  return Object.keys(settings).some((name) => !SIMPLE_SETTINGS.includes(name as ConnectionSetting)) ? "per-api" : "simple";
}

export function viewSettings(gas: AppsScript): SettingsView {
  const who = whoIsHere(gas);
  const settings = readSettings(gas);
  const values: SettingsView["values"] = {};
  const secretsSet: SettingsView["secretsSet"] = {};
  for (const name of CONNECTION_SETTINGS) {
    if (SECRET_SETTINGS.includes(name)) secretsSet[name] = settings[name] !== undefined;
    else if (settings[name] !== undefined) values[name] = settings[name];
  }
  return { mode: modeOf(settings), values, secretsSet, who, whose: whoseSentence(who) };
}

/**
 * Stores the form's settings for the mode it is in, and removes the other mode's (so nothing hidden keeps
 * overriding what the sidebar shows). Nothing is stored unless every URL is well-formed.
 */
export function saveSettings(gas: AppsScript, form: SettingsForm): SettingsView {
  const who = whoIsHere(gas);
  if (!who.isOwner) {
    throw new Error(`Only the spreadsheet's owner, ${who.owner}, can connect Metrigate: formulas and scheduled refreshes use the owner's settings. Ask them to open Metrigate ▸ Settings and reports.`);
  }
  const mode: SettingsMode = form.mode === "per-api" ? "per-api" : "simple";
  const inMode = (name: ConnectionSetting) => SIMPLE_SETTINGS.includes(name) === (mode === "simple");
  const stored = readSettings(gas);
  const next: Record<string, string> = {};
  for (const name of CONNECTION_SETTINGS.filter(inMode)) {
    const given = (form.values?.[name] ?? "").trim();
    const secret = SECRET_SETTINGS.includes(name);
    if (secret && form.clear?.includes(name)) continue;
    const value = given !== "" ? given : secret ? stored[name] : undefined;
    if (value !== undefined) next[name] = name.endsWith("_URL") ? value.replace(/\/+$/, "") : value;
  }
  if (!hasRemoteUrl(next)) {
    throw new Error(mode === "simple" ? "Enter the Metrigate server URL, e.g. https://metrigate.example.com." : "Enter the URL of at least one API.");
  }
  // Throws, naming the setting, for a URL that is not http(s) or that carries a password.
  resolveConnections(next);
  const props = gas.PropertiesService.getUserProperties();
  for (const name of CONNECTION_SETTINGS) {
    if (next[name] !== undefined) props.setProperty(name, next[name]);
    else if (stored[name] !== undefined) props.deleteProperty(name);
  }
  return viewSettings(gas);
}

/** Per API: its connection, or the sentence saying what is missing (for the sidebar's Test buttons). */
export function connectionsOf(settings: ConnectionSettingsMap): Record<Family, Connection | string> {
  const resolved = resolveConnections(settings);
  return Object.fromEntries(
    FAMILIES.map((family) => {
      const outcome = resolved[family];
      if (!hasRemoteUrl(settings)) return [family, NOT_CONNECTED];
      return [family, outcome.ok ? outcome.connection : outcome.problem];
    }),
  ) as Record<Family, Connection | string>;
}
