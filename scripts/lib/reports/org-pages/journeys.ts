/**
 * The "Where transfers stopped" section of the practice and Sub ICB Location pages: for the latest final month, each
 * journey stage's transfers reaching it and stopping there, the median time spent in it and the share over its
 * service level, against England, from organisation_journey_stages_monthly. A static table (every figure in the HTML,
 * nothing for the script to redraw), in the markup the page's other tables have.
 */
import type { JourneyStageRow, OrgData } from "./data";
import { journeyKey } from "./data";
import { escapeHtml, monthName } from "./html";
import { orgPagesScript } from "./shared";

/** The element id of the section's table. */
export const JOURNEY_TABLE_ID = "journey-stages";

const DURATION_UNITS: { from: number; size: number; unit: string }[] = [
  { from: 2 * 86_400, size: 86_400, unit: "day" },
  { from: 2 * 3_600, size: 3_600, unit: "hour" },
  { from: 60, size: 60, unit: "minute" },
  { from: 0, size: 1, unit: "second" },
];

/** Seconds in the unit that reads best: "45 seconds", "59 minutes", "24 hours", "3.2 days"; "n/a" when missing. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "n/a";
  const { size, unit } = DURATION_UNITS.find((u) => seconds >= u.from)!;
  const value = seconds / size;
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${unit}${text === "1" ? "" : "s"}`;
}

/** "3 (42.9%)": a count and its percentage of `whole`; the count alone when `whole` is 0. */
function countOf(part: number, whole: number): string {
  const script = orgPagesScript();
  return whole === 0 ? script.formatCount(part) : `${script.formatCount(part)} (${script.formatPercent((100 * part) / whole)})`;
}

const percentOf = (part: number, whole: number) => orgPagesScript().formatPercent(whole === 0 ? null : (100 * part) / whole);

export interface JourneySectionOptions {
  /** The section's table number on its page. */
  tableNumber: number;
  /** Who requested the transfers, in a sentence: "this practice" or "this Sub ICB Location's practices". */
  requestedBy: string;
  /** The sentence saying which transfers are counted (which side of the transfer, which practices). */
  scopeNote: string;
}

/** The section for the scope's stages (`rows`, in stage order) in the latest final month, with England's beside them. */
export function renderJourneySection(data: OrgData, rows: readonly JourneyStageRow[], options: JourneySectionOptions): string {
  const month = data.latestFinalMonth;
  const heading = `<h2 id="journey-heading">Where transfers stopped</h2>`;
  if (!month) return `<section class="gp2gp-journeys" aria-labelledby="journey-heading">${heading}<p>No month's figures are final yet.</p></section>`;
  const label = monthName(month);
  const england = new Map((data.journeys.get(journeyKey("england")) ?? []).map((row) => [row.stage_order, row]));
  const intro = `<p>Each transfer of ${escapeHtml(label)}, the latest final month, at the last stage its GP2GP messages reached within 14 days of the request: requested, request acknowledged by the previous practice's system, core record sent, large-record fragments sent (a standard record passes through this stage with nothing to send) and core record acknowledged (integrated, suppressed or rejected). ${escapeHtml(options.scopeNote)} A transfer that stopped before the last stage fell back to paper. The time in a stage runs until the message that ends it (for the core record, the acknowledgement that integrates or rejects it; for the fragments, the last one's acknowledgement), so it is measured only for the transfers that left the stage; the service level is 24 hours for the request's acknowledgement and for the fragments, 20 minutes from the acknowledgement to the core record and 8 days from the core record to integration.</p>`;
  if (rows.length === 0) {
    return `<section class="gp2gp-journeys" aria-labelledby="journey-heading">${heading}${intro}<p>No transfer was requested by ${escapeHtml(options.requestedBy)} in ${escapeHtml(label)}.</p></section>`;
  }
  const columns = [
    "Stage",
    "Transfers reaching the stage",
    "Stopped at this stage (% of those reaching it)",
    "England: stopped at this stage (%)",
    "Median time in the stage",
    "England: median time in the stage",
    "Service level",
    "Over the service level (% of those that left the stage)",
    "England: over the service level (%)",
  ];
  const head = `<thead><tr>${columns.map((title, index) => `<th scope="col"${index === 0 ? "" : ' class="gp2gp-number"'}>${escapeHtml(title)}</th>`).join("")}</tr></thead>`;
  const body = rows
    .map((row) => {
      const national = england.get(row.stage_order);
      const hasLevel = row.service_level_seconds !== null;
      const cells = [
        orgPagesScript().formatCount(row.transfers_reached),
        countOf(row.transfers_ended, row.transfers_reached),
        national ? percentOf(national.transfers_ended, national.transfers_reached) : "n/a",
        formatDuration(row.time_in_stage_median_seconds),
        formatDuration(national?.time_in_stage_median_seconds ?? null),
        hasLevel ? formatDuration(row.service_level_seconds) : "None",
        // nothing measured when no transfer left the stage (a standard record has no fragments)
        hasLevel && row.timed_transfer_count > 0 ? countOf(row.exceeded_service_level_count, row.timed_transfer_count) : "n/a",
        hasLevel && national ? percentOf(national.exceeded_service_level_count, national.timed_transfer_count) : "n/a",
      ];
      return `<tr><th scope="row">${escapeHtml(`${row.stage_order}. ${row.stage}`)}</th>${cells.map((cell) => `<td class="gp2gp-number">${escapeHtml(cell)}</td>`).join("")}</tr>`;
    })
    .join("");
  const caption = `Table ${options.tableNumber}: Where the transfers requested by ${options.requestedBy} stopped, by stage, against England - ${label}`;
  const table = `<figure class="gp2gp-figure"><div class="gp2gp-table-scroll" tabindex="0" role="region" aria-labelledby="${JOURNEY_TABLE_ID}-caption"><table id="${JOURNEY_TABLE_ID}"><caption id="${JOURNEY_TABLE_ID}-caption">${escapeHtml(caption)}</caption>${head}<tbody>${body}</tbody></table></div></figure>`;
  return `<section class="gp2gp-journeys" aria-labelledby="journey-heading">${heading}${intro}${table}</section>`;
}
