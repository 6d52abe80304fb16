// The connection settings, kept in the user's properties (never in the sheet, CONTRACT §13.2). Custom
// functions read them too: they run with the spreadsheet owner's user properties.

import type { AppsScript } from "./apps-script.ts";

export const SETTING_KEYS = { url: "METRIGATE_URL", apiKey: "METRIGATE_API_KEY", token: "METRIGATE_TOKEN" } as const;

export interface Settings {
  url: string;
  apiKey?: string;
  token?: string;
}

/** What the sidebar may show: the URL, and only whether each secret is set. */
export interface SettingsView {
  url: string;
  apiKeySet: boolean;
  tokenSet: boolean;
}

export interface SettingsForm {
  url?: string;
  /** Empty or absent keeps the stored value. */
  apiKey?: string;
  token?: string;
  clearApiKey?: boolean;
  clearToken?: boolean;
}

function stored(gas: AppsScript, key: string): string | undefined {
  const value = gas.PropertiesService.getUserProperties().getProperty(key);
  return value === null || value === "" ? undefined : value;
}

/** The settings a request needs; a sentence saying how to set them when the URL is missing. */
export function readSettings(gas: AppsScript): Settings {
  const url = stored(gas, SETTING_KEYS.url);
  if (!url) throw new Error("Metrigate is not connected: open the Metrigate menu ▸ Settings and reports, and enter the server URL.");
  return { url, apiKey: stored(gas, SETTING_KEYS.apiKey), token: stored(gas, SETTING_KEYS.token) };
}

export function viewSettings(gas: AppsScript): SettingsView {
  return {
    url: stored(gas, SETTING_KEYS.url) ?? "",
    apiKeySet: stored(gas, SETTING_KEYS.apiKey) !== undefined,
    tokenSet: stored(gas, SETTING_KEYS.token) !== undefined,
  };
}

export function saveSettings(gas: AppsScript, form: SettingsForm): SettingsView {
  const props = gas.PropertiesService.getUserProperties();
  const url = (form.url ?? "").trim().replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s/]+/i.test(url)) throw new Error("The server URL must start with http:// or https://, e.g. https://metrigate.example.com.");
  props.setProperty(SETTING_KEYS.url, url);
  const secrets: [string, string | undefined, boolean | undefined][] = [
    [SETTING_KEYS.apiKey, form.apiKey, form.clearApiKey],
    [SETTING_KEYS.token, form.token, form.clearToken],
  ];
  for (const [key, value, clear] of secrets) {
    if (clear) props.deleteProperty(key);
    else if (value !== undefined && value.trim() !== "") props.setProperty(key, value.trim());
  }
  return viewSettings(gas);
}
