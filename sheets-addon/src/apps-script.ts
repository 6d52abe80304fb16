// The slice of the Apps Script services the add-on uses, typed, and where they come from at run time (the
// script's global scope). Everything else takes them as a parameter, so nothing reaches for globals.

export interface HttpResponse {
  getResponseCode(): number;
  getContentText(): string;
  getHeaders(): Record<string, string | string[]>;
}

export interface UrlFetchOptions {
  method?: "get" | "post";
  headers?: Record<string, string>;
  contentType?: string;
  payload?: string;
  muteHttpExceptions?: boolean;
  followRedirects?: boolean;
}

export interface Cache {
  get(key: string): string | null;
  getAll(keys: string[]): Record<string, string>;
  put(key: string, value: string, expirationInSeconds?: number): void;
  putAll(values: Record<string, string>, expirationInSeconds?: number): void;
  remove(key: string): void;
}

export interface Lock {
  tryLock(timeoutInMillis: number): boolean;
  releaseLock(): void;
}

export interface Properties {
  getProperty(key: string): string | null;
  getProperties(): Record<string, string>;
  setProperty(key: string, value: string): Properties;
  deleteProperty(key: string): Properties;
}

export interface Range {
  setValues(values: unknown[][]): Range;
  clearContent(): Range;
}

export interface Sheet {
  getName(): string;
  getRange(row: number, column: number, numRows?: number, numColumns?: number): Range;
  getMaxRows(): number;
  getMaxColumns(): number;
  getLastRow(): number;
  insertRowsAfter(afterPosition: number, howMany: number): Sheet;
  insertColumnsAfter(afterPosition: number, howMany: number): Sheet;
  deleteRows(rowPosition: number, howMany: number): void;
  appendRow(rowContents: unknown[]): Sheet;
  setFrozenRows(rows: number): void;
}

export interface Spreadsheet {
  getSheetByName(name: string): Sheet | null;
  insertSheet(name: string): Sheet;
  getSpreadsheetTimeZone(): string;
  /** Null for a spreadsheet in a shared drive. */
  getOwner(): User | null;
  toast(message: string, title?: string, timeoutSeconds?: number): void;
}

export interface Menu {
  addItem(caption: string, functionName: string): Menu;
  addToUi(): void;
}

export interface Ui {
  createMenu(caption: string): Menu;
  showSidebar(userInterface: HtmlOutput): void;
}

export interface HtmlOutput {
  setTitle(title: string): HtmlOutput;
  getContent(): string;
}

export interface User {
  getEmail(): string;
}

export interface Trigger {
  getHandlerFunction(): string;
  getUniqueId(): string;
}

/** The event object of a time-driven trigger: it names the trigger that fired. */
export interface TriggerEvent {
  triggerUid?: string;
}

export interface ClockTriggerBuilder {
  everyHours(n: number): ClockTriggerBuilder;
  everyDays(n: number): ClockTriggerBuilder;
  atHour(hour: number): ClockTriggerBuilder;
  inTimezone(timeZone: string): ClockTriggerBuilder;
  create(): Trigger;
}

export interface AppsScript {
  UrlFetchApp: { fetch(url: string, params?: UrlFetchOptions): HttpResponse };
  CacheService: { getScriptCache(): Cache };
  PropertiesService: { getUserProperties(): Properties; getDocumentProperties(): Properties };
  SpreadsheetApp: { getActiveSpreadsheet(): Spreadsheet; getUi(): Ui };
  HtmlService: { createHtmlOutputFromFile(filename: string): HtmlOutput };
  Session: { getEffectiveUser(): User };
  LockService: { getScriptLock(): Lock };
  ScriptApp: {
    getProjectTriggers(): Trigger[];
    deleteTrigger(trigger: Trigger): void;
    newTrigger(functionName: string): { timeBased(): ClockTriggerBuilder };
  };
  Utilities: {
    sleep(milliseconds: number): void;
    computeDigest(algorithm: unknown, value: string, charset?: unknown): number[];
    base64EncodeWebSafe(data: number[]): string;
    DigestAlgorithm: { SHA_256: unknown };
    Charset: { UTF_8: unknown };
  };
}

/** The services as the script's global scope holds them in Apps Script. */
export function appsScriptGlobals(): AppsScript {
  return globalThis as unknown as AppsScript;
}

/** The build's first statement records when the script started loading (see build.ts). */
export const LOADED_AT_GLOBAL = "MetrigateLoadedAt";

/** When this execution's script started loading: Apps Script's time limits count from (about) then. */
export function executionStartedAt(): number {
  const recorded = (globalThis as Record<string, unknown>)[LOADED_AT_GLOBAL];
  return typeof recorded === "number" ? recorded : Date.now();
}
