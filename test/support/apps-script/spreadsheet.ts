// A fake SpreadsheetApp: one spreadsheet of named sheets with a fixed grid (1000 × 26 by default) that
// ranges may not leave, setValues that must match the range's size, and a Ui that records menus, sidebars
// and toasts. Sheet edits and UI are refused inside custom functions, as in Sheets. setValues and
// appendRow read strings as typed input, as Sheets does: `=…` becomes a formula, date-like text a date,
// number-like text a number, TRUE/FALSE a boolean — unless the string starts with an apostrophe (kept as
// text, without the apostrophe) or the cell is text-formatted (`@`).

import type { Execution } from "./execution.ts";

type Value = string | number | boolean | Date;

/** A cell's content: its value, and the formula that computes it when it holds one. */
interface Cell {
  value: Value;
  formula?: string;
}

const DATE_LIKE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const NUMBER_LIKE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?%?$/i;

/** What Sheets stores for a value written as if typed into a cell with the given number format. */
export function typedInput(value: Value, numberFormat = ""): Cell {
  if (typeof value !== "string" || value === "" || numberFormat === "@") return { value };
  if (value.startsWith("'")) return { value: value.slice(1) };
  if (value.startsWith("=") && value.length > 1) return { value: "", formula: value };
  const date = DATE_LIKE.exec(value.trim());
  if (date) {
    const [, y, m, d, hh = "0", mm = "0", ss = "0"] = date;
    return { value: new Date(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm), Number(ss)) };
  }
  const trimmed = value.trim();
  if (NUMBER_LIKE.test(trimmed)) return { value: trimmed.endsWith("%") ? Number(trimmed.slice(0, -1)) / 100 : Number(trimmed) };
  if (/^(true|false)$/i.test(trimmed)) return { value: trimmed.toLowerCase() === "true" };
  return { value };
}

function outside(): Error {
  return new Error("Exception: The coordinates of the range are outside the dimensions of the sheet.");
}

export class FakeRange {
  constructor(
    private readonly sheet: FakeSheet,
    readonly row: number,
    readonly column: number,
    readonly numRows: number,
    readonly numColumns: number,
  ) {}

  private grid<T>(read: (row: number, column: number) => T): T[][] {
    return Array.from({ length: this.numRows }, (_, r) => Array.from({ length: this.numColumns }, (_, c) => read(this.row + r, this.column + c)));
  }

  getValues(): Value[][] {
    return this.grid((r, c) => this.sheet.cell(r, c));
  }

  /** Each cell's formula, "" where the cell holds a plain value. */
  getFormulas(): string[][] {
    return this.grid((r, c) => this.sheet.formula(r, c));
  }

  setNumberFormat(format: string): this {
    this.sheet.execution.requireFull("setNumberFormat");
    this.grid((r, c) => this.sheet.setFormat(r, c, format));
    return this;
  }

  setValues(values: Value[][]): this {
    this.sheet.execution.requireFull("setValues");
    if (!Array.isArray(values) || values.length !== this.numRows) {
      throw new Error(`Exception: The number of rows in the data does not match the number of rows in the range. The data has ${Array.isArray(values) ? values.length : 0} but the range has ${this.numRows}.`);
    }
    values.forEach((row, r) => {
      if (row.length !== this.numColumns) {
        throw new Error(`Exception: The number of columns in the data does not match the number of columns in the range. The data has ${row.length} but the range has ${this.numColumns}.`);
      }
      row.forEach((value, c) => this.sheet.type(this.row + r, this.column + c, value));
    });
    return this;
  }

  clearContent(): this {
    this.sheet.execution.requireFull("clearContent");
    for (let r = 0; r < this.numRows; r++) for (let c = 0; c < this.numColumns; c++) this.sheet.write(this.row + r, this.column + c, "");
    return this;
  }
}

export class FakeSheet {
  private readonly cells = new Map<string, Cell>();
  private readonly formats = new Map<string, string>();
  frozenRows = 0;

  constructor(
    readonly execution: Execution,
    private name: string,
    private maxRows = 1000,
    private maxColumns = 26,
  ) {}

  getName(): string {
    return this.name;
  }

  cell(row: number, column: number): Value {
    return this.cells.get(`${row},${column}`)?.value ?? "";
  }

  formula(row: number, column: number): string {
    return this.cells.get(`${row},${column}`)?.formula ?? "";
  }

  setFormat(row: number, column: number, format: string): void {
    this.formats.set(`${row},${column}`, format);
  }

  /** Stores a value as the cell's content, unparsed (clearing, and values that are not strings). */
  write(row: number, column: number, value: Value): void {
    this.store(row, column, { value });
  }

  /** Stores a value as if typed into the cell. */
  type(row: number, column: number, value: Value): void {
    this.store(row, column, typedInput(value, this.formats.get(`${row},${column}`)));
  }

  private store(row: number, column: number, cell: Cell): void {
    if (row < 1 || column < 1 || row > this.maxRows || column > this.maxColumns) throw outside();
    if ((cell.value === "" || cell.value === null || cell.value === undefined) && cell.formula === undefined) this.cells.delete(`${row},${column}`);
    else this.cells.set(`${row},${column}`, cell);
  }

  getRange(row: number, column: number, numRows = 1, numColumns = 1): FakeRange {
    if (!(numRows >= 1 && numColumns >= 1)) throw new Error("Exception: The number of rows and columns in the range must be at least 1.");
    if (row < 1 || column < 1 || row + numRows - 1 > this.maxRows || column + numColumns - 1 > this.maxColumns) throw outside();
    return new FakeRange(this, row, column, numRows, numColumns);
  }

  getMaxRows(): number {
    return this.maxRows;
  }

  getMaxColumns(): number {
    return this.maxColumns;
  }

  getLastRow(): number {
    let last = 0;
    for (const key of this.cells.keys()) last = Math.max(last, Number(key.split(",")[0]));
    return last;
  }

  insertRowsAfter(afterPosition: number, howMany: number): this {
    this.execution.requireFull("insertRowsAfter");
    this.shiftRows(afterPosition + 1, howMany);
    this.maxRows += howMany;
    return this;
  }

  insertColumnsAfter(afterPosition: number, howMany: number): this {
    this.execution.requireFull("insertColumnsAfter");
    const moved = [...this.cells].map(([key, value]) => {
      const [r, c] = key.split(",").map(Number);
      return [r, c > afterPosition ? c + howMany : c, value] as const;
    });
    this.cells.clear();
    for (const [r, c, value] of moved) this.cells.set(`${r},${c}`, value);
    this.maxColumns += howMany;
    return this;
  }

  deleteRows(rowPosition: number, howMany: number): void {
    this.execution.requireFull("deleteRows");
    if (rowPosition < 1 || rowPosition + howMany - 1 > this.maxRows) throw outside();
    for (const key of [...this.cells.keys()]) {
      const r = Number(key.split(",")[0]);
      if (r >= rowPosition && r < rowPosition + howMany) this.cells.delete(key);
    }
    this.shiftRows(rowPosition + howMany, -howMany);
    this.maxRows -= howMany;
  }

  private shiftRows(from: number, by: number): void {
    const moved = [...this.cells].map(([key, value]) => {
      const [r, c] = key.split(",").map(Number);
      return [r >= from ? r + by : r, c, value] as const;
    });
    this.cells.clear();
    for (const [r, c, value] of moved) this.cells.set(`${r},${c}`, value);
  }

  appendRow(rowContents: Value[]): this {
    this.execution.requireFull("appendRow");
    const row = this.getLastRow() + 1;
    if (row > this.maxRows) this.maxRows = row;
    rowContents.forEach((value, i) => {
      if (i + 1 > this.maxColumns) this.maxColumns = i + 1;
      this.type(row, i + 1, value);
    });
    return this;
  }

  setFrozenRows(rows: number): void {
    this.execution.requireFull("setFrozenRows");
    this.frozenRows = rows;
  }

  /** Test view: the sheet's values from A1 to the last row and column with content. */
  contents(): Value[][] {
    let lastColumn = 0;
    for (const key of this.cells.keys()) lastColumn = Math.max(lastColumn, Number(key.split(",")[1]));
    const lastRow = this.getLastRow();
    if (lastRow === 0) return [];
    return this.getRange(1, 1, lastRow, Math.max(1, lastColumn)).getValues();
  }
}

export interface MenuRecord {
  caption: string;
  items: { caption: string; functionName: string }[];
}

export class FakeUi {
  readonly menus: MenuRecord[] = [];
  readonly sidebars: { title: string; content: string }[] = [];

  constructor(private readonly execution: Execution) {}

  createMenu(caption: string) {
    const record: MenuRecord = { caption, items: [] };
    const menu = {
      addItem: (itemCaption: string, functionName: string) => {
        record.items.push({ caption: itemCaption, functionName });
        return menu;
      },
      addSeparator: () => menu,
      addToUi: () => {
        this.menus.push(record);
      },
    };
    return menu;
  }

  createAddonMenu() {
    return this.createMenu("Add-on");
  }

  showSidebar(output: { getTitle(): string; getContent(): string }): void {
    this.execution.requireFull("showSidebar");
    this.sidebars.push({ title: output.getTitle(), content: output.getContent() });
  }
}

export class FakeSpreadsheet {
  readonly sheets: FakeSheet[] = [];
  readonly toasts: string[] = [];
  /** Calls of getSpreadsheetTimeZone (each is a round trip in Apps Script). */
  timeZoneReads = 0;

  constructor(
    private readonly execution: Execution,
    private readonly timeZone: string,
    /** The file's owner; null for a file in a shared drive, as Drive reports it. */
    private readonly owner: string | null,
  ) {
    this.sheets.push(new FakeSheet(execution, "Sheet1"));
  }

  getSheetByName(name: string): FakeSheet | null {
    return this.sheets.find((s) => s.getName() === name) ?? null;
  }

  getSheets(): FakeSheet[] {
    return [...this.sheets];
  }

  insertSheet(name: string): FakeSheet {
    this.execution.requireFull("insertSheet");
    if (this.getSheetByName(name)) throw new Error(`Exception: A sheet with the name "${name}" already exists. Please enter another name.`);
    const sheet = new FakeSheet(this.execution, name);
    this.sheets.push(sheet);
    return sheet;
  }

  getSpreadsheetTimeZone(): string {
    this.timeZoneReads++;
    return this.timeZone;
  }

  getOwner() {
    const email = this.owner;
    return email === null ? null : { getEmail: () => email };
  }

  toast(message: string): void {
    this.toasts.push(message);
  }
}

export class FakeSpreadsheetApp {
  readonly spreadsheet: FakeSpreadsheet;
  readonly ui: FakeUi;

  constructor(
    private readonly execution: Execution,
    timeZone: string,
    owner: string | null,
  ) {
    this.spreadsheet = new FakeSpreadsheet(execution, timeZone, owner);
    this.ui = new FakeUi(execution);
  }

  getActiveSpreadsheet(): FakeSpreadsheet {
    return this.spreadsheet;
  }

  getActive(): FakeSpreadsheet {
    return this.spreadsheet;
  }

  getUi(): FakeUi {
    this.execution.requireFull("SpreadsheetApp.getUi");
    return this.ui;
  }
}
