// What kind of Apps Script execution is running: custom functions get a read-only view of the services
// (no property writes, no triggers, no UI, no sheet edits), as in Sheets; menus, sidebars and triggers get all.

export type ExecutionKind = "custom-function" | "full";

export class Execution {
  kind: ExecutionKind = "full";

  /** Throws Apps Script's permission error when a custom function calls a service it may not. */
  requireFull(method: string): void {
    if (this.kind === "custom-function") {
      throw new Error(`Exception: You do not have permission to call ${method}. Custom functions cannot change anything.`);
    }
  }
}
