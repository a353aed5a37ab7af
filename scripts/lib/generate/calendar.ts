/**
 * Dates and times for the generator: UTC days, UK local time (for working-hours behaviour and the `BST` label)
 * and the `_time` spellings of the Spine export (spec §2.1). All instants are epoch milliseconds in UTC.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` date; throws on anything that is not a real calendar date. */
export function parseIsoDate(value: string): number {
  const match = ISO_DATE.exec(value);
  if (!match) throw new Error(`Expected a date as YYYY-MM-DD, got "${value}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new Error(`"${value}" is not a calendar date`);
  }
  return ms;
}

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM` of the UTC month containing `ms`. */
export function isoMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Day of the week of the UTC day containing `ms`, Monday = 0 … Sunday = 6. */
export function weekdayIndex(ms: number): number {
  return (new Date(ms).getUTCDay() + 6) % 7;
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Start of the last Sunday of a month at 01:00 UTC: when British summer time starts (March) and ends (October). */
function lastSundayAt0100Utc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  const sunday = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, monthIndex, sunday, 1);
}

const summerTimeByYear = new Map<number, readonly [number, number]>();

/** Whether UK clocks show British summer time (UTC+1) at the instant `ms`. */
export function isBritishSummerTime(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  let range = summerTimeByYear.get(year);
  if (!range) {
    range = [lastSundayAt0100Utc(year, 2), lastSundayAt0100Utc(year, 9)];
    summerTimeByYear.set(year, range);
  }
  return ms >= range[0] && ms < range[1];
}

/** Offset of UK local time from UTC at `ms`. */
export function ukOffsetMs(ms: number): number {
  return isBritishSummerTime(ms) ? HOUR_MS : 0;
}

/**
 * The three `_time` spellings the classifier accepts (spec §2.1, §7.3 P1). Splunk writes the first; the others
 * appear in real exports and exercise the other parser paths.
 */
export const TIME_FORMAT = {
  /** `2024-03-04 09:00:00.123 UTC` */
  UTC_LABEL: 0,
  /** `2024-03-04T09:00:00.123+0000` */
  ISO_OFFSET: 1,
  /** `2024-03-04 10:00:00.123 BST`: UK local time during summer time, i.e. UTC + 1 h. */
  BST_LABEL: 2,
} as const;

export type TimeFormat = (typeof TIME_FORMAT)[keyof typeof TIME_FORMAT];

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** The last day formatted, since consecutive rows almost always share it (this runs once per written row). */
let cachedDayStart = NaN;
let cachedDate = "";

/** `YYYY-MM-DD` and `HH:MM:SS.mmm` of a UTC instant (for BST, of the instant shifted to local time). */
function dateAndTime(ms: number): [string, string] {
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  if (dayStart !== cachedDayStart) {
    cachedDayStart = dayStart;
    cachedDate = isoDate(dayStart);
  }
  let rest = ms - dayStart;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return [cachedDate, `${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}`];
}

/** `_time` of an instant (epoch ms, whole milliseconds) in one of the export's spellings. */
export function formatSpineTime(ms: number, format: TimeFormat): string {
  switch (format) {
    case TIME_FORMAT.UTC_LABEL: {
      const [date, time] = dateAndTime(ms);
      return `${date} ${time} UTC`;
    }
    case TIME_FORMAT.ISO_OFFSET: {
      const [date, time] = dateAndTime(ms);
      return `${date}T${time}+0000`;
    }
    case TIME_FORMAT.BST_LABEL: {
      const [date, time] = dateAndTime(ms + HOUR_MS);
      return `${date} ${time} BST`;
    }
  }
}

/** Python-style `isoformat()` with microseconds and `+00:00`, as upstream stamps `generated_on`. */
export function isoTimestampMicros(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000+00:00`;
}

/**
 * The next moment a practice would be working if `ms` falls outside Monday–Friday 08:00–18:30 UK local time;
 * `ms` itself otherwise. Used for the human step of a transfer (filing the received record).
 */
export function nextWorkingMoment(ms: number, randomMinutes: () => number): number {
  const OPEN = 8 * HOUR_MS;
  const CLOSE = 18 * HOUR_MS + 30 * MINUTE_MS;
  const offset = ukOffsetMs(ms);
  const local = ms + offset;
  const localDayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const timeOfDay = local - localDayStart;
  const weekday = weekdayIndex(localDayStart);
  if (weekday < 5 && timeOfDay >= OPEN && timeOfDay < CLOSE) return ms;
  let day = timeOfDay < OPEN ? localDayStart : localDayStart + DAY_MS;
  while (weekdayIndex(day) >= 5) day += DAY_MS;
  const localOpening = day + OPEN + randomMinutes() * MINUTE_MS;
  return localOpening - ukOffsetMs(localOpening - offset);
}
