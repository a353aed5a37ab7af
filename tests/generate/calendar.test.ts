import { describe, expect, it } from "vitest";
import { TIME_FORMAT, formatSpineTime, isBritishSummerTime, nextWorkingMoment, parseIsoDate, weekdayIndex } from "../../scripts/lib/generate/calendar";
import { parseSpineTime } from "./helpers";

describe("calendar", () => {
  it("parses calendar dates strictly", () => {
    expect(parseIsoDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(() => parseIsoDate("2023-02-29")).toThrow(/not a calendar date/);
    expect(() => parseIsoDate("2024-3-1")).toThrow(/YYYY-MM-DD/);
  });

  it("numbers weekdays from Monday", () => {
    expect(weekdayIndex(Date.UTC(2024, 2, 4))).toBe(0);
    expect(weekdayIndex(Date.UTC(2024, 2, 10))).toBe(6);
  });

  it("knows British summer time: last Sunday of March to last Sunday of October, 01:00 UTC", () => {
    expect(isBritishSummerTime(Date.UTC(2024, 2, 31, 0, 59, 59, 999))).toBe(false);
    expect(isBritishSummerTime(Date.UTC(2024, 2, 31, 1))).toBe(true);
    expect(isBritishSummerTime(Date.UTC(2024, 9, 27, 0, 59))).toBe(true);
    expect(isBritishSummerTime(Date.UTC(2024, 9, 27, 1))).toBe(false);
  });

  it("writes the three _time spellings of the export, all meaning the same instant (spec §7.3 P1)", () => {
    const ms = Date.parse("2019-07-01T09:10:00.334Z");
    expect(formatSpineTime(ms, TIME_FORMAT.UTC_LABEL)).toBe("2019-07-01 09:10:00.334 UTC");
    expect(formatSpineTime(ms, TIME_FORMAT.ISO_OFFSET)).toBe("2019-07-01T09:10:00.334+0000");
    expect(formatSpineTime(ms, TIME_FORMAT.BST_LABEL)).toBe("2019-07-01 10:10:00.334 BST");
    for (const format of Object.values(TIME_FORMAT)) expect(parseSpineTime(formatSpineTime(ms, format))).toBe(ms);
    // Near midnight the BST label carries the next local date.
    expect(formatSpineTime(Date.parse("2019-07-01T23:30:00.000Z"), TIME_FORMAT.BST_LABEL)).toBe("2019-07-02 00:30:00.000 BST");
  });

  it("moves out-of-hours moments to the next working morning, UK local time", () => {
    const zero = () => 0;
    const tuesday1000Bst = Date.UTC(2024, 5, 4, 9);
    expect(nextWorkingMoment(tuesday1000Bst, zero)).toBe(tuesday1000Bst);
    // Friday 20:00 BST → Monday 08:00 BST = 07:00 UTC.
    expect(nextWorkingMoment(Date.UTC(2024, 5, 7, 19), zero)).toBe(Date.UTC(2024, 5, 10, 7));
    // Wednesday 06:00 GMT → 08:00 GMT the same day.
    expect(nextWorkingMoment(Date.UTC(2024, 0, 10, 6), zero)).toBe(Date.UTC(2024, 0, 10, 8));
  });
});
