/**
 * Who requests records from whom, how many a day and at what time of day: the demand side of the generator.
 *
 * Volume: `transfersPerPracticePerMonth` per practice over an average month, spread over the week by the
 * published weekday shares (so 6,300 practices give ≈ 250k transfers a month), with Poisson noise per day.
 * Requesters are drawn in proportion to practice size; senders mostly from the same ICB (patients move locally),
 * and TPP→TPP pairs are thinned because SystmOne-to-SystmOne moves mostly bypass GP2GP.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEKDAYS, ukOffsetMs, weekdayIndex } from "./calendar";
import type { GeneratorConfig } from "./config";
import type { Party } from "./messages";
import type { OrganisationUniverse, Practice } from "./organisations";
import { WeightedTable, type Random } from "./random";

const AVERAGE_MONTH_DAYS = 365.25 / 12;

/** Requests are kept at least this far from the start of their UTC day, so a clock-skewed message stamped a few
 *  seconds before the request still falls in the same day file. */
const EARLIEST_REQUEST_IN_DAY_MS = MINUTE_MS;

export interface Parties {
  readonly requester: Party;
  readonly sender: Party;
  /** Which side, if any, uses an ASID that no reference file knows. */
  readonly unknownAsid: "requester" | "sender" | null;
}

export class Traffic {
  private readonly practices: WeightedTable<Practice>;
  private readonly practicesByIcb: Map<string, WeightedTable<Practice>>;
  private readonly hours: { readonly weekday: WeightedTable<number>; readonly weekend: WeightedTable<number> };
  private readonly weekdayShareTotal: number;

  constructor(
    private readonly universe: OrganisationUniverse,
    private readonly config: GeneratorConfig,
  ) {
    const weightOf = (p: Practice) => p.weight;
    this.practices = new WeightedTable(universe.practices, universe.practices.map(weightOf));
    this.practicesByIcb = new Map();
    for (const icb of universe.icbs) {
      const members = universe.sicbls.filter((s) => s.icb === icb).flatMap((s) => s.practices);
      if (members.length > 0) this.practicesByIcb.set(icb.odsCode, new WeightedTable(members, members.map(weightOf)));
    }
    const hourIndexes = Array.from({ length: 24 }, (_, h) => h);
    this.hours = {
      weekday: new WeightedTable(hourIndexes, config.volume.requestHourWeights.weekday),
      weekend: new WeightedTable(hourIndexes, config.volume.requestHourWeights.weekend),
    };
    this.weekdayShareTotal = WEEKDAYS.reduce((sum, d) => sum + config.volume.weekdayShares[d], 0);
  }

  /** Expected number of transfers requested on the UTC day starting at `dayStart`. */
  expectedConversations(dayStart: number): number {
    const perWeek = (this.universe.practices.length * this.config.volume.transfersPerPracticePerMonth * 7) / AVERAGE_MONTH_DAYS;
    const share = this.config.volume.weekdayShares[WEEKDAYS[weekdayIndex(dayStart)]] / this.weekdayShareTotal;
    return perWeek * share;
  }

  conversationsOn(rng: Random, dayStart: number): number {
    return rng.poisson(this.expectedConversations(dayStart));
  }

  /** A request time on the UTC day starting at `dayStart`, following UK working hours. */
  requestTime(rng: Random, dayStart: number): number {
    const weekend = weekdayIndex(dayStart) >= 5;
    const localHour = (weekend ? this.hours.weekend : this.hours.weekday).sample(rng);
    const localMs = localHour * HOUR_MS + rng.int(HOUR_MS);
    // Local clock → UTC (one hour back in summer), wrapped into the same UTC day: a request at 00:30 BST is
    // simply logged at 23:30 UTC of this day instead of the previous one.
    let inDay = (localMs - ukOffsetMs(dayStart + 12 * HOUR_MS) + DAY_MS) % DAY_MS;
    if (inDay < EARLIEST_REQUEST_IN_DAY_MS) inDay += EARLIEST_REQUEST_IN_DAY_MS;
    return dayStart + inDay;
  }

  /** The requesting and sending practices of a new transfer, as the ASIDs and supplier names messages carry. */
  parties(rng: Random): Parties {
    const requester = this.practices.sample(rng);
    let sender = requester;
    // Patients rarely re-register at the same practice; TPP→TPP is mostly not GP2GP. A few tries, then accept.
    for (let attempt = 0; attempt < 20; attempt++) {
      const local = this.practicesByIcb.get(requester.sicbl.icb.odsCode);
      sender = local && rng.chance(this.config.pathways.sameIcbSenderShare) ? local.sample(rng) : this.practices.sample(rng);
      if (sender === requester) continue;
      if (sender.supplier === "TPP" && requester.supplier === "TPP" && !rng.chance(this.config.pathways.tppToTppKeepShare)) continue;
      break;
    }
    const parties = { requester: this.partyOf(rng, requester), sender: this.partyOf(rng, sender) };
    if (!rng.chance(this.config.pathways.unknownAsidShare)) return { ...parties, unknownAsid: null };
    const unknown = rng.pick(this.universe.unknownAsids);
    return rng.chance(0.5) ? { ...parties, requester: unknown, unknownAsid: "requester" } : { ...parties, sender: unknown, unknownAsid: "sender" };
  }

  private partyOf(rng: Random, practice: Practice): Party {
    const useSecond = practice.asids.length > 1 && rng.chance(this.config.pathways.secondAsidUseShare);
    return { asid: practice.asids[useSecond ? 1 : 0], system: practice.supplier };
  }
}
