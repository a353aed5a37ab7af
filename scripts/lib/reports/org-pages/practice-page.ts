/**
 * A practice's page (/practices/<ODS>/): the public site's integration times and transfers requested for the
 * latest six months, how long integration took, failure reasons and error codes for a month, the practice as the
 * sending practice, where its transfers stopped in the journey (the latest final month, against England), links to its
 * areas and the public site's CSV download. The default view (latest final month, percentages) is complete in the
 * HTML; the browser script switches units and the month of the failure tables.
 */
import { journeyKey, type OrgData, type PracticeMonth } from "./data";
import {
  defaultMonth,
  escapeHtml,
  monthLabel,
  monthOption,
  practiceLabel,
  renderBandChart,
  renderControls,
  renderDocument,
  renderDownload,
  renderHeadlines,
  renderRelated,
  renderSelect,
  renderTableFigure,
  sicblLabel,
  icbLabel,
  regionLabel,
  titleCase,
  UNITS_CHOICES,
  type SiteFrame,
} from "./html";
import { renderJourneySection } from "./journeys";
import { columnar, orgPagesScript, type Column, type PageData, type Row, type Table } from "./shared";

/** How many months a page shows (the public site shows six). */
export const PAGE_MONTHS = 6;

/** The month-row fields the practice tables and the download read, as the marts name them. */
export const PRACTICE_MONTH_FIELDS = [
  "metric_month",
  "month_label",
  "month_name",
  "practice_ods_code",
  "practice_name",
  "sicbl_ods_code",
  "sicbl_name",
  "requested_count",
  "received_count",
  "received_percent_of_requested",
  "integrated_within_3_days_count",
  "integrated_within_3_days_percent_of_received",
  "integrated_within_8_days_count",
  "integrated_within_8_days_percent_of_received",
  "not_integrated_within_8_days_total",
  "not_integrated_within_8_days_percent_of_received",
  "failures_total_count",
  "failures_total_percent_of_requested",
] as const;

/** A practice month row as the page data holds it (month labels added). */
export function practiceMonthRow(row: PracticeMonth): Row {
  return {
    ...row,
    month_label: monthLabel(row.metric_month, row.is_final),
    month_name: monthLabel(row.metric_month, true),
  };
}

/** The final months a download covers: the six months ending with the latest final month, newest first. */
export function downloadMonths(latestFinalMonth: string | null): string[] {
  if (!latestFinalMonth) return [];
  const [year, month] = latestFinalMonth.split("-").map(Number) as [number, number];
  return Array.from({ length: PAGE_MONTHS }, (_, back) => {
    const index = year * 12 + (month - 1) - back;
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}-01`;
  });
}

export const unitsColumn = (id: string, title: string, count: string, percent: string): Column => ({ id, title, type: "units", count, percent });

/** Integration time columns of the public site, after the first column. */
export const INTEGRATION_COLUMNS: Column[] = [
  { id: "received", title: "GP2GP transfers received", type: "count", key: "received_count" },
  unitsColumn("within_3_days", "Integrated within 3 days", "integrated_within_3_days_count", "integrated_within_3_days_percent_of_received"),
  unitsColumn("within_8_days", "Integrated within 8 days", "integrated_within_8_days_count", "integrated_within_8_days_percent_of_received"),
  unitsColumn("not_within_8_days", "Not integrated within 8 days (paper copy requested)", "not_integrated_within_8_days_total", "not_integrated_within_8_days_percent_of_received"),
];

/** Transfers requested columns of the public site, after the first column. */
export const REQUESTED_COLUMNS: Column[] = [
  { id: "requested", title: "Registrations that triggered GP2GP transfer", type: "count", key: "requested_count" },
  unitsColumn("received", "GP2GP transfers received", "received_count", "received_percent_of_requested"),
  unitsColumn("failures", "GP2GP technical failures (paper copy requested)", "failures_total_count", "failures_total_percent_of_requested"),
];

const MONTH_COLUMN: Column = { id: "month", title: "Month", type: "text", key: "month_label" };

const REASON_COLUMNS: Column[] = [
  { id: "status", title: "Type of failure", type: "text", key: "status" },
  { id: "reason", title: "Reason", type: "text", key: "failure_reason" },
  { id: "transfers", title: "Transfers", type: "count", key: "transfer_count" },
];

export const ERROR_CODE_COLUMNS: Column[] = [
  { id: "code", title: "Error code", type: "text", key: "error_code" },
  { id: "short_name", title: "Short name", type: "text", key: "short_name" },
  { id: "description", title: "What it means", type: "text", key: "description" },
  { id: "seen", title: "Where it was reported", type: "text", key: "seen" },
  { id: "transfers", title: "Transfers", type: "count", key: "transfer_count" },
  { id: "technical", title: "Of which technical failures", type: "count", key: "technical_failure_count" },
];

/** Where in a transfer an error code was reported. */
export function errorLocation(location: string | null): string {
  return location === "sender" ? "Acknowledging the request" : location === "final" ? "Acknowledging the core record" : "Acknowledging a large-message fragment";
}

export function renderPracticePage(site: SiteFrame, data: OrgData, ods: string): string {
  const all = data.practices.get(ods) ?? [];
  const months = all.slice(0, PAGE_MONTHS);
  const latest = months[0];
  if (!latest) throw new Error(`No practice_metrics_monthly row for the practice ${ods}`);
  const shown = defaultMonth(months)!;
  const shownRow = months.find((row) => row.metric_month === shown)!;
  const label = practiceLabel(latest.practice_name, ods);
  const name = titleCase(latest.practice_name ?? ods);
  const script = orgPagesScript();

  const wanted = new Set(months.map((row) => row.metric_month));
  const download = downloadMonths(data.latestFinalMonth);
  const downloadRows = all.filter((row) => download.includes(row.metric_month));
  const monthRows = all.filter((row) => wanted.has(row.metric_month)).map((row) => ({
    ...practiceMonthRow(row),
    integrated_count: row.integrated_on_time_count + row.integrated_late_count,
  }));
  const sending = (data.sending.get(ods) ?? []).slice(0, PAGE_MONTHS).map((row) => ({ ...row, month_label: monthLabel(row.metric_month, row.is_final) }));
  const reasons: Record<string, Row[]> = {};
  const errorCodes: Record<string, Row[]> = {};
  for (const row of months) {
    reasons[row.metric_month] = [];
    errorCodes[row.metric_month] = [];
  }
  for (const row of data.reasons.get(ods) ?? []) reasons[row.metric_month]?.push(row);
  for (const row of data.errorCodes.get(ods) ?? []) errorCodes[row.metric_month]?.push({ ...row, description: row.description ?? "Not in the GP2GP error code table", seen: errorLocation(row.error_location) });

  const tables: Table[] = [
    { id: "integration-times", caption: "Table 1: Integration times for registering practice, newest month first", source: "months", byMonth: false, columns: [MONTH_COLUMN, ...INTEGRATION_COLUMNS] },
    { id: "transfers-requested", caption: "Table 3: GP2GP transfers requested as registering practice, newest month first", source: "months", byMonth: false, columns: [MONTH_COLUMN, ...REQUESTED_COLUMNS] },
    {
      id: "integration-durations",
      caption: "Table 4: Integration time and late integrations, newest month first",
      source: "months",
      byMonth: false,
      columns: [
        MONTH_COLUMN,
        { id: "integrated", title: "Transfers integrated", type: "count", key: "integrated_count" },
        { id: "median", title: "Median time to integrate (hours)", type: "hours", key: "sla_duration_median_seconds" },
        { id: "p90", title: "90th percentile (hours)", type: "hours", key: "sla_duration_p90_seconds" },
        { id: "late", title: "Integrated late (after 8 days)", type: "count", key: "integrated_late_count" },
        { id: "not_integrated", title: "Not integrated by day 14", type: "count", key: "transferred_not_integrated_count" },
      ],
    },
    {
      id: "failure-reasons",
      caption: "Table 5: Transfers not integrated within 8 days by failure type and reason - {month}",
      source: "reasons",
      byMonth: true,
      columns: [...REASON_COLUMNS, { id: "percent", title: "Percent of transfers requested", type: "percent", key: "percent_of_requested" }],
      empty: "No transfer of this practice fell back to paper in this month.",
    },
    { id: "error-codes", caption: "Table 6: GP2GP error codes reported in this practice's transfers - {month}", source: "errorCodes", byMonth: true, columns: ERROR_CODE_COLUMNS, empty: "No error code was reported in this practice's transfers in this month." },
    {
      id: "sending",
      caption: "Table 7: GP2GP transfers requested from this practice as the sending practice, newest month first",
      source: "sending",
      byMonth: false,
      columns: [
        MONTH_COLUMN,
        { id: "requested", title: "Transfers requested from this practice", type: "count", key: "requested_count" },
        { id: "on_time", title: "Integrated within 8 days (%)", type: "countPercent", count: "integrated_on_time_count", percent: "integrated_on_time_percent" },
        { id: "paper", title: "Paper fallback, all reasons (%)", type: "countPercent", count: "paper_fallback_count", percent: "paper_fallback_percent" },
        { id: "technical", title: "Technical failures (%)", type: "countPercent", count: "technical_failure_count", percent: "technical_failure_percent" },
        { id: "process", title: "Process failures (%)", type: "countPercent", count: "process_failure_count", percent: "process_failure_percent" },
        { id: "unclassified", title: "Unclassified failures (%)", type: "countPercent", count: "unclassified_failure_count", percent: "unclassified_failure_percent" },
      ],
      empty: "No other practice requested a record from this practice in these months.",
    },
  ];
  const monthFields = [...PRACTICE_MONTH_FIELDS, "integrated_count", "sla_duration_median_seconds", "sla_duration_p90_seconds", "integrated_late_count", "transferred_not_integrated_count", "is_final"];
  const pageData: PageData = {
    base: site.base,
    month: shown,
    months: months.map(monthOption),
    units: "percentages",
    sets: {
      months: columnar(monthRows, monthFields),
      sending: columnar(sending, [
        "month_label",
        "requested_count",
        ...["integrated_on_time", "paper_fallback", "technical_failure", "process_failure", "unclassified_failure"].flatMap((measure) => [`${measure}_count`, `${measure}_percent`]),
      ]),
      reasons: Object.fromEntries(Object.entries(reasons).map(([month, rows]) => [month, columnar(rows, ["status", "failure_reason", "transfer_count", "percent_of_requested"])])),
      errorCodes: Object.fromEntries(Object.entries(errorCodes).map(([month, rows]) => [month, columnar(rows, ["error_code", "short_name", "description", "seen", "transfer_count", "technical_failure_count"])])),
      download: columnar(downloadRows.map(practiceMonthRow), PRACTICE_MONTH_FIELDS),
    },
    tables,
    download: { name: label, source: "download", byMonth: false, months: download },
  };
  const decoded = script.decodeData(pageData);
  const state = script.initialState(pageData);
  const figure = (id: string, note = "") => renderTableFigure(tables.find((t) => t.id === id)!, decoded, state, note);

  const area = [
    latest.sicbl_ods_code && data.sicbls.has(latest.sicbl_ods_code) ? { href: `/sub-icb-locations/${latest.sicbl_ods_code}/`, label: sicblLabel(latest.sicbl_name, latest.sicbl_ods_code) } : null,
    latest.icb_ods_code && data.icbs.has(latest.icb_ods_code) ? { href: `/icbs/${latest.icb_ods_code}/`, label: icbLabel(latest.icb_name, latest.icb_ods_code) } : null,
    latest.region_ods_code && data.regions.has(latest.region_ods_code) ? { href: `/regions/${latest.region_ods_code}/`, label: regionLabel(latest.region_name, latest.region_ods_code) } : null,
  ].filter((link): link is { href: string; label: string } => link !== null);
  const areaText = [latest.sicbl_name ? sicblLabel(latest.sicbl_name, latest.sicbl_ods_code ?? "") : "Sub ICB Location not known", latest.icb_name ? icbLabel(latest.icb_name, latest.icb_ods_code ?? "") : "ICB not known"].join(", ");
  const shownLabel = monthLabel(shown, shownRow.is_final);
  const headlines = renderHeadlines(`${shownLabel}${shownRow.is_final ? ", the latest final month" : ""}`, [
    { id: "requested", label: "Registrations that triggered GP2GP transfer", value: script.formatCount(shownRow.requested_count) },
    { id: "received", label: "GP2GP transfers received", value: script.formatPercent(shownRow.received_percent_of_requested), detail: `${script.formatCount(shownRow.received_count)} of the transfers requested` },
    { id: "within-3-days", label: "Integrated within 3 days", value: script.formatPercent(shownRow.integrated_within_3_days_percent_of_received), detail: `${script.formatCount(shownRow.integrated_within_3_days_count)} of the transfers received` },
    { id: "not-within-8-days", label: "Not integrated within 8 days (paper copy requested)", value: script.formatPercent(shownRow.not_integrated_within_8_days_percent_of_received), detail: `${script.formatCount(shownRow.not_integrated_within_8_days_total)} of the transfers received` },
    { id: "technical-failures", label: "GP2GP technical failures (paper copy requested)", value: script.formatPercent(shownRow.failures_total_percent_of_requested), detail: `${script.formatCount(shownRow.failures_total_count)} of the transfers requested` },
  ]);

  const body = `<h1>${escapeHtml(label)}</h1>
<p class="gp2gp-lead">Integration times and transfers requested for ${escapeHtml(name)} as the registering practice, in the latest six months of data, for the practice's staff and its Sub ICB Location (${escapeHtml(areaText)}). A month marked provisional is less than 15 days past its end: its transfers may still be integrated.</p>
${headlines}
${renderControls([renderSelect({ id: "units", label: "Units", control: "units", value: "percentages", choices: UNITS_CHOICES })])}
<h2>Integration times for registering practice</h2>
<p>The previous practice is told to print and post the record when it is not integrated within 8 days, which costs both practices time. Integration times run from when the core record was sent to when it was integrated. Percentages are of transfers received; "n/a" means none was received.</p>
${figure("integration-times")}
${renderBandChart("integration-chart", "Chart 2: Transfers received each month by integration time, percent", months.map((row) => ({ month: row.metric_month, isFinal: row.is_final, within3: row.integrated_within_3_days_percent_of_received, within8: row.integrated_within_8_days_percent_of_received, notWithin8: row.not_integrated_within_8_days_percent_of_received })), "integration-times")}
<h2>GP2GP transfers requested as registering practice</h2>
<p>When a transfer fails, a task is raised for the previous practice to post a paper copy. Report technical failures to the practice's system supplier. Percentages are of registrations that triggered a transfer.</p>
${figure("transfers-requested")}
<h2>How long integration took</h2>
<p>Not on NHS England's GP Registrations Data site: the median and 90th percentile time from the core record being sent to integration, over every integrated transfer (on time or late), and the late-versus-never split of transfers not integrated within 8 days.</p>
${figure("integration-durations")}
<h2>Why transfers were not integrated within 8 days</h2>
<p>Not on NHS England's GP Registrations Data site: this practice's transfers that fell back to paper in <span data-month-label>${escapeHtml(shownLabel)}</span>, by type and reason, and the GP2GP error codes the systems reported in its transfers, with what each code means. Technical failures are not caused by practice staff: <strong>report technical failures to your system supplier</strong>, quoting the error codes below.</p>
${renderControls([renderSelect({ id: "month", label: "Month of failure reasons", control: "month", value: shown, choices: months.map((row) => ({ value: row.metric_month, label: monthLabel(row.metric_month, row.is_final) })) })])}
${figure("failure-reasons")}
${figure("error-codes")}
<h2>GP2GP transfers requested from this practice as the previous practice</h2>
<p>Not on NHS England's GP Registrations Data site, which cannot show this side: the records other practices asked this practice for, as the sending (previous) practice, and how those transfers ended. Each one that fell back to paper meant printing and posting the record. Each figure is a number of transfers, then in brackets its percentage of the transfers requested from the practice. Technical failures should be reported to the system supplier.</p>
${figure("sending")}
${renderJourneySection(data, data.journeys.get(journeyKey("practice", ods)) ?? [], {
  tableNumber: 8,
  requestedBy: "this practice",
  scopeNote: "The transfers counted are those this practice requested as the registering (new) practice, as in the other figures on this page apart from the previous-practice table above.",
})}
${renderRelated(site.base, [...area, { href: "/practices/", label: "All GP practices" }, { href: "/search/", label: "Find a practice or area" }, { href: "/definitions/", label: "Definitions and notes about this data" }])}
${renderDownload(site.base, `${downloadRows.length} ${downloadRows.length === 1 ? "row" : "rows"} in the last 6 final months.`)}`;

  return renderDocument(site, {
    title: label,
    description: `GP2GP integration times and transfers requested for ${name} (${ods}).`,
    breadcrumbs: [{ href: "/practices/", label: "GP practices" }, { label }],
    section: "/practices/",
    body,
    data: pageData,
  });
}
