/**
 * Practice churn: how the organisation universe changes from month to month, and so what each month's reference
 * files list and which practices take part in the transfers requested on a day.
 *
 * At every month boundary after the first month of a run (rates in config.ts `churn`):
 * - closures: the practice leaves the reference data from that month; it closed its list beforehand, so it takes
 *   part in no transfer that could still send a message on or after the closing day (the wind-down below), and
 *   its patients spread over the remaining practices;
 * - mergers: the absorbed practice's ODS code leaves the reference data and its ASIDs are listed under the
 *   surviving practice (in the same Sub-ICB location, else the same ICB) from that month; its site keeps its
 *   system and its patients, so transfers from then on come from the survivor's ODS code via either site's ASIDs;
 * - moves: the practice is listed under another Sub-ICB location of its ICB from that month;
 * - openings: a new practice with a new ODS code and new ASIDs is listed from that month and takes part in
 *   transfers requested from its first day.
 *
 * Smaller practices are likelier to close or be absorbed, larger ones to absorb. The changes of month M are drawn
 * from a stream keyed by the seed and M, applied to month M − 1, so the organisations of a month do not depend on
 * where a run ends, and a shorter run with the same start and seed sees the same practices on the same days.
 */
import { DAY_MS, isoMonth } from "./calendar";
import type { GeneratorConfig } from "./config";
import { NHS_REGIONS } from "./nhs_geography";
import {
  initialOrganisations,
  newAsid,
  postcode,
  practiceName,
  practiceSite,
  sicblSuppliers,
  type ActivePractice,
  type MonthOrganisations,
  type OrganisationUniverse,
  type Practice,
  type Sicbl,
} from "./organisations";
import { WeightedTable, type Random } from "./random";

export type ChurnKind = "closure" | "merger" | "move" | "opening";
export const CHURN_KINDS: readonly ChurnKind[] = ["closure", "merger", "move", "opening"];

/** One change, effective from the first day of `month`. */
export interface ChurnEvent {
  /** `YYYY-MM`: the first month whose reference data shows the change. */
  readonly month: string;
  readonly kind: ChurnKind;
  /** ODS code of the practice that closes, is absorbed, moves or opens. */
  readonly practice: string;
  /** Merger: the surviving practice. */
  readonly into?: string;
  /** Move: the Sub-ICB locations before and after; opening: the practice's Sub-ICB location. */
  readonly fromSicbl?: string;
  readonly sicbl?: string;
}

/**
 * How long after its request a conversation may still send messages: the 14-day cutoff plus the late
 * integrations after it (config.ts `timing.afterCutoffMaxDays`), plus a day of margin. A closing practice takes
 * part in no transfer requested on a day that ends less than this before it closes.
 */
export function conversationSpanMs(config: GeneratorConfig): number {
  return (14 + config.timing.afterCutoffMaxDays + 1) * DAY_MS;
}

/** Midnight UTC of the first day of the month after the one starting at `startsAt`. */
function nextMonthStart(startsAt: number): number {
  const d = new Date(startsAt);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export class OrganisationTimeline {
  private readonly months: MonthOrganisations[] = [];
  private readonly byMonth = new Map<string, MonthOrganisations>();
  /** Every change, in month order, then closures, mergers, moves, openings. */
  readonly events: ChurnEvent[] = [];
  private readonly closing: { readonly practice: Practice; readonly at: number }[] = [];
  private readonly usedCodes: Set<string>;
  private readonly usedAsids: Set<string>;
  private opened = 0;
  private readonly span: number;
  private participantsCache: { key: string; list: readonly ActivePractice[] } | null = null;

  /**
   * The organisations of every month from `firstMonth` (the universe as built) through the month that contains
   * `lastDayStart` plus the span of a conversation, so closures just after the window are known in time.
   */
  constructor(
    private readonly universe: OrganisationUniverse,
    private readonly rng: Random,
    firstMonth: string,
    lastDayStart: number,
    private readonly config: GeneratorConfig,
  ) {
    this.span = conversationSpanMs(config);
    this.usedCodes = new Set(universe.practices.map((p) => p.odsCode));
    this.usedAsids = new Set([...universe.practices.flatMap((p) => p.asids), ...universe.unknownAsids.map((u) => u.asid)]);
    let state = initialOrganisations(universe, firstMonth);
    this.add(state);
    const lastMonth = isoMonth(lastDayStart + DAY_MS + this.span);
    while (state.month < lastMonth) {
      state = this.nextMonth(state);
      this.add(state);
    }
  }

  private add(state: MonthOrganisations): void {
    this.months.push(state);
    this.byMonth.set(state.month, state);
  }

  /** The organisations listed in `month` (`YYYY-MM`), which must lie in the timeline. */
  month(month: string): MonthOrganisations {
    const state = this.byMonth.get(month);
    if (!state) throw new Error(`Internal error: month ${month} is outside the organisation timeline`);
    return state;
  }

  /**
   * The practices that may request or send a record on the UTC day starting at `dayStart`: those listed that
   * month, less those closing before the day's transfers could have ended. The same array is returned while the
   * set is unchanged, so callers can keep samplers built from it.
   */
  participantsOn(dayStart: number): readonly ActivePractice[] {
    const state = this.month(isoMonth(dayStart));
    const horizon = dayStart + DAY_MS + this.span;
    const windingDown = new Set(this.closing.filter((c) => c.at > dayStart && c.at < horizon).map((c) => c.practice));
    const key = `${state.month}:${[...windingDown].map((p) => p.odsCode).join(",")}`;
    if (this.participantsCache?.key !== key) {
      const list = windingDown.size === 0 ? state.practices : state.practices.filter((p) => !windingDown.has(p.practice));
      this.participantsCache = { key, list };
    }
    return this.participantsCache.list;
  }

  private nextMonth(previous: MonthOrganisations): MonthOrganisations {
    const startsAt = nextMonthStart(previous.startsAt);
    const month = isoMonth(startsAt);
    const rng = this.rng.fork(month);
    const churn = this.config.churn;
    const listed = previous.practices;
    const count = (rate: number) => Math.max(churn.minimumEventsPerMonth, rng.poisson(rate * listed.length));
    const [closures, mergers, moves, openings] = [churn.closurePerMonth, churn.mergerPerMonth, churn.movePerMonth, churn.openingPerMonth].map(count);

    // Practices touched by a change this month; practices that opened last month are left alone.
    const involved = new Set<ActivePractice>(listed.filter((p) => p.openedAt === previous.startsAt));
    const byPractice = new Map<Practice, ActivePractice>(listed.map((p) => [p.practice, p]));
    const removed = new Set<Practice>();
    const events: ChurnEvent[] = [];
    // Never shrink a universe below two practices (a transfer needs two).
    const canRemove = () => listed.length - removed.size > 2;
    const smallFirst = new WeightedTable(listed, listed.map((p) => 1 / p.weight));
    const pickSmall = (eligible: (p: ActivePractice) => boolean): ActivePractice | null => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const p = smallFirst.sample(rng);
        if (!involved.has(p) && eligible(p)) return p;
      }
      return null;
    };

    for (let i = 0; i < closures && canRemove(); i++) {
      const p = pickSmall(() => true);
      if (!p) break;
      involved.add(p);
      removed.add(p.practice);
      this.closing.push({ practice: p.practice, at: startsAt });
      events.push({ month, kind: "closure", practice: p.practice.odsCode });
    }

    for (let i = 0; i < mergers && canRemove(); i++) {
      const absorbed = pickSmall(() => true);
      if (!absorbed) break;
      const partners = (same: (p: ActivePractice) => boolean) => listed.filter((p) => p !== absorbed && !involved.has(p) && same(p));
      let candidates = partners((p) => p.sicbl === absorbed.sicbl);
      if (candidates.length === 0) candidates = partners((p) => p.sicbl.icb === absorbed.sicbl.icb);
      if (candidates.length === 0) continue;
      const survivor = new WeightedTable(candidates, candidates.map((p) => p.weight)).sample(rng);
      involved.add(absorbed);
      involved.add(survivor);
      removed.add(absorbed.practice);
      byPractice.set(survivor.practice, {
        ...survivor,
        sites: [...survivor.sites, ...absorbed.sites],
        weight: survivor.weight + absorbed.weight,
      });
      events.push({ month, kind: "merger", practice: absorbed.practice.odsCode, into: survivor.practice.odsCode });
    }

    const sicblsByIcb = new Map<string, Sicbl[]>();
    for (const s of previous.sicbls) sicblsByIcb.set(s.icb.odsCode, [...(sicblsByIcb.get(s.icb.odsCode) ?? []), s]);
    const movable = listed.filter((p) => sicblsByIcb.get(p.sicbl.icb.odsCode)!.length > 1);
    for (let i = 0; i < moves && movable.length > 0; i++) {
      let mover: ActivePractice | null = null;
      for (let attempt = 0; attempt < 100 && !mover; attempt++) {
        const p = rng.pick(movable);
        if (!involved.has(p)) mover = p;
      }
      if (!mover) break;
      const current = byPractice.get(mover.practice)!;
      const to = rng.pick(sicblsByIcb.get(mover.sicbl.icb.odsCode)!.filter((s) => s !== mover!.sicbl));
      involved.add(mover);
      byPractice.set(mover.practice, { ...current, sicbl: to });
      events.push({ month, kind: "move", practice: mover.practice.odsCode, fromSicbl: mover.sicbl.odsCode, sicbl: to.odsCode });
    }

    const opened: ActivePractice[] = [];
    for (let i = 0; i < openings; i++) {
      const practice = this.newPractice(rng, rng.pick(previous.sicbls));
      opened.push({ practice, sicbl: practice.sicbl, sites: [practiceSite(practice)], weight: practice.weight, openedAt: startsAt });
      events.push({ month, kind: "opening", practice: practice.odsCode, sicbl: practice.sicbl.odsCode });
    }

    this.events.push(...events);
    const practices = [...listed.filter((p) => !removed.has(p.practice)).map((p) => byPractice.get(p.practice)!), ...opened];
    practices.sort((a, b) => (a.practice.odsCode < b.practice.odsCode ? -1 : a.practice.odsCode > b.practice.odsCode ? 1 : 0));
    return { month, startsAt, practices, sicbls: previous.sicbls };
  }

  /** A newly opened practice: an unused ODS code in its region's style, new ASIDs, a list size like any other's. */
  private newPractice(rng: Random, sicbl: Sicbl): Practice {
    const region = NHS_REGIONS.find((r) => r.odsCode === sicbl.icb.region.odsCode)!;
    let odsCode: string;
    do odsCode = `${rng.pick(region.practiceCodeLetters)}${rng.intBetween(81, 99)}${String(rng.intBetween(1, 999)).padStart(3, "0")}`;
    while (this.usedCodes.has(odsCode));
    this.usedCodes.add(odsCode);
    const asids = [newAsid(rng, this.usedAsids)];
    if (rng.chance(this.config.organisations.secondAsidShare)) asids.push(newAsid(rng, this.usedAsids));
    return {
      index: this.universe.practices.length + this.opened++,
      odsCode,
      name: practiceName(rng),
      asids,
      supplier: sicblSuppliers(sicbl).sample(rng),
      postcode: postcode(rng, rng.pick(region.postcodeAreas)),
      sicbl,
      weight: rng.logNormal(1, this.config.volume.practiceSizeSigma),
    };
  }
}
