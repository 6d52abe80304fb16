// Numbers for people: thousands separators, currencies, percentages and signed deltas (pure, tested).

const LOCALE = "en-US";

export function formatCount(value: number): string {
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 }).format(value);
}

/** Revenue in its currency: Taprain reports USD, Tapemetric INR. */
export function formatMoney(value: number, currency: "USD" | "INR"): string {
  return new Intl.NumberFormat(currency === "INR" ? "en-IN" : LOCALE, { style: "currency", currency, maximumFractionDigits: 2 }).format(value);
}

export function formatPercent(value: number, digits = 1): string {
  return `${new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 0, maximumFractionDigits: digits }).format(value)}%`;
}

/** A week-over-week change: "+12.4%", "−3.1%", or "n/a" when there was nothing to compare with. */
export function formatDelta(value: number | null): string {
  if (value === null) return "n/a";
  const sign = value > 0 ? "+" : value < 0 ? "−" : "±";
  return `${sign}${formatPercent(Math.abs(value))}`;
}

export function formatDecimal(value: number, digits: number): string {
  return new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** An instant as the viewer's local date and time, e.g. "Mar 18, 2026, 15:30". */
export function formatInstant(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }).format(date);
}
