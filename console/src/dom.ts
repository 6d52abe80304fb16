// Builds elements with text content only: no HTML string ever reaches the page, so user data stays text.

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function clear(node: Element, ...children: Child[]): void {
  node.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

/** A titled panel of the dashboard. */
export function panel(title: string, ...children: Child[]): HTMLElement {
  return el("section", { class: "panel" }, el("h2", {}, title), ...children);
}

/** A headline figure: its label, its value, and optionally a line under it (e.g. the change). */
export function kpi(name: string, label: string, value: string, note?: Node | null): HTMLElement {
  return el("div", { class: "kpi", "data-kpi": name }, el("span", { class: "label" }, label), el("strong", { class: "value" }, value), note);
}

/** What an empty report says: which table to import to fill it. */
export function emptyState(message: string, table: string): HTMLElement {
  return el(
    "div",
    { class: "empty", "data-empty": table },
    el("p", {}, message),
    el("code", {}, `npx metrigate import --workspace <id> ${table} ${table}.ndjson`),
  );
}

export function select(name: string, label: string, options: readonly string[], value: string): HTMLLabelElement {
  const control = el("select", { name, "data-control": name });
  for (const option of options) control.append(el("option", { value: option, selected: option === value }, option));
  return el("label", {}, label, control);
}

export function input(name: string, label: string, value: string, placeholder = ""): HTMLLabelElement {
  return el("label", {}, label, el("input", { name, "data-control": name, value, placeholder, type: "text" }));
}
