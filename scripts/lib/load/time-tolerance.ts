/**
 * The time tolerance of Spine loads: how far a message time may lie outside its file's day before the row is rejected
 * (kept apart from the loader so that the command line can show and parse it without loading DuckDB).
 */
/** How far (in days) a message time may lie outside its file's day; `--time-tolerance-days`. */
export const DEFAULT_TIME_TOLERANCE_DAYS = 1;

/** Checks a time tolerance: a number of days, 0 or more (fractions allowed), at most a year. */
export function timeToleranceDays(value: unknown, source = "the time tolerance"): number {
  const days = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof days !== "number" || !Number.isFinite(days) || days < 0 || days > 366) {
    throw new Error(`${source} must be a number of days from 0 to 366 (got ${JSON.stringify(value)})`);
  }
  return days;
}
