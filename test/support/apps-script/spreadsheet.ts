// A fake SpreadsheetApp: one spreadsheet of named sheets with a fixed grid (1000 × 26 by default) that
// ranges may not leave, setValues that must match the range's size, and a Ui that records menus, sidebars
// and toasts. Sheet edits and UI are refused inside custom functions, as in Sheets.

import type { Execution } from "./execution.ts";

type Value = string | number | boolean | Date;

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

  getValues(): Value[][] {
    return Array.from({ length: this.numRows }, (_, r) =>
      Array.from({ length: this.numColumns }, (_, c) => this.sheet.cell(this.row + r, this.column + c)),
    );
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
      row.forEach((value, c) => this.sheet.write(this.row + r, this.column + c, value));
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
  private readonly cells = new Map<string, Value>();
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
    return this.cells.get(`${row},${column}`) ?? "";
  }

  write(row: number, column: number, value: Value): void {
    if (row < 1 || column < 1 || row > this.maxRows || column > this.maxColumns) throw outside();
    if (value === "" || value === null || value === undefined) this.cells.delete(`${row},${column}`);
    else this.cells.set(`${row},${column}`, value);
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
      this.write(row, i + 1, value);
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

  constructor(
    private readonly execution: Execution,
    private readonly timeZone: string,
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
    return this.timeZone;
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
  ) {
    this.spreadsheet = new FakeSpreadsheet(execution, timeZone);
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
