/**
 * The published figures the synthetic data is calibrated to, each with its source, and the comparison of a
 * generation run with them (`calibrationReport`), as printed by `gp2gp generate` and usable by benchmarks.
 *
 * Sources are the public figures collected in reporting-products §8 and the domain spec §8.2–§8.3 (analyses of
 * the NHS England GP2GP data sandbox, nhsconnect/prm-gp2gp-data-sandbox). The generated side comes from the
 * intended outcome of each conversation at the 14-day cutoff (scenarios.ts), not from classifying the files, so
 * it is what the classifier should find when every conversation is complete.
 */
import { FAILURE_REASON, REASONS_BY_STATUS, STATUS } from "../../../includes/constants";
import { DAY_MS, WEEKDAYS, parseIsoDate, weekdayIndex, type Weekday } from "./calendar";
import type { GenerateSummary } from "./index";
import { DISCARDED, TAG } from "./scenarios";

export interface PublishedFigure {
  /** As published: a percentage of transfers, a count, or seconds, as the measure says. */
  readonly value: number;
  /** Lowest and highest value over the comparable published periods, where there are several. */
  readonly range?: readonly [number, number];
  readonly source: string;
}

/** The sandbox notebooks (nhsconnect/prm-gp2gp-data-sandbox `notebooks/`) the figures come from. */
const NOTEBOOK = (n: number) => `sandbox notebook ${n}`;
const mayToJuly = (range: string) => `May 2021; May–Jul 2021: ${range} (${NOTEBOOK(66)})`;
const SIX_MONTHS = 1_343_234;

/** Transfers by supplier pathway, requesting/sending, September 2020 – February 2021 (1,343,234 transfers). */
const PATHWAY_COUNTS: Readonly<Record<string, number>> = {
  "EMIS/EMIS": 788_019,
  "TPP/EMIS": 258_060,
  "EMIS/TPP": 236_887,
  "EMIS/Vision": 19_723,
  "Vision/EMIS": 16_234,
  "Vision/Vision": 4_288,
  "TPP/TPP": 322,
};

export const PUBLISHED = {
  /** National transfers a month; England had about 6,300–6,700 practices over these periods. */
  transfersPerMonth: {
    value: 234_557,
    range: [219_973, 248_942],
    source: `Feb 2021 (${NOTEBOOK(13)}); May–Jul 2021: 219,973–248,942 (${NOTEBOOK(66)})`,
  },
  integratedOnTimePercent: { value: 87.75, range: [86.32, 88.2], source: mayToJuly("86.32–88.20") },
  integratedLatePercent: {
    value: 4.27,
    range: [4.27, 5.33],
    source: `Feb 2021, integrated beyond 8 days (${NOTEBOOK(13)}); Sep 2020–Feb 2021, 28-day view: 5.33 (${NOTEBOOK(31)})`,
  },
  transferredNotIntegratedPercent: {
    value: 3.36,
    range: [3.36, 3.49],
    source: `Feb 2021, "pending" (${NOTEBOOK(13)}); Sep 2020–Feb 2021: 3.49 (${NOTEBOOK(31)})`,
  },
  processFailurePercent: { value: 7.78, range: [7.78, 8.67], source: mayToJuly("7.78–8.67") },
  technicalFailurePercent: { value: 4.26, range: [3.66, 4.78], source: mayToJuly("3.66–4.78") },
  unclassifiedFailurePercent: { value: 0.21, range: [0.18, 0.24], source: mayToJuly("0.18–0.24") },
  paperFallbackPercent: { value: 12.25, range: [11.8, 13.68], source: mayToJuly("11.80–13.68") },
  noCoreEhrPercent: { value: 3.19, source: "transfers that never receive a core EHR, PRMT-2124 (domain spec §8.2)" },
  coreEhrMedianSeconds: { value: 15, source: "PRMT-2124 (domain spec §8.2)" },
  coreEhrP90Seconds: { value: 86, source: "PRMT-2124 (domain spec §8.2)" },
  coreEhrWithin45MinutesPercent: { value: 96.1, source: "PRMT-2124 (domain spec §8.2)" },
  weekdayPercent: Object.fromEntries(
    ([["Mon", 18.6], ["Tue", 22.4], ["Wed", 21.1], ["Thu", 19.5], ["Fri", 16.6], ["Sat", 1.3], ["Sun", 0.5]] as const).map(([day, value]) => [
      day,
      { value, source: `Sep 2020–Feb 2021 (${NOTEBOOK(27)})` },
    ]),
  ) as Readonly<Record<Weekday, PublishedFigure>>,
  pathwayPercent: Object.fromEntries(
    Object.entries(PATHWAY_COUNTS).map(([pathway, count]) => [
      pathway,
      { value: round((100 * count) / SIX_MONTHS, 2), source: `${count.toLocaleString("en-GB")} of 1,343,234, Sep 2020–Feb 2021 (${NOTEBOOK(31)})` },
    ]),
  ) as Readonly<Record<string, PublishedFigure>>,
} as const satisfies Record<string, PublishedFigure | Readonly<Record<string, PublishedFigure>>>;

/** The technical failure reasons of spec §5.1, in the order the report lists them. */
const TECHNICAL_REASONS = REASONS_BY_STATUS[STATUS.TECHNICAL_FAILURE] as readonly string[];

export interface CalibrationRow {
  readonly measure: string;
  /** From the run (the summary's intended outcomes and counts); null when the run has none. */
  readonly generated: number | null;
  /** The published figure, or null where none is published. */
  readonly published: number | null;
  readonly source: string;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** Practices England had when the volumes above were published; generated volumes are scaled to it. */
export const NATIONAL_PRACTICES = 6300;
const AVERAGE_MONTH_DAYS = 365.25 / 12;

/**
 * The generated mix of a run next to the published figures: volume, outcomes at the 14-day cutoff (percent of
 * transfers, discarded conversations left out as they are not transfers), core EHR timing, weekday and supplier
 * pathway shares. Volumes and weekday shares use each weekday's average day, so a window that is not whole weeks
 * is not biased towards the weekdays it has more of; weekday shares need at least a week.
 */
export function calibrationReport(summary: GenerateSummary): CalibrationRow[] {
  const { byOutcome, byTag, byWeekday, byPathway, total } = summary.conversations;
  const outcome = (status: string, reason?: string) => byOutcome[reason ? `${status} / ${reason}` : status] ?? 0;
  const withStatus = (status: string) =>
    Object.entries(byOutcome)
      .filter(([label]) => label === status || label.startsWith(`${status} / `))
      .reduce((n, [, count]) => n + count, 0);
  const transfers = total - (byOutcome[DISCARDED] ?? 0);
  const percent = (count: number) => (transfers === 0 ? null : round((100 * count) / transfers, 2));
  const row = (measure: string, generated: number | null, figure: PublishedFigure | null, source = figure?.source ?? ""): CalibrationRow => ({
    measure,
    generated,
    published: figure?.value ?? null,
    source,
  });

  const onTime = withStatus(STATUS.INTEGRATED_ON_TIME);
  const late = outcome(STATUS.PROCESS_FAILURE, FAILURE_REASON.INTEGRATED_LATE);
  const notIntegrated = outcome(STATUS.PROCESS_FAILURE, FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED);
  const technical = withStatus(STATUS.TECHNICAL_FAILURE);
  // Transfers whose sender never sent the core EHR: no acknowledgement, no EHR, or a fatal error without one.
  const noCoreEhr =
    outcome(STATUS.TECHNICAL_FAILURE, FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED) +
    outcome(STATUS.TECHNICAL_FAILURE, FAILURE_REASON.CORE_EXTRACT_NOT_SENT) +
    outcome(STATUS.TECHNICAL_FAILURE, FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR) -
    (byTag[TAG.EHR_AFTER_FATAL_ERROR] ?? 0);
  // Per weekday, transfers a day on average: a window that is not whole weeks has more of some weekdays.
  const occurrences = WEEKDAYS.map(() => 0);
  const startMs = parseIsoDate(summary.start);
  for (let d = 0; d < summary.days; d++) occurrences[weekdayIndex(startMs + d * DAY_MS)]++;
  const perDay = WEEKDAYS.map((day, i) => (occurrences[i] > 0 ? (byWeekday[day] ?? 0) / occurrences[i] : null));
  const wholeWeek = perDay.every((n) => n !== null);
  const perWeek = perDay.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  const perMonthHere = wholeWeek ? (perWeek * AVERAGE_MONTH_DAYS) / 7 : summary.days > 0 ? (total / summary.days) * AVERAGE_MONTH_DAYS : 0;
  const perMonth = summary.practices > 0 ? Math.round(perMonthHere * (NATIONAL_PRACTICES / summary.practices)) : null;
  const timing = summary.coreEhrTiming;
  const pathwayTotal = Object.values(byPathway).reduce((n, c) => n + c, 0);

  return [
    row(`Transfers a month at ${NATIONAL_PRACTICES.toLocaleString("en-GB")} practices`, perMonth, PUBLISHED.transfersPerMonth),
    row("Integrated on time (≤ 8 days), %", percent(onTime), PUBLISHED.integratedOnTimePercent),
    row("Process failure: integrated late, %", percent(late), PUBLISHED.integratedLatePercent),
    row("Process failure: transferred, not integrated, %", percent(notIntegrated), PUBLISHED.transferredNotIntegratedPercent),
    row("Process failure, %", percent(late + notIntegrated), PUBLISHED.processFailurePercent),
    row("Technical failure, %", percent(technical), PUBLISHED.technicalFailurePercent),
    ...TECHNICAL_REASONS.map((reason) =>
      row(`  technical: ${reason}, %`, percent(outcome(STATUS.TECHNICAL_FAILURE, reason)), null, "not published by reason; the total is calibrated"),
    ),
    row("  no core EHR sent (no ack, not sent, fatal error), %", percent(noCoreEhr), PUBLISHED.noCoreEhrPercent),
    row("Unclassified failure, %", percent(withStatus(STATUS.UNCLASSIFIED_FAILURE)), PUBLISHED.unclassifiedFailurePercent),
    row("Paper fallback (not integrated on time), %", percent(transfers - onTime), PUBLISHED.paperFallbackPercent),
    row("Request → core EHR, median s", timing.medianSeconds, PUBLISHED.coreEhrMedianSeconds),
    row("Request → core EHR, 90th percentile s", timing.p90Seconds, PUBLISHED.coreEhrP90Seconds),
    row(
      "Core EHR within 45 minutes, %",
      timing.within45MinutesShare === null ? null : round(100 * timing.within45MinutesShare, 2),
      PUBLISHED.coreEhrWithin45MinutesPercent,
    ),
    ...WEEKDAYS.map((day, i) =>
      row(
        `Requested on ${day}, %`,
        wholeWeek && perWeek > 0 ? round((100 * perDay[i]!) / perWeek, 2) : null,
        PUBLISHED.weekdayPercent[day],
      ),
    ),
    ...Object.keys(PATHWAY_COUNTS).map((pathway) =>
      row(
        `Pathway ${pathway} (requesting/sending), %`,
        pathwayTotal === 0 ? null : round((100 * (byPathway[pathway] ?? 0)) / pathwayTotal, 2),
        PUBLISHED.pathwayPercent[pathway],
      ),
    ),
  ];
}
