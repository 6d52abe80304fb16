// Wall-clock arithmetic in IANA time zones with Intl only (no Node APIs): local dates, local midnights,
// local hour starts — DST-correct, including zones whose midnight is skipped or repeated.

const QUARTER_MS = 15 * 60_000;
/** Formatters by canonical zone name; bounded, though canonical names are a closed set of a few hundred. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1024;

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * Zones ICU (and so Intl) still names by a spelling the IANA database has since replaced: the current
 * IANA name for each (tzdata 2025c's links whose old name ICU keeps as canonical). Intl accepts both.
 */
const IANA_NAME_OF_ICU_NAME: ReadonlyMap<string, string> = new Map([
  ["Africa/Asmera", "Africa/Asmara"],
  ["America/Buenos_Aires", "America/Argentina/Buenos_Aires"],
  ["America/Catamarca", "America/Argentina/Catamarca"],
  ["America/Coral_Harbour", "America/Atikokan"],
  ["America/Cordoba", "America/Argentina/Cordoba"],
  ["America/Godthab", "America/Nuuk"],
  ["America/Indianapolis", "America/Indiana/Indianapolis"],
  ["America/Jujuy", "America/Argentina/Jujuy"],
  ["America/Louisville", "America/Kentucky/Louisville"],
  ["America/Mendoza", "America/Argentina/Mendoza"],
  ["Asia/Calcutta", "Asia/Kolkata"],
  ["Asia/Katmandu", "Asia/Kathmandu"],
  ["Asia/Rangoon", "Asia/Yangon"],
  ["Asia/Saigon", "Asia/Ho_Chi_Minh"],
  ["Atlantic/Faeroe", "Atlantic/Faroe"],
  ["Europe/Kiev", "Europe/Kyiv"],
  ["Pacific/Enderbury", "Pacific/Kanton"],
  ["Pacific/Ponape", "Pacific/Pohnpei"],
  ["Pacific/Truk", "Pacific/Chuuk"],
]);

/**
 * The zone's canonical IANA spelling (`utc` → `UTC`, `AMERICA/NEW_YORK` → `America/New_York`,
 * `Asia/Kolkata` stays so rather than ICU's `Asia/Calcutta`), or undefined when unknown.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    const icuName = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    return IANA_NAME_OF_ICU_NAME.get(icuName) ?? icuName;
  } catch {
    return undefined;
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // Callers pass canonical names; any other spelling is still served, but cannot grow the map without bound.
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

export function localTime(instantMs: number, zone: string): LocalTime {
  const parts = formatter(zone).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute") };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function formatLocalDate(t: Pick<LocalTime, "year" | "month" | "day">): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

export function formatLocalHour(t: LocalTime): string {
  return `${formatLocalDate(t)} ${pad(t.hour)}:00`;
}

/** `YYYY-MM-DD` → days since 1970-01-01, or NaN when it is not a real date. */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return Number.NaN;
  return ms / 86_400_000;
}

export function dateOfDayNumber(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

export function localDate(instantMs: number, zone: string): string {
  return formatLocalDate(localTime(instantMs, zone));
}

/**
 * The first instant of a local calendar day: local midnight, or where midnight is skipped the first
 * valid instant after it, or where it occurs twice the earlier one — that is, the first instant on the
 * 15-minute grid whose local date is `date` or later (tz database offsets since the 1970s are multiples
 * of 15 minutes). The zone's offset gives the answer in a few Intl calls; a scan settles the rare cases
 * where that guess is not the first such instant.
 */
export function startOfLocalDay(date: string, zone: string): number {
  const utcMidnight = dayNumber(date) * 86_400_000;
  const isFirst = (t: number) => localDate(t, zone) >= date && localDate(t - QUARTER_MS, zone) < date;
  const guess = utcMidnight - offsetAt(utcMidnight - offsetAt(utcMidnight, zone), zone);
  if (guess % QUARTER_MS === 0 && isFirst(guess)) return guess;
  // Offsets lie within ±14 h, so the day's first instant lies within this window.
  for (let t = utcMidnight - 15 * 3_600_000; t <= utcMidnight + 15 * 3_600_000; t += QUARTER_MS) {
    if (localDate(t, zone) >= date) return t;
  }
  throw new Error(`No start of day found for ${date} in ${zone}`);
}

/**
 * Whether a local clock hour starts at `t` (on the quarter-hour grid): the clock shows a whole hour, or it
 * has just jumped into another hour or back in time. Lord Howe Island moves its clocks by half an hour:
 * 01:59 is followed by 02:30, which starts the (half) hour 02:00; in autumn 01:59 is followed by 01:30,
 * which starts 01:00's second occurrence.
 */
function startsLocalHour(t: number, zone: string): boolean {
  const here = localTime(t, zone);
  if (here.minute === 0) return true;
  const before = localTime(t - QUARTER_MS, zone);
  const wall = (l: LocalTime) => Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  return before.hour !== here.hour || wall(before) >= wall(here);
}

/** Starts of the real local clock hours in [from, to): a repeated fall-back hour appears twice. */
export function localHourStarts(fromMs: number, toMs: number, zone: string): number[] {
  const starts: number[] = [];
  for (let t = fromMs; t < toMs; t += QUARTER_MS) {
    if (t === fromMs || startsLocalHour(t, zone)) starts.push(t);
  }
  return starts;
}

/** Start of the local clock hour containing an instant. */
export function startOfLocalHour(instantMs: number, zone: string): number {
  let t = Math.floor(instantMs / QUARTER_MS) * QUARTER_MS;
  while (!startsLocalHour(t, zone)) t -= QUARTER_MS;
  return t;
}

export interface OffsetSegment {
  /** First instant (ms) at which `offsetMs` applies. */
  from: number;
  /** Local time minus UTC, in ms. */
  offsetMs: number;
}

/** The zone's UTC offset at an instant, to the minute (tz database offsets since 1970 are whole minutes). */
export function offsetAt(instantMs: number, zone: string): number {
  const t = localTime(instantMs, zone);
  const minuteStart = instantMs - (((instantMs % 60_000) + 60_000) % 60_000);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute) - minuteStart;
}

// No zone changes its offset twice within six hours, so stepping by six hours misses no transition.
const PROBE_MS = 6 * 3_600_000;

/** The zone's offsets over [fromMs, toMs): one segment per offset in force, each transition to the minute. */
export function offsetSegments(fromMs: number, toMs: number, zone: string): OffsetSegment[] {
  const segments: OffsetSegment[] = [{ from: fromMs, offsetMs: offsetAt(fromMs, zone) }];
  for (let t = fromMs; t < toMs; t += PROBE_MS) {
    const next = Math.min(t + PROBE_MS, toMs);
    const current = segments[segments.length - 1].offsetMs;
    const after = offsetAt(next, zone);
    if (after === current) continue;
    // Binary search in whole minutes for the first instant with the new offset.
    let lo = Math.floor(t / 60_000);
    let hi = Math.ceil(next / 60_000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid * 60_000, zone) === current) lo = mid;
      else hi = mid;
    }
    if (hi * 60_000 < toMs) segments.push({ from: hi * 60_000, offsetMs: after });
  }
  return segments;
}
