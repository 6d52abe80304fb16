// The add-on's top-level functions other than the custom functions: Apps Script only calls top-level
// declarations (menus, triggers, google.script.run), so the build writes a stub for each of these.

export interface EntryPoint {
  name: string;
  params: string[];
  doc: string;
}

export const ENTRY_POINTS: readonly EntryPoint[] = [
  { name: "onOpen", params: ["e"], doc: "Adds the Metrigate menu when the spreadsheet opens." },
  { name: "onInstall", params: ["e"], doc: "Adds the Metrigate menu right after the add-on is installed." },
  { name: "showSidebar", params: [], doc: "Menu: opens the settings and reports sidebar." },
  { name: "refreshAllReports", params: [], doc: "Menu: rewrites every saved report now." },
  { name: "runHourlyReports", params: ["e"], doc: "Time-driven trigger: rewrites the hourly reports." },
  { name: "runDailyReports", params: ["e"], doc: "Time-driven trigger: rewrites the daily reports." },
  { name: "getSidebarState", params: [], doc: "Sidebar: settings (secrets only as set/unset), reports and functions." },
  { name: "saveSettings", params: ["form"], doc: "Sidebar: stores the connection settings (CONTRACT §16) in the owner's user properties." },
  { name: "testConnection", params: ["family"], doc: "Sidebar: tests one API's connection (or all three) and says what worked." },
  { name: "saveReport", params: ["report"], doc: "Sidebar: adds or replaces a saved report." },
  { name: "deleteReport", params: ["name"], doc: "Sidebar: deletes a saved report." },
  { name: "stopSchedule", params: ["schedule"], doc: "Sidebar: stops the hourly or daily refresh; its reports stay, to run on demand." },
  { name: "runReportNow", params: ["name"], doc: "Sidebar: runs one saved report now." },
];
