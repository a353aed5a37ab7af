/**
 * Deterministic synthetic GP2GP data: daily Spine message exports plus the monthly reference data and the
 * geography lookup, laid out as the loader expects them:
 *
 *   spine/YYYY-MM-DD_spine_messages.csv.gz      one per UTC day, rows in time order
 *   reference/YYYY-MM_organisationMetadata.json one per month touched (format v5)
 *   reference/YYYY-MM_asidLookup.csv.gz         one per month touched
 *   reference/geography.csv                     SICBL → ICB → region
 *   manifest.json                               options, configuration, files (with SHA-256), counts, churn
 *
 * Practices change from month to month (churn.ts: closures, mergers, moves, openings); each month's reference
 * files list that month's practices, and the messages of a day come only from practices listed that month (a
 * closing practice's transfers all end before it closes; a merged practice's ASIDs belong to the survivor).
 *
 * Generation runs day by day. The conversations requested on a day are built whole; each message goes to the
 * buffer of its UTC day, and a day's file is written (then its buffer freed) once that day's requests are built,
 * since no message precedes its conversation's request day. The file is compressed while the next day is built,
 * so memory holds at most two days' rows plus the few later messages (late acknowledgements) of earlier
 * conversations, whatever the length of the run. Messages after the last generated day are dropped, as a real
 * export cut at the end of the window would be.
 *
 * Every random draw of a day comes from a stream keyed by the seed and the date, so a day's requests do not
 * depend on the rest of the window.
 */
import path from "node:path";
import { DAY_MS, TIME_FORMAT, WEEKDAYS, isBritishSummerTime, isoDate, isoMonth, parseIsoDate, weekdayIndex, type TimeFormat } from "./calendar";
import { DEFAULT_GENERATOR_CONFIG, SCENARIO_IDS, validateConfig, type GeneratorConfig, type ScenarioId } from "./config";
import { CHURN_KINDS, OrganisationTimeline, type ChurnEvent, type ChurnKind } from "./churn";
import { ASID_LOOKUP_HEADER, GEOGRAPHY_HEADER, asidLookupRows, buildUniverse, geographyRows, organisationMetadata, practiceAsids } from "./organisations";
import { DayBuffer } from "./day_buffer";
import { LogHistogram } from "./histogram";
import { INTERACTION, type DraftMessage } from "./messages";
import { Random } from "./random";
import { DISCARDED, SCENARIOS, ScenarioTables, buildConversation, outcomeLabel } from "./scenarios";
import { Traffic } from "./traffic";
import { spineLine, writeCsv, writeJson, writeSpineFile, type WrittenFile } from "./writers";

export { DEFAULT_GENERATOR_CONFIG, SCENARIO_IDS, type GeneratorConfig, type ScenarioId } from "./config";
export { DISCARDED, SCENARIOS, TAG, outcomeLabel, type IntendedOutcome } from "./scenarios";
export { CHURN_KINDS, type ChurnEvent, type ChurnKind } from "./churn";
export type { WrittenFile } from "./writers";

/** Version of the manifest layout; 2 added practice churn, pathways, weekdays and core EHR timing. */
export const MANIFEST_VERSION = 2;

export interface GenerateOptions {
  /** Output directory; created if missing. Files of the same names are replaced, others are left alone. */
  readonly outDir: string;
  /** First UTC day, `YYYY-MM-DD`. */
  readonly start: string;
  readonly days: number;
  readonly practices: number;
  readonly seed: number;
  /** Called after each day file is written. */
  readonly onProgress?: (progress: GenerateProgress) => void;
  /** Rates and timings; DEFAULT_GENERATOR_CONFIG when omitted. */
  readonly config?: GeneratorConfig;
}

export interface GenerateProgress {
  /** The UTC day just written, `YYYY-MM-DD`. */
  readonly day: string;
  /** Conversations requested that day. */
  readonly conversations: number;
  /** Rows written to that day's file (including later messages of earlier days' conversations). */
  readonly rows: number;
}

export interface GenerateSummary {
  readonly outDir: string;
  readonly start: string;
  /** Last generated UTC day (inclusive). */
  readonly end: string;
  readonly days: number;
  readonly practices: number;
  readonly seed: number;
  /** Every file written, the manifest last. */
  readonly files: readonly WrittenFile[];
  readonly conversations: {
    readonly total: number;
    /** By scenario (config.ts SCENARIO_IDS), every scenario listed. */
    readonly byScenario: Readonly<Record<ScenarioId, number>>;
    /** By intended outcome at the 14-day cutoff, "Status / Failure reason" (see scenarios.ts). */
    readonly byOutcome: Readonly<Record<string, number>>;
    /** By variation: large messages, UK07 EHRs, error codes, unknown ASIDs … (scenarios.ts TAG). */
    readonly byTag: Readonly<Record<string, number>>;
    /** By weekday of the request (UTC day), Mon … Sun. */
    readonly byWeekday: Readonly<Record<string, number>>;
    /** By supplier pathway, "requesting/sending" (e.g. "EMIS/TPP"; "Unknown" for ASIDs no reference file knows). */
    readonly byPathway: Readonly<Record<string, number>>;
  };
  /** Request → first core EHR of the conversations that send one (discarded conversations left out). */
  readonly coreEhrTiming: {
    readonly conversations: number;
    /** Median and 90th percentile, seconds (from a log-scale histogram, within ≈ 2 %). */
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    /** Share with the core EHR at most 45 minutes after the request. */
    readonly within45MinutesShare: number | null;
  };
  readonly rows: {
    readonly written: number;
    /** Messages timestamped after the last generated day, not written. */
    readonly afterWindow: number;
    /** Written rows by `_time` spelling. */
    readonly byTimeFormat: { readonly utc: number; readonly isoOffset: number; readonly bst: number };
  };
  readonly organisations: {
    readonly regions: number;
    readonly icbs: number;
    readonly sicbls: number;
    /** Practices and ASIDs listed in the first month. */
    readonly practices: number;
    readonly asids: number;
    readonly unknownAsids: number;
    /** Practices and ASIDs each month's reference files list. */
    readonly byMonth: Readonly<Record<string, { readonly practices: number; readonly asids: number }>>;
    /** Changes shown by the reference files written (months after the first), by kind. */
    readonly churn: Readonly<Record<ChurnKind, number>>;
    /** Those changes, in month order. */
    readonly events: readonly ChurnEvent[];
  };
}

const MAX_DAYS = 3660;
const MAX_PRACTICES = 100_000;

function validateOptions(options: GenerateOptions): number {
  if (typeof options.outDir !== "string" || options.outDir.trim() === "") throw new Error("An output directory is required");
  const startMs = parseIsoDate(options.start);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_DAYS) {
    throw new Error(`days must be an integer from 1 to ${MAX_DAYS}, got ${options.days}`);
  }
  if (!Number.isInteger(options.practices) || options.practices < 1 || options.practices > MAX_PRACTICES) {
    throw new Error(`practices must be an integer from 1 to ${MAX_PRACTICES}, got ${options.practices}`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new Error(`seed must be an integer, got ${options.seed}`);
  return startMs;
}

/** Counts with a fixed key order, so the manifest and summary are byte-stable. */
class Counter {
  private readonly counts = new Map<string, number>();
  constructor(keys: readonly string[] = []) {
    for (const key of keys) this.counts.set(key, 0);
  }
  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  toRecord(sortKeys = false): Record<string, number> {
    const entries = [...this.counts.entries()];
    if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }
}

/**
 * Sends each message to the buffer of its UTC day, in the `_time` spelling drawn for it, or drops it when it
 * falls after the window (as a real export cut at the window's end would).
 */
class DayRouter {
  private readonly pending = new Map<number, DayBuffer>();
  afterWindow = 0;
  readonly byTimeFormat = { utc: 0, isoOffset: 0, bst: 0 };

  constructor(
    private readonly startMs: number,
    private readonly days: number,
    private readonly formats: GeneratorConfig["timeFormats"],
  ) {}

  /** Routes a message of a conversation requested on day `requestDay` (an index into the window). */
  route(message: DraftMessage, requestDay: number, formatRng: Random): void {
    // One draw per message, written or not, so spellings do not depend on where the window ends.
    const timeFormat = this.timeFormat(formatRng, message.time);
    const dayIndex = Math.floor((message.time - this.startMs) / DAY_MS);
    if (dayIndex >= this.days) {
      this.afterWindow++;
      return;
    }
    // Requests keep clear of midnight (traffic.ts), so even a clock-skewed message stays on the request's day.
    if (dayIndex < requestDay) throw new Error(`Internal error: a message of ${message.conversationId} precedes its request day`);
    let buffer = this.pending.get(dayIndex);
    if (!buffer) this.pending.set(dayIndex, (buffer = new DayBuffer()));
    buffer.add(message.time, spineLine(message, timeFormat));
    if (timeFormat === TIME_FORMAT.UTC_LABEL) this.byTimeFormat.utc++;
    else if (timeFormat === TIME_FORMAT.ISO_OFFSET) this.byTimeFormat.isoOffset++;
    else this.byTimeFormat.bst++;
  }

  /** The complete rows of day `dayIndex`, once no conversation still to be built can add to it. */
  take(dayIndex: number): DayBuffer {
    const buffer = this.pending.get(dayIndex) ?? new DayBuffer();
    this.pending.delete(dayIndex);
    return buffer;
  }

  private timeFormat(rng: Random, time: number): TimeFormat {
    const r = rng.next();
    if (r < this.formats.isoOffsetShare) return TIME_FORMAT.ISO_OFFSET;
    if (r < this.formats.isoOffsetShare + this.formats.bstLabelShare && isBritishSummerTime(time)) return TIME_FORMAT.BST_LABEL;
    return TIME_FORMAT.UTC_LABEL;
  }
}

/**
 * At most one asynchronous task in flight, its failure reported when it is next awaited (never as an unhandled
 * rejection while the caller is busy with other work).
 */
class BackgroundTask {
  private running: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  start(task: () => Promise<void>): void {
    this.running = task().catch((error: unknown) => {
      this.failure = { error };
    });
  }

  async settled(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure.error;
  }
}

/** `value / divisor` to `digits` decimals, or null. */
function roundTo(value: number | null, divisor: number, digits: number): number | null {
  return value === null ? null : Number((value / divisor).toFixed(digits));
}

export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const startMs = validateOptions(options);
  const config = options.config ?? DEFAULT_GENERATOR_CONFIG;
  validateConfig(config);
  const outDir = path.resolve(options.outDir);
  const root = Random.fromSeed(options.seed);
  const universe = buildUniverse(root.fork("universe"), options.practices, config);
  const months = [...new Set(Array.from({ length: options.days }, (_, d) => isoMonth(startMs + d * DAY_MS)))];
  const timeline = new OrganisationTimeline(universe, root.fork("churn"), months[0], startMs + (options.days - 1) * DAY_MS, config);
  const files: WrittenFile[] = [];

  // Reference data: the geography lookup once, organisation metadata and ASID lookup for every month touched.
  files.push(await writeCsv(outDir, "reference/geography.csv", GEOGRAPHY_HEADER, geographyRows(universe), null));
  const byMonth: Record<string, { practices: number; asids: number }> = {};
  for (const month of months) {
    const organisations = timeline.month(month);
    const metadata = organisationMetadata(organisations, root.fork("reference", month), config);
    files.push(await writeJson(outDir, `reference/${month}_organisationMetadata.json`, metadata));
    files.push(await writeCsv(outDir, `reference/${month}_asidLookup.csv.gz`, ASID_LOOKUP_HEADER, asidLookupRows(organisations), config.gzipLevel));
    byMonth[month] = { practices: organisations.practices.length, asids: organisations.practices.reduce((n, p) => n + practiceAsids(p).length, 0) };
  }
  const events = timeline.events.filter((e) => months.includes(e.month));
  const churn = Object.fromEntries(CHURN_KINDS.map((kind) => [kind, events.filter((e) => e.kind === kind).length])) as Record<ChurnKind, number>;

  // Spine messages, day by day.
  const traffic = new Traffic(universe, config);
  const tables = new ScenarioTables(config);
  const router = new DayRouter(startMs, options.days, config.timeFormats);
  const writer = new BackgroundTask();
  const byScenario = new Counter(SCENARIO_IDS);
  const byOutcome = new Counter([...new Set(SCENARIO_IDS.map((id) => outcomeLabel(SCENARIOS[id].outcome)))]);
  const byTag = new Counter();
  const byWeekday = new Counter(WEEKDAYS);
  const byPathway = new Counter();
  const coreEhrDelays = new LogHistogram();
  let coreEhrWithin45Minutes = 0;
  let conversations = 0;
  let rowsWritten = 0;

  for (let d = 0; d < options.days; d++) {
    const dayStart = startMs + d * DAY_MS;
    const day = isoDate(dayStart);
    const rng = root.fork("day", day);
    const formatRng = root.fork("time-format", day);
    const count = traffic.conversationsOn(rng, dayStart);
    traffic.use(timeline.participantsOn(dayStart));
    byWeekday.add(WEEKDAYS[weekdayIndex(dayStart)], count);
    for (let i = 0; i < count; i++) {
      const parties = traffic.parties(rng);
      const scenario = tables.scenarios.sample(rng);
      const requestedAt = traffic.requestTime(rng, dayStart);
      const conversation = buildConversation(scenario, { rng, tables, requester: parties.requester, sender: parties.sender, requestedAt });
      byScenario.add(scenario);
      byOutcome.add(outcomeLabel(conversation.outcome));
      for (const tag of conversation.tags) byTag.add(tag);
      if (parties.unknownAsid) byTag.add(`unknown_${parties.unknownAsid}_asid`);
      byPathway.add(`${parties.requester.system || "Unknown"}/${parties.sender.system || "Unknown"}`);
      let firstCoreEhr = Infinity;
      for (const message of conversation.messages) {
        router.route(message, d, formatRng);
        if ((message.interactionId === INTERACTION.CORE_EHR || message.interactionId === INTERACTION.CORE_EHR_REDACTED) && message.time < firstCoreEhr) {
          firstCoreEhr = message.time;
        }
      }
      if (firstCoreEhr !== Infinity && conversation.outcome.status !== DISCARDED) {
        coreEhrDelays.add(firstCoreEhr - requestedAt);
        if (firstCoreEhr - requestedAt <= 45 * 60_000) coreEhrWithin45Minutes++;
      }
    }
    conversations += count;

    // Compression runs on the libuv thread pool: let it overlap with building the next day, one file in flight.
    const rows = router.take(d);
    await writer.settled();
    writer.start(async () => {
      files.push(await writeSpineFile(outDir, `spine/${day}_spine_messages.csv.gz`, rows, config.gzipLevel));
      rowsWritten += rows.size;
      options.onProgress?.({ day, conversations: count, rows: rows.size });
    });
  }
  await writer.settled();

  // Everything but the output directory, so that two runs with the same options give the same manifest anywhere.
  const portable = {
    start: options.start,
    end: isoDate(startMs + (options.days - 1) * DAY_MS),
    days: options.days,
    practices: options.practices,
    seed: options.seed,
    conversations: {
      total: conversations,
      byScenario: byScenario.toRecord() as Record<ScenarioId, number>,
      byOutcome: byOutcome.toRecord(),
      byTag: byTag.toRecord(true),
      byWeekday: byWeekday.toRecord(),
      byPathway: byPathway.toRecord(true),
    },
    coreEhrTiming: {
      conversations: coreEhrDelays.count,
      medianSeconds: roundTo(coreEhrDelays.quantile(0.5), 1000, 1),
      p90Seconds: roundTo(coreEhrDelays.quantile(0.9), 1000, 1),
      within45MinutesShare: coreEhrDelays.count === 0 ? null : Number((coreEhrWithin45Minutes / coreEhrDelays.count).toFixed(5)),
    },
    rows: { written: rowsWritten, afterWindow: router.afterWindow, byTimeFormat: router.byTimeFormat },
    organisations: {
      regions: universe.regions.length,
      icbs: universe.icbs.length,
      sicbls: universe.sicbls.length,
      practices: universe.practices.length,
      asids: universe.practices.reduce((n, p) => n + p.asids.length, 0),
      unknownAsids: universe.unknownAsids.length,
      byMonth,
      churn,
      events,
    },
  };
  const manifest = {
    generator: "gp2gp synthetic Spine export",
    manifestVersion: MANIFEST_VERSION,
    options: { start: options.start, days: options.days, practices: options.practices, seed: options.seed },
    ...portable,
    files,
    config,
  };
  files.push(await writeJson(outDir, "manifest.json", manifest));
  return { outDir, ...portable, files };
}
