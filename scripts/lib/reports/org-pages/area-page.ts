/**
 * One page component for the three area levels (/sub-icb-locations/<ODS>/, /icbs/<ODS>/, /regions/<ODS>/): the
 * area's practices, Sub ICB Locations or ICBs for a month with the public site's Sort by / Order / Units controls,
 * failure reasons and error codes of its practices, the area against its parent areas and England, the area month by
 * month with a chart, links between the levels, and for Sub ICB Locations where their practices' transfers stopped in
 * the journey (the latest final month, against England) and (as on the public site) the CSV download. The
 * default view (latest final month, percentages, worst first) is complete in the HTML.
 */
import { journeyKey, type ErrorCodeRow, type IcbMonth, type OrgData, type PracticeMonth, type ReasonRow, type RegionMonth, type SicblMonth } from "./data";
import {
  defaultMonth,
  escapeHtml,
  icbLabel,
  monthLabel,
  monthOption,
  ORDER_CHOICES,
  practiceLabel,
  regionLabel,
  renderBandChart,
  renderControls,
  renderDocument,
  renderDownload,
  renderHeadlines,
  renderRelated,
  renderSelect,
  renderTableFigure,
  sicblLabel,
  UNITS_CHOICES,
  type SiteFrame,
} from "./html";
import { downloadMonths, ERROR_CODE_COLUMNS, errorLocation, INTEGRATION_COLUMNS, PAGE_MONTHS, practiceMonthRow, PRACTICE_MONTH_FIELDS, REQUESTED_COLUMNS, unitsColumn } from "./practice-page";
import { renderJourneySection } from "./journeys";
import { columnar, orgPagesScript, type Column, type PageData, type Row, type Table } from "./shared";

export type AreaLevel = "sicbl" | "icb" | "region";
type AreaMonth = SicblMonth | IcbMonth | RegionMonth;

/** A row of an area's table of its parts (practices, Sub ICB Locations or ICBs) or of its comparison. */
interface PartRow extends Row {
  page: string | null;
  label: string;
  name: string;
  ods: string;
}

/** What differs between the levels. */
interface LevelSpec {
  folder: string;
  title: string;
  breadcrumb: string;
  /** The parts' name as a column and a sort choice. */
  partTitle: string;
  partsHeading: string;
  partsNoun: string;
  label: (row: AreaMonth) => string;
  /** The area's months, newest first. */
  rows: (data: OrgData, ods: string) => AreaMonth[];
  /** The parts of the area in a month. */
  parts: (data: OrgData, ods: string) => PartRow[];
  /** Its parent areas, nearest first. */
  parents: (data: OrgData, latest: AreaMonth) => { level: AreaLevel; ods: string }[];
}

const areaOds = (level: AreaLevel, row: AreaMonth): string =>
  level === "sicbl" ? (row as SicblMonth).sicbl_ods_code : level === "icb" ? (row as IcbMonth).icb_ods_code : (row as RegionMonth).region_ods_code;

const areaName = (level: AreaLevel, row: AreaMonth): string | null =>
  level === "sicbl" ? (row as SicblMonth).sicbl_name : level === "icb" ? (row as IcbMonth).icb_name : (row as RegionMonth).region_name;

function areaRows(data: OrgData, level: AreaLevel, ods: string): AreaMonth[] {
  return (level === "sicbl" ? data.sicbls.get(ods) : level === "icb" ? data.icbs.get(ods) : data.regions.get(ods)) ?? [];
}

function labelOf(level: AreaLevel, row: AreaMonth): string {
  const ods = areaOds(level, row);
  const name = areaName(level, row);
  return level === "sicbl" ? sicblLabel(name, ods) : level === "icb" ? icbLabel(name, ods) : regionLabel(name, ods);
}

/** Every practice, Sub ICB Location and ICB row by its parent area, built once for all pages. */
export interface AreaIndex {
  practicesBySicbl: Map<string, PracticeMonth[]>;
  sicblsByIcb: Map<string, SicblMonth[]>;
  icbsByRegion: Map<string, IcbMonth[]>;
  /** A practice month's areas, to roll failure reasons and error codes up. */
  practiceAreas: Map<string, { sicbl: string | null; icb: string | null; region: string | null }>;
}

export function indexAreas(data: OrgData): AreaIndex {
  const practicesBySicbl = new Map<string, PracticeMonth[]>();
  const practiceAreas = new Map<string, { sicbl: string | null; icb: string | null; region: string | null }>();
  for (const rows of data.practices.values()) {
    for (const row of rows) {
      practiceAreas.set(`${row.practice_ods_code}|${row.metric_month}`, { sicbl: row.sicbl_ods_code, icb: row.icb_ods_code, region: row.region_ods_code });
      if (row.sicbl_ods_code) push(practicesBySicbl, row.sicbl_ods_code, row);
    }
  }
  const sicblsByIcb = new Map<string, SicblMonth[]>();
  for (const rows of data.sicbls.values()) for (const row of rows) if (row.icb_ods_code) push(sicblsByIcb, row.icb_ods_code, row);
  const icbsByRegion = new Map<string, IcbMonth[]>();
  for (const rows of data.icbs.values()) for (const row of rows) if (row.region_ods_code) push(icbsByRegion, row.region_ods_code, row);
  return { practicesBySicbl, sicblsByIcb, icbsByRegion, practiceAreas };
}

function push<T>(map: Map<string, T[]>, key: string, row: T): void {
  const list = map.get(key);
  if (list) list.push(row);
  else map.set(key, [row]);
}

function levels(index: AreaIndex): Record<AreaLevel, LevelSpec> {
  const part = (row: AreaMonth | PracticeMonth, folder: string, ods: string, name: string | null, label: string, exists: boolean): PartRow => ({
    ...(row as unknown as Row),
    page: exists ? `/${folder}/${ods}/` : null,
    label,
    name: name ?? ods,
    ods,
  });
  return {
    sicbl: {
      folder: "sub-icb-locations",
      title: "Sub ICB Location",
      breadcrumb: "Sub ICB Locations",
      partTitle: "Registering practice name",
      partsHeading: "registering practices",
      partsNoun: "practices",
      label: (row) => labelOf("sicbl", row),
      rows: (data, ods) => areaRows(data, "sicbl", ods),
      parts: (data, ods) =>
        (index.practicesBySicbl.get(ods) ?? []).map((row) => ({
          ...part(row, "practices", row.practice_ods_code, row.practice_name, practiceLabel(row.practice_name, row.practice_ods_code), data.practices.has(row.practice_ods_code)),
          ...practiceMonthRow(row),
        })),
      parents: (_data, latest) => {
        const row = latest as SicblMonth;
        return row.icb_ods_code ? [{ level: "icb", ods: row.icb_ods_code }] : [];
      },
    },
    icb: {
      folder: "icbs",
      title: "ICB",
      breadcrumb: "ICBs",
      partTitle: "Sub ICB Location",
      partsHeading: "Sub ICB Locations",
      partsNoun: "Sub ICB Locations",
      label: (row) => labelOf("icb", row),
      rows: (data, ods) => areaRows(data, "icb", ods),
      parts: (data, ods) => (index.sicblsByIcb.get(ods) ?? []).map((row) => part(row, "sub-icb-locations", row.sicbl_ods_code, row.sicbl_name, labelOf("sicbl", row), data.sicbls.has(row.sicbl_ods_code))),
      parents: (_data, latest) => {
        const row = latest as IcbMonth;
        return row.region_ods_code ? [{ level: "region", ods: row.region_ods_code }] : [];
      },
    },
    region: {
      folder: "regions",
      title: "NHS England region",
      breadcrumb: "NHS England regions",
      partTitle: "ICB",
      partsHeading: "ICBs",
      partsNoun: "ICBs",
      label: (row) => labelOf("region", row),
      rows: (data, ods) => areaRows(data, "region", ods),
      parts: (data, ods) => (index.icbsByRegion.get(ods) ?? []).map((row) => part(row, "icbs", row.icb_ods_code, row.icb_name, labelOf("icb", row), data.icbs.has(row.icb_ods_code))),
      parents: () => [],
    },
  };
}

const NAME_LEVEL: Record<AreaLevel, string> = { sicbl: "This Sub ICB Location", icb: "This ICB", region: "This region" };
const PARENT_NAME: Record<AreaLevel, string> = { sicbl: "Its Sub ICB Location", icb: "Its ICB", region: "Its region" };

/** Reasons and error codes rolled up for every area at once (one pass over the practice rows, not one per page). */
export interface AreaBreakdowns {
  reasons: Map<string, Map<string, Map<string, Row>>>;
  errorCodes: Map<string, Map<string, Map<string, Row>>>;
}

const reasonKey = (row: ReasonRow) => `${row.status}|${row.failure_reason}`;
const errorKey = (row: ErrorCodeRow) => `${row.error_code}|${row.short_name ?? ""}|${row.description ?? ""}|${row.error_location ?? ""}`;
const STATUS_ORDER: Record<string, number> = { "Technical failure": 1, "Unclassified failure": 2 };

/** Every area's failure reasons and error codes by month, keyed "<level>|<ods>". */
export function breakdownAreas(data: OrgData, index: AreaIndex): AreaBreakdowns {
  const reasons = new Map<string, Map<string, Map<string, Row>>>();
  const errorCodes = new Map<string, Map<string, Map<string, Row>>>();
  const add = <T>(target: Map<string, Map<string, Map<string, Row>>>, practice: string, row: T & { metric_month: string }, key: string, make: () => Row, merge: (into: Row) => void) => {
    const areas = index.practiceAreas.get(`${practice}|${row.metric_month}`);
    if (!areas) return;
    for (const level of ["sicbl", "icb", "region"] as const) {
      const ods = areas[level];
      if (!ods) continue;
      const areaKey = `${level}|${ods}`;
      let months = target.get(areaKey);
      if (!months) target.set(areaKey, (months = new Map()));
      let groups = months.get(row.metric_month);
      if (!groups) months.set(row.metric_month, (groups = new Map()));
      const found = groups.get(key);
      if (found) merge(found);
      else groups.set(key, make());
    }
  };
  for (const [practice, rows] of data.reasons) {
    for (const row of rows) {
      add(reasons, practice, row, reasonKey(row), () => ({ status: row.status, failure_reason: row.failure_reason, transfer_count: row.transfer_count }), (into) => {
        into.transfer_count = (into.transfer_count as number) + row.transfer_count;
      });
    }
  }
  for (const [practice, rows] of data.errorCodes) {
    for (const row of rows) {
      add(
        errorCodes,
        practice,
        row,
        errorKey(row),
        () => ({ error_code: row.error_code, short_name: row.short_name, description: row.description ?? "Not in the GP2GP error code table", seen: errorLocation(row.error_location), transfer_count: row.transfer_count, technical_failure_count: row.technical_failure_count ?? 0 }),
        (into) => {
          into.transfer_count = (into.transfer_count as number) + row.transfer_count;
          into.technical_failure_count = (into.technical_failure_count as number) + (row.technical_failure_count ?? 0);
        },
      );
    }
  }
  return { reasons, errorCodes };
}

function sortedBreakdown(groups: Map<string, Row> | undefined, kind: "reasons" | "errorCodes"): Row[] {
  const rows = [...(groups?.values() ?? [])];
  const text = (row: Row, key: string) => String(row[key] ?? "");
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return kind === "reasons"
    ? rows.sort((a, b) => (STATUS_ORDER[text(a, "status")] ?? 3) - (STATUS_ORDER[text(b, "status")] ?? 3) || (b.transfer_count as number) - (a.transfer_count as number) || cmp(text(a, "failure_reason"), text(b, "failure_reason")))
    : rows.sort((a, b) => (b.transfer_count as number) - (a.transfer_count as number) || cmp(text(a, "error_code"), text(b, "error_code")) || cmp(text(a, "seen"), text(b, "seen")));
}

/** The columns of the parts' tables: the part as a link, the practices it has (areas only), then the figures. */
function partColumns(spec: LevelSpec, level: AreaLevel, figures: Column[]): Column[] {
  return [
    { id: "name", title: spec.partTitle, type: "link", key: "page", label: "label", sortKey: "name" },
    ...(level === "sicbl" ? [] : [{ id: "practices", title: "Practices", type: "count", key: "practice_count" } as Column]),
    ...figures,
  ];
}

const PART_FIELDS = ["page", "label", "name", "ods", "practice_count", ...PRACTICE_MONTH_FIELDS.filter((f) => !["metric_month", "month_label", "month_name"].includes(f))];

export function renderAreaPage(site: SiteFrame, data: OrgData, index: AreaIndex, breakdowns: AreaBreakdowns, level: AreaLevel, ods: string): string {
  const spec = levels(index)[level];
  const script = orgPagesScript();
  const rows = spec.rows(data, ods);
  const months = rows.slice(0, PAGE_MONTHS);
  const latest = months[0];
  if (!latest) throw new Error(`No ${level}_metrics_monthly row for ${ods}`);
  const shown = defaultMonth(months)!;
  const shownRow = months.find((row) => row.metric_month === shown)!;
  const label = spec.label(latest);
  const shownLabel = monthLabel(shown, shownRow.is_final);
  const download = level === "sicbl" ? downloadMonths(data.latestFinalMonth) : [];
  const partMonths = new Set([...months.map((row) => row.metric_month), ...download]);

  // The parts of the area by month (practices carry the download's fields too).
  const parts: Record<string, PartRow[]> = {};
  for (const month of partMonths) parts[month] = [];
  for (const row of spec.parts(data, ods)) parts[String(row.metric_month)]?.push(row);
  for (const month of Object.keys(parts)) if (parts[month]!.length === 0 && !months.some((row) => row.metric_month === month)) delete parts[month];

  // The area against its parents and England, month by month (each row's percentages are its mart's).
  const parents = spec.parents(data, latest);
  const comparison: Record<string, Row[]> = {};
  const sentences: Record<string, string> = {};
  for (const row of months) {
    const list: Row[] = [{ area: NAME_LEVEL[level], requested_count: row.requested_count, integrated_on_time_count: row.integrated_on_time_count, integrated_on_time_percent: row.integrated_on_time_percent, paper_fallback_percent: row.paper_fallback_percent }];
    for (const parent of parents) {
      const parentRow = areaRows(data, parent.level, parent.ods).find((r) => r.metric_month === row.metric_month);
      if (parentRow) list.push({ area: `${PARENT_NAME[parent.level]}: ${labelOf(parent.level, parentRow)}`, requested_count: parentRow.requested_count, integrated_on_time_count: parentRow.integrated_on_time_count, integrated_on_time_percent: parentRow.integrated_on_time_percent, paper_fallback_percent: parentRow.paper_fallback_percent });
    }
    const england = data.national.find((n) => n.metric_month === row.metric_month);
    if (england) list.push({ area: "England", requested_count: england.transfer_count, integrated_on_time_count: england.integrated_on_time_count, integrated_on_time_percent: england.integrated_on_time_percent, paper_fallback_percent: england.paper_fallback_percent });
    comparison[row.metric_month] = list;
    const percent = (r: Row | undefined) => script.formatPercent(r?.paper_fallback_percent ?? null, 2);
    const parentText = list.length > 2 ? `, against ${percent(list[1])} in ${level === "sicbl" ? "its ICB" : "its region"}` : "";
    sentences[row.metric_month] = `In ${monthLabel(row.metric_month, row.is_final)}, ${percent(list[0])} of the transfers requested by this ${level === "sicbl" ? "Sub ICB Location" : level === "icb" ? "ICB" : "region"}'s practices fell back to paper (not integrated within 8 days, for any reason)${parentText}${england ? ` and ${percent(list[list.length - 1])} across England` : ""}.`;
  }

  const monthSet = new Set(months.map((row) => row.metric_month));
  const breakdown = (kind: "reasons" | "errorCodes") => {
    const source = (kind === "reasons" ? breakdowns.reasons : breakdowns.errorCodes).get(`${level}|${ods}`);
    return Object.fromEntries([...monthSet].map((month) => [month, sortedBreakdown(source?.get(month), kind)]));
  };
  const reasons = breakdown("reasons");
  const errorCodes = breakdown("errorCodes");
  const trend = months.map((row) => ({ ...(row as unknown as Row), month_label: monthLabel(row.metric_month, row.is_final) }));

  const noun = level === "sicbl" ? "Sub ICB Location" : level === "icb" ? "ICB" : "region";
  const tables: Table[] = [
    {
      id: "parts-integration",
      caption: `Table 1: Integration times for ${spec.partsHeading}${level === "sicbl" ? "" : " (their registering practices added up)"} - {month}`,
      source: "parts",
      byMonth: true,
      columns: partColumns(spec, level, INTEGRATION_COLUMNS),
      sortable: true,
      defaultSort: { column: "not_within_8_days", order: "descending" },
      tiebreak: [
        { key: "received_count", order: "descending" },
        { key: "ods", order: "ascending" },
      ],
      empty: `No ${spec.partsNoun} in this month.`,
    },
    {
      id: "parts-requested",
      caption: `Table 2: GP2GP transfers requested for ${spec.partsHeading} - {month}`,
      source: "parts",
      byMonth: true,
      columns: partColumns(spec, level, REQUESTED_COLUMNS),
      sortable: true,
      defaultSort: { column: "failures", order: "descending" },
      tiebreak: [
        { key: "requested_count", order: "descending" },
        { key: "ods", order: "ascending" },
      ],
      empty: `No ${spec.partsNoun} in this month.`,
    },
    {
      id: "failure-reasons",
      caption: "Table 3: Transfers not integrated within 8 days by failure type and reason - {month}",
      source: "reasons",
      byMonth: true,
      columns: [
        { id: "status", title: "Type of failure", type: "text", key: "status" },
        { id: "reason", title: "Reason", type: "text", key: "failure_reason" },
        { id: "transfers", title: "Transfers", type: "count", key: "transfer_count" },
      ],
      empty: "No transfer fell back to paper in this month.",
    },
    { id: "error-codes", caption: "Table 4: GP2GP error codes reported in the practices' transfers - {month}", source: "errorCodes", byMonth: true, columns: ERROR_CODE_COLUMNS, empty: "No error code was reported in this month." },
    {
      id: "comparison",
      caption: `Table 5: Transfers requested and integrated within 8 days, this ${noun}${parents.length > 0 ? `, its ${parents[0]!.level === "icb" ? "ICB" : "region"}` : ""} and England - {month}`,
      source: "comparison",
      byMonth: true,
      columns: [
        { id: "area", title: "Area", type: "text", key: "area" },
        { id: "requested", title: "GP2GP transfers requested", type: "count", key: "requested_count" },
        { id: "on_time", title: "Integrated within 8 days", type: "count", key: "integrated_on_time_count" },
        { id: "on_time_percent", title: "Integrated within 8 days (% of requested)", type: "percent", key: "integrated_on_time_percent", digits: 2 },
        { id: "paper", title: "Paper fallback (% of requested)", type: "percent", key: "paper_fallback_percent", digits: 2 },
      ],
    },
    {
      id: "trend",
      caption: `Table 6: Integration times for the ${noun}'s registering practices, newest month first`,
      source: "trend",
      byMonth: false,
      columns: [
        { id: "month", title: "Month", type: "text", key: "month_label" },
        { id: "requested", title: "Registrations that triggered GP2GP transfer", type: "count", key: "requested_count" },
        { id: "received", title: "GP2GP transfers received", type: "count", key: "received_count" },
        INTEGRATION_COLUMNS[1]!,
        INTEGRATION_COLUMNS[2]!,
        INTEGRATION_COLUMNS[3]!,
        { id: "median", title: "Median time to integrate (hours)", type: "hours", key: "sla_duration_median_seconds" },
        { id: "p90", title: "90th percentile (hours)", type: "hours", key: "sla_duration_p90_seconds" },
      ],
    },
  ];
  const byMonthSet = (set: Record<string, Row[]>, fields: string[]) => Object.fromEntries(Object.entries(set).map(([month, list]) => [month, columnar(list, fields)]));
  const partFields = level === "sicbl" ? [...PART_FIELDS.filter((f) => f !== "practice_count"), "month_name"] : PART_FIELDS.filter((f) => !["practice_ods_code", "practice_name", "sicbl_ods_code", "sicbl_name"].includes(f));
  const pageData: PageData = {
    base: site.base,
    month: shown,
    months: months.map(monthOption),
    units: "percentages",
    sets: {
      parts: byMonthSet(parts, partFields),
      reasons: byMonthSet(reasons, ["status", "failure_reason", "transfer_count"]),
      errorCodes: byMonthSet(errorCodes, ["error_code", "short_name", "description", "seen", "transfer_count", "technical_failure_count"]),
      comparison: byMonthSet(comparison, ["area", "requested_count", "integrated_on_time_count", "integrated_on_time_percent", "paper_fallback_percent"]),
      trend: columnar(trend, ["month_label", "requested_count", "received_count", ...INTEGRATION_COLUMNS.slice(1).flatMap((c) => (c.type === "units" ? [c.count, c.percent] : [])), "sla_duration_median_seconds", "sla_duration_p90_seconds"]),
    },
    tables,
    ...(level === "sicbl" ? { download: { name: label, source: "parts", byMonth: true, months: download.filter((month) => parts[month]) } } : {}),
  };
  const decoded = script.decodeData(pageData);
  const state = script.initialState(pageData);
  const figure = (id: string) => renderTableFigure(tables.find((t) => t.id === id)!, decoded, state);
  const sortChoices = (table: Table) => table.columns.map((column) => ({ value: column.id, label: column.id === "failures" ? "GP2GP technical failures" : column.id === "not_within_8_days" ? "Not integrated within 8 days" : column.title }));
  const sortControls = (table: Table, sortLabel: string, orderLabel: string) =>
    renderControls([
      renderSelect({ id: `${table.id}-sort`, label: sortLabel, control: "sort", table: table.id, value: table.defaultSort!.column, choices: sortChoices(table) }),
      renderSelect({ id: `${table.id}-order`, label: orderLabel, control: "order", table: table.id, value: table.defaultSort!.order, choices: ORDER_CHOICES }),
    ]);

  const parentLinks = parents.flatMap((parent) => {
    const parentRow = areaRows(data, parent.level, parent.ods)[0];
    const grand = parent.level === "icb" && parentRow ? (parentRow as IcbMonth).region_ods_code : null;
    const grandRow = grand ? areaRows(data, "region", grand)[0] : undefined;
    return [
      ...(parentRow ? [{ href: `/${parent.level === "icb" ? "icbs" : "regions"}/${parent.ods}/`, label: labelOf(parent.level, parentRow) }] : []),
      ...(grandRow && grand ? [{ href: `/regions/${grand}/`, label: labelOf("region", grandRow) }] : []),
    ];
  });
  const parentText = parentLinks.length > 0 ? `, part of ${parentLinks.map((link) => `<a href="${escapeHtml(`${site.base}${link.href}`)}">${escapeHtml(link.label)}</a>`).join(" in the ")}` : "";
  const headlines = renderHeadlines(`${shownLabel}${shownRow.is_final ? ", the latest final month" : ""}`, [
    { id: "practices", label: "Practices", value: script.formatCount(shownRow.practice_count) },
    { id: "requested", label: "Registrations that triggered GP2GP transfer", value: script.formatCount(shownRow.requested_count) },
    { id: "within-3-days", label: "Integrated within 3 days", value: script.formatPercent(shownRow.integrated_within_3_days_percent_of_received), detail: `${script.formatCount(shownRow.integrated_within_3_days_count)} of the transfers received` },
    { id: "not-within-8-days", label: "Not integrated within 8 days (paper copy requested)", value: script.formatPercent(shownRow.not_integrated_within_8_days_percent_of_received), detail: `${script.formatCount(shownRow.not_integrated_within_8_days_total)} of the transfers received` },
    { id: "paper-fallback", label: "Paper fallback (% of requested)", value: script.formatPercent(shownRow.paper_fallback_percent, 2) },
  ]);
  const sentenceHtml = months
    .map((row) => `<p data-comparison data-month="${escapeHtml(row.metric_month)}"${row.metric_month === shown ? "" : " hidden"}>${escapeHtml(sentences[row.metric_month])}</p>`)
    .join("\n");
  const related = [
    ...parentLinks,
    { href: `/${spec.folder}/`, label: `All ${spec.breadcrumb}` },
    ...(level === "region" ? [{ href: "/icbs/", label: "All ICBs" }] : level === "icb" ? [{ href: "/sub-icb-locations/", label: "All Sub ICB Locations" }] : []),
    { href: "/search/", label: "Find a practice or area" },
    { href: "/definitions/", label: "Definitions and notes about this data" },
  ];
  const partsTable = tables[0]!;
  const requestedTable = tables[1]!;

  const body = `<h1>${escapeHtml(label)}</h1>
<p class="gp2gp-lead">Integration times for the ${escapeHtml(spec.partsHeading)} of ${escapeHtml(label)}${parentText}, one month at a time, for the ${escapeHtml(noun)}'s team and ${level === "sicbl" ? "its practices" : "the teams of its areas"}. The ${escapeHtml(spec.partsNoun)} whose records most often missed the 8-day deadline come first. A month marked provisional is less than 15 days past its end: its transfers may still be integrated.</p>
${headlines}
${renderControls([
  renderSelect({ id: "month", label: "Month", control: "month", value: shown, choices: months.map((row) => ({ value: row.metric_month, label: monthLabel(row.metric_month, row.is_final) })) }),
  renderSelect({ id: "units", label: "Units", control: "units", value: "percentages", choices: UNITS_CHOICES }),
])}
<h2>Integration times for ${escapeHtml(spec.partsHeading)}</h2>
<p>The previous practice is told to print and post the record when it is not integrated within 8 days. Integration times run from when the core record was sent to when it was integrated. Percentages are of transfers received; "n/a" means none was received. ${escapeHtml(spec.partsNoun[0]!.toUpperCase() + spec.partsNoun.slice(1))} start sorted by "Not integrated within 8 days", highest first; choose another column or order ("n/a" always comes last). Switching units keeps the sorted column.</p>
${sortControls(partsTable, "Sort by", "Order")}
${figure("parts-integration")}
<h2>GP2GP transfers requested for ${escapeHtml(spec.partsHeading)}</h2>
<p>When a transfer fails, a task is raised for the previous practice to post a paper copy. Percentages are of registrations that triggered a transfer. ${escapeHtml(spec.partsNoun[0]!.toUpperCase() + spec.partsNoun.slice(1))} start sorted by "GP2GP technical failures", highest first.</p>
${sortControls(requestedTable, "Sort transfers requested by", "Order of transfers requested")}
${figure("parts-requested")}
<h2>Why transfers were not integrated within 8 days</h2>
<p>Not on NHS England's GP Registrations Data site: every transfer of the ${escapeHtml(noun)}'s practices in <span data-month-label>${escapeHtml(shownLabel)}</span> that fell back to paper, by type and reason, and the GP2GP error codes their systems reported, with what each code means. Technical failures are not caused by practice staff: report them to the practice's system supplier.</p>
${figure("failure-reasons")}
${figure("error-codes")}
<h2>Compared with ${parents.length > 0 ? `its ${parents[0]!.level === "icb" ? "ICB" : "region"} and ` : ""}England</h2>
${sentenceHtml}
${figure("comparison")}
<h2>The ${escapeHtml(noun)} month by month</h2>
<p>The latest six months loaded for the ${escapeHtml(noun)}, newest first, in the units chosen above, with the median and 90th percentile time from the core record being sent to integration over its integrated transfers.</p>
${figure("trend")}
${renderBandChart("trend-chart", `Chart 7: Transfers received each month by integration time, percent, ${label}`, months.map((row) => ({ month: row.metric_month, isFinal: row.is_final, within3: row.integrated_within_3_days_percent_of_received, within8: row.integrated_within_8_days_percent_of_received, notWithin8: row.not_integrated_within_8_days_percent_of_received })), "trend")}
${
  level === "sicbl"
    ? renderJourneySection(data, data.journeys.get(journeyKey("sicbl", ods)) ?? [], {
        tableNumber: 8,
        requestedBy: "this Sub ICB Location's practices",
        scopeNote: "The transfers counted are those the Sub ICB Location's practices requested as the registering (new) practice, as in the tables above, each practice in the Sub ICB Location of its latest transfer.",
      })
    : ""
}
${renderRelated(site.base, related)}
${level === "sicbl" ? renderDownload(site.base, downloadNote(pageData)) : ""}`;

  return renderDocument(site, {
    title: label,
    description: `GP2GP integration times for the ${spec.partsHeading} of ${label}.`,
    breadcrumbs: [{ href: `/${spec.folder}/`, label: spec.breadcrumb }, { label }],
    section: `/${spec.folder}/`,
    body,
    data: pageData,
  });
}

function downloadNote(data: PageData): string {
  const rows = orgPagesScript().downloadRows(orgPagesScript().decodeData(data), "six").length;
  return `${rows} ${rows === 1 ? "row" : "rows"} in the last 6 final months.`;
}

