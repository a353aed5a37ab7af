/**
 * Who requests records from whom, how many a day and at what time of day: the demand side of the generator.
 *
 * Volume: `transfersPerPracticePerMonth` per practice of the run's universe over an average month, spread over the
 * week by the published weekday shares (so 6,300 practices give ≈ 250k transfers a month), with Poisson noise per
 * day. Practice churn does not change it: the patients of a closed or merged practice register elsewhere.
 * Requesters are drawn in proportion to practice size among the practices taking part that day (churn.ts); senders
 * mostly from the same SICBL or ICB (patients move locally). Moves between two TPP practices are mostly not GP2GP
 * transfers (SystmOne moves the record itself), so such pairs are mostly drawn again, requester included; with TPP
 * clustered by SICBL this gives the published supplier pathway shares. A merged practice sends and receives through the ASIDs of either of its sites, in
 * proportion to the sites' patients.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEKDAYS, ukOffsetMs, weekdayIndex } from "./calendar";
import type { GeneratorConfig } from "./config";
import type { Party } from "./messages";
import type { ActivePractice, OrganisationUniverse, Site } from "./organisations";
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
  private participants: readonly ActivePractice[] | null = null;
  private practices!: WeightedTable<ActivePractice>;
  private practicesByIcb!: Map<string, WeightedTable<ActivePractice>>;
  private practicesBySicbl!: Map<string, WeightedTable<ActivePractice>>;
  private readonly hours: { readonly weekday: WeightedTable<number>; readonly weekend: WeightedTable<number> };
  private readonly weekdayShareTotal: number;

  constructor(
    private readonly universe: OrganisationUniverse,
    private readonly config: GeneratorConfig,
  ) {
    const hourIndexes = Array.from({ length: 24 }, (_, h) => h);
    this.hours = {
      weekday: new WeightedTable(hourIndexes, config.volume.requestHourWeights.weekday),
      weekend: new WeightedTable(hourIndexes, config.volume.requestHourWeights.weekend),
    };
    this.weekdayShareTotal = WEEKDAYS.reduce((sum, d) => sum + config.volume.weekdayShares[d], 0);
  }

  /** The practices taking part from now on (OrganisationTimeline.participantsOn); samplers are rebuilt on change. */
  use(participants: readonly ActivePractice[]): void {
    if (participants === this.participants) return;
    this.participants = participants;
    const weightOf = (p: ActivePractice) => p.weight;
    this.practices = new WeightedTable(participants, participants.map(weightOf));
    const tables = (key: (p: ActivePractice) => string) => {
      const groups = new Map<string, ActivePractice[]>();
      for (const p of participants) {
        const members = groups.get(key(p));
        if (members) members.push(p);
        else groups.set(key(p), [p]);
      }
      return new Map([...groups].map(([k, members]) => [k, new WeightedTable(members, members.map(weightOf))]));
    };
    this.practicesByIcb = tables((p) => p.sicbl.icb.odsCode);
    this.practicesBySicbl = tables((p) => p.sicbl.odsCode);
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
    if (!this.participants) throw new Error("Internal error: Traffic.use() must be called before drawing parties");
    const { sameSicblSenderShare, sameIcbSenderShare, tppToTppKeepShare } = this.config.pathways;
    let requesterSite!: Site;
    let senderSite!: Site;
    // A move between two TPP practices is mostly not a GP2GP transfer: draw the pair again. A few tries, then accept.
    for (let pair = 0; pair < 50; pair++) {
      const requester = this.practices.sample(rng);
      requesterSite = siteOf(rng, requester);
      let sender = requester;
      // Patients rarely re-register at the same practice: draw the sender again (a few tries, then accept).
      for (let attempt = 0; attempt < 20 && sender === requester; attempt++) {
        const r = rng.next();
        const local =
          r < sameSicblSenderShare
            ? this.practicesBySicbl.get(requester.sicbl.odsCode)
            : r < sameSicblSenderShare + sameIcbSenderShare
              ? this.practicesByIcb.get(requester.sicbl.icb.odsCode)
              : undefined;
        sender = (local ?? this.practices).sample(rng);
      }
      senderSite = sender === requester ? requesterSite : siteOf(rng, sender);
      if (senderSite.supplier === "TPP" && requesterSite.supplier === "TPP" && !rng.chance(tppToTppKeepShare)) continue;
      break;
    }
    const parties = { requester: this.partyOf(rng, requesterSite), sender: this.partyOf(rng, senderSite) };
    if (!rng.chance(this.config.pathways.unknownAsidShare)) return { ...parties, unknownAsid: null };
    const unknown = rng.pick(this.universe.unknownAsids);
    return rng.chance(0.5) ? { ...parties, requester: unknown, unknownAsid: "requester" } : { ...parties, sender: unknown, unknownAsid: "sender" };
  }

  private partyOf(rng: Random, site: Site): Party {
    const useSecond = site.asids.length > 1 && rng.chance(this.config.pathways.secondAsidUseShare);
    return { asid: site.asids[useSecond ? 1 : 0], system: site.supplier };
  }
}

/** The site of a practice a transfer goes through: its only one, or one in proportion to the sites' patients. */
function siteOf(rng: Random, practice: ActivePractice): Site {
  if (practice.sites.length === 1) return practice.sites[0];
  let target = rng.next() * practice.weight;
  for (const site of practice.sites) {
    target -= site.weight;
    if (target < 0) return site;
  }
  return practice.sites[practice.sites.length - 1];
}
