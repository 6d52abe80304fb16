// A sortable table: click a header to sort by that column (again to reverse). Cells are text only.

import { el } from "./dom.ts";

export interface Column<T> {
  label: string;
  /** The value sorted on. */
  value(row: T): string | number | null;
  /** How the value is shown (default: as text). */
  format?(row: T): string | Node;
  numeric?: boolean;
}

export function sortableTable<T>(name: string, columns: Column<T>[], rows: readonly T[]): HTMLTableElement {
  const table = el("table", { class: "data", "data-table": name });
  const head = el("tr");
  const body = el("tbody");
  let sortIndex = -1;
  let descending = false;

  const render = () => {
    const ordered = [...rows];
    if (sortIndex >= 0) {
      const column = columns[sortIndex];
      ordered.sort((a, b) => {
        const x = column.value(a);
        const y = column.value(b);
        const order = x === null ? 1 : y === null ? -1 : typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return descending ? -order : order;
      });
    }
    body.replaceChildren(
      ...ordered.map((row) =>
        el("tr", {}, ...columns.map((column) => el("td", { class: column.numeric ? "num" : undefined }, column.format ? column.format(row) : String(column.value(row) ?? "—")))),
      ),
    );
    head.querySelectorAll("th").forEach((th, i) => th.setAttribute("aria-sort", i === sortIndex ? (descending ? "descending" : "ascending") : "none"));
  };

  columns.forEach((column, index) => {
    const button = el("button", { type: "button", class: "sort" }, column.label);
    button.addEventListener("click", () => {
      descending = sortIndex === index ? !descending : Boolean(column.numeric);
      sortIndex = index;
      render();
    });
    head.append(el("th", { class: column.numeric ? "num" : undefined, "aria-sort": "none" }, button));
  });
  table.append(el("thead", {}, head), body);
  render();
  return table;
}
