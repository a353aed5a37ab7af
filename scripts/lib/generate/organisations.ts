/**
 * The synthetic organisation universe: practices with ODS codes, names, ASIDs and a clinical system supplier,
 * grouped into Sub-ICB locations, ICBs (real) and the seven NHS England regions (real), plus a few ASIDs that
 * appear in messages but in no reference file. Also renders the monthly reference data of spec §2.2 from it.
 *
 * Counts scale with the number of practices from the national shape (6,300 practices ≈ 106 SICBLs, 42 ICBs,
 * 7 regions); small universes keep at least one ICB per region so every region appears in reports, and one ICB with
 * two SICBLs so practices can move between Sub-ICB locations.
 *
 * The universe is the practices of a run's first month; how they change month by month (closures, mergers, moves,
 * openings) is churn.ts. The reference files of a month are rendered from that month's `MonthOrganisations`.
 */
import { isoTimestampMicros, MINUTE_MS, HOUR_MS } from "./calendar";
import type { GeneratorConfig, Supplier } from "./config";
import type { Party } from "./messages";
import {
  INTEGRATED_CARE_BOARDS,
  NHS_REGIONS,
  PRACTICE_NAME_PLACES,
  PRACTICE_NAME_SUFFIXES,
  PRACTICE_NAME_SURNAMES,
  SUPPLIER_PRODUCTS,
  type IcbSeed,
  type RegionSeed,
} from "./nhs_geography";
import { Random, WeightedTable } from "./random";

export interface Region {
  readonly odsCode: string;
  readonly name: string;
}

export interface Icb {
  readonly odsCode: string;
  /** e.g. "NHS Kent and Medway Integrated Care Board". */
  readonly name: string;
  readonly region: Region;
}

export interface Sicbl {
  readonly odsCode: string;
  /** e.g. "NHS Kent and Medway ICB - 91Q", the way ODS names Sub-ICB locations. */
  readonly name: string;
  readonly icb: Icb;
  /** Practices of the run's first month (later months: churn.ts). */
  readonly practices: Practice[];
  /** Shares of its practices by supplier: TPP clusters by SICBL (config.ts `tppClusteringLogitSpread`). */
  readonly supplierShares: Readonly<Record<Supplier, number>>;
}

export interface Practice {
  /** Position in `OrganisationUniverse.practices`; practices opened later in a run number on from its end. */
  readonly index: number;
  readonly odsCode: string;
  /** Upper case, as the ODS portal returns organisation names. */
  readonly name: string;
  /** One or two 12-digit ASIDs, strings with leading zeros. */
  readonly asids: readonly string[];
  readonly supplier: Supplier;
  readonly postcode: string;
  readonly sicbl: Sicbl;
  /** Relative request volume (list size). */
  readonly weight: number;
}

export interface OrganisationUniverse {
  readonly regions: readonly Region[];
  readonly icbs: readonly Icb[];
  readonly sicbls: readonly Sicbl[];
  /** Sorted by ODS code. */
  readonly practices: readonly Practice[];
  /** ASIDs absent from every reference file, with the supplier label Spine gives them ("Unknown" or empty). */
  readonly unknownAsids: readonly Party[];
}

/** How many ICBs and SICBLs a universe of `practices` practices has. */
export function organisationCounts(practices: number, config: GeneratorConfig): { icbs: number; sicbls: number } {
  const national = config.organisations.national;
  const scaled = (count: number) => Math.round((practices * count) / national.practices);
  // At least one ICB per region (fewer only when there are fewer practices than regions), at most the real 42.
  const icbs = Math.min(INTEGRATED_CARE_BOARDS.length, Math.max(Math.min(NHS_REGIONS.length, practices), scaled(national.icbs)));
  // One SICBL more than ICBs at least, so that some ICB has two and a practice can move between them.
  const sicbls = Math.min(practices, Math.max(icbs + 1, scaled(national.sicbls)));
  return { icbs, sicbls };
}

export function buildUniverse(rng: Random, practiceCount: number, config: GeneratorConfig): OrganisationUniverse {
  if (!Number.isInteger(practiceCount) || practiceCount < 1) {
    throw new Error(`The number of practices must be a positive integer, got ${practiceCount}`);
  }
  const counts = organisationCounts(practiceCount, config);
  const regionSeeds = new Map(NHS_REGIONS.map((r) => [r.odsCode, r]));
  const regions = new Map(NHS_REGIONS.map((r) => [r.odsCode, { odsCode: r.odsCode, name: r.name } satisfies Region]));

  const icbSeeds = chooseIcbs(rng.fork("icbs"), counts.icbs);
  const icbs = icbSeeds.map(
    (seed): Icb => ({ odsCode: seed.odsCode, name: `${seed.shortName} Integrated Care Board`, region: regions.get(seed.regionOdsCode)! }),
  );

  const practiceRng = rng.fork("practices");
  const perSicbl = practicesPerSicbl(practiceRng, counts.sicbls, practiceCount);
  const mixes = supplierMixes(rng.fork("supplier-mix"), perSicbl, config);
  const sicbls = buildSicbls(rng.fork("sicbls"), icbSeeds, icbs, counts.sicbls).map((s, i): Sicbl => ({ ...s, supplierShares: mixes[i] }));
  const practices = buildPractices(practiceRng, sicbls, perSicbl, regionSeeds, config);
  const usedAsids = new Set(practices.flatMap((p) => p.asids));
  const unknownRng = rng.fork("unknown-asids");
  const unknownCount = Math.max(2, Math.round((practiceCount * config.organisations.unknownAsidsPerThousandPractices) / 1000));
  const unknownAsids = Array.from(
    { length: unknownCount },
    (_, i): Party => ({ asid: newAsid(unknownRng, usedAsids), system: i % 2 === 0 ? "Unknown" : "" }),
  );

  const usedRegions = new Set(icbs.map((i) => i.region.odsCode));
  return {
    regions: NHS_REGIONS.filter((r) => usedRegions.has(r.odsCode)).map((r) => regions.get(r.odsCode)!),
    icbs,
    sicbls,
    practices,
    unknownAsids,
  };
}

/** All 42 ICBs at national scale; fewer are taken round-robin across regions so each region is represented. */
function chooseIcbs(rng: Random, count: number): IcbSeed[] {
  if (count >= INTEGRATED_CARE_BOARDS.length) return [...INTEGRATED_CARE_BOARDS];
  const byRegion = rng.shuffled(NHS_REGIONS).map((region) => rng.shuffled(INTEGRATED_CARE_BOARDS.filter((i) => i.regionOdsCode === region.odsCode)));
  const chosen: IcbSeed[] = [];
  for (let round = 0; chosen.length < count; round++) {
    for (const list of byRegion) if (round < list.length && chosen.length < count) chosen.push(list[round]);
  }
  // Keep the published order rather than the draw order, so files read naturally.
  return INTEGRATED_CARE_BOARDS.filter((i) => chosen.includes(i));
}

const SICBL_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ";

/**
 * The supplier shares of SICBLs with `practices[i]` practices each: Vision and Microtest as nationally; the TPP
 * share of the EMIS and TPP practices is sigmoid(c + spread × z), with z evenly spaced over [-1, 1] in a shuffled
 * order and c solved so that the mean over practices equals the national TPP share.
 */
export function supplierMixes(rng: Random, practices: readonly number[], config: GeneratorConfig): Record<Supplier, number>[] {
  const count = practices.length;
  const practiceTotal = practices.reduce((a, b) => a + b, 0);
  const shares = config.organisations.supplierShares;
  const total = Object.values(shares).reduce((a, b) => a + b, 0);
  const emisTpp = shares.EMIS + shares.TPP;
  const target = emisTpp > 0 ? shares.TPP / emisTpp : 0;
  const spread = config.organisations.tppClusteringLogitSpread;
  const zs = rng.shuffled(Array.from({ length: count }, (_, i) => (count === 1 ? 0 : (2 * (i + 0.5)) / count - 1)));
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const meanAt = (c: number) => zs.reduce((sum, z, i) => sum + practices[i] * sigmoid(c + spread * z), 0) / practiceTotal;
  let [lo, hi] = [-40, 40];
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (meanAt(mid) < target) lo = mid;
    else hi = mid;
  }
  const centre = (lo + hi) / 2;
  return zs.map((z) => {
    const tpp = target <= 0 ? 0 : target >= 1 ? 1 : sigmoid(centre + spread * z);
    return {
      EMIS: (emisTpp * (1 - tpp)) / total,
      TPP: (emisTpp * tpp) / total,
      Vision: shares.Vision / total,
      Microtest: shares.Microtest / total,
    };
  });
}

function buildSicbls(rng: Random, seeds: readonly IcbSeed[], icbs: readonly Icb[], count: number): Omit<Sicbl, "supplierShares">[] {
  // Every ICB gets one SICBL; the rest go to ICBs in proportion to a random size, as some ICBs still have several
  // former CCG areas and most have one.
  const perIcb = icbs.map(() => 1);
  const sizes = new WeightedTable(
    icbs.map((_, i) => i),
    icbs.map(() => rng.logNormal(1, 0.7)),
  );
  for (let extra = count - icbs.length; extra > 0; extra--) perIcb[sizes.sample(rng)]++;

  const used = new Set<string>(seeds.flatMap((s) => (s.knownSicblCode ? [s.knownSicblCode] : [])));
  const sicbls: Omit<Sicbl, "supplierShares">[] = [];
  icbs.forEach((icb, i) => {
    const seed = seeds[i];
    for (let k = 0; k < perIcb[i]; k++) {
      let code: string;
      if (k === 0 && seed.knownSicblCode) code = seed.knownSicblCode;
      else {
        do code = `${rng.intBetween(0, 9)}${rng.intBetween(0, 9)}${SICBL_CODE_LETTERS[rng.int(SICBL_CODE_LETTERS.length)]}`;
        while (used.has(code));
        used.add(code);
      }
      sicbls.push({ odsCode: code, name: `${seed.shortName} ICB - ${code}`, icb, practices: [] });
    }
  });
  return sicbls;
}

/** How many practices each SICBL has: at least one, the rest in proportion to a random size. */
function practicesPerSicbl(rng: Random, sicbls: number, count: number): number[] {
  const perSicbl = Array.from({ length: sicbls }, () => 1);
  const sizes = new WeightedTable(
    perSicbl.map((_, i) => i),
    perSicbl.map(() => rng.logNormal(1, 0.5)),
  );
  for (let extra = count - sicbls; extra > 0; extra--) perSicbl[sizes.sample(rng)]++;
  return perSicbl;
}

function buildPractices(
  rng: Random,
  sicbls: readonly Sicbl[],
  perSicbl: readonly number[],
  regionSeeds: ReadonlyMap<string, RegionSeed>,
  config: GeneratorConfig,
): Practice[] {
  const usedAsids = new Set<string>();
  const nextSerial = new Map<string, number>();
  const drafts: Omit<Practice, "index">[] = [];
  sicbls.forEach((sicbl, s) => {
    const region = regionSeeds.get(sicbl.icb.region.odsCode)!;
    const letter = rng.pick(region.practiceCodeLetters);
    let prefix = `${letter}${rng.intBetween(81, 99)}`;
    const postcodeArea = rng.pick(region.postcodeAreas);
    const suppliers = sicblSuppliers(sicbl);
    for (let k = 0; k < perSicbl[s]; k++) {
      // Codes of one area run in sequence with small gaps (A81001, A81002, A81005 …), like real practice codes.
      let serial = (nextSerial.get(prefix) ?? 0) + rng.intBetween(1, 3);
      while (serial > 999) {
        prefix = `${letter}${rng.intBetween(10, 99)}`;
        serial = (nextSerial.get(prefix) ?? 0) + rng.intBetween(1, 3);
      }
      nextSerial.set(prefix, serial);
      const supplier = suppliers.sample(rng);
      const asids = [newAsid(rng, usedAsids)];
      if (rng.chance(config.organisations.secondAsidShare)) asids.push(newAsid(rng, usedAsids));
      const large = rng.chance(config.volume.largePracticeShare);
      drafts.push({
        odsCode: `${prefix}${String(serial).padStart(3, "0")}`,
        name: practiceName(rng),
        asids,
        supplier,
        postcode: postcode(rng, postcodeArea),
        sicbl,
        weight: rng.logNormal(1, config.volume.practiceSizeSigma) * (large ? config.volume.largePracticeFactor : 1),
      });
    }
  });
  drafts.sort((a, b) => (a.odsCode < b.odsCode ? -1 : a.odsCode > b.odsCode ? 1 : 0));
  return drafts.map((draft, index) => {
    const practice: Practice = { ...draft, index };
    draft.sicbl.practices.push(practice);
    return practice;
  });
}

/**
 * A new 12-digit ASID. Most real ASIDs have leading zeros (e.g. 000033357014), which is exactly what a loader
 * that reads them as numbers would lose, so most synthetic ones do too.
 */
/** A sampler of the suppliers of a SICBL's practices. */
export function sicblSuppliers(sicbl: Sicbl): WeightedTable<Supplier> {
  return WeightedTable.fromRecord(sicbl.supplierShares, (k) => k as Supplier);
}

export function newAsid(rng: Random, used: Set<string>): string {
  for (;;) {
    const digits = (n: number) => Array.from({ length: n }, () => rng.int(10)).join("");
    const asid = rng.chance(0.6) ? `00${digits(10)}` : `${rng.intBetween(1, 9)}${digits(11)}`;
    if (!used.has(asid)) {
      used.add(asid);
      return asid;
    }
  }
}

export function practiceName(rng: Random): string {
  const style = rng.next();
  let name: string;
  if (style < 0.2) name = `Dr ${rng.pick(PRACTICE_NAME_SURNAMES)} & Partners`;
  else if (style < 0.35) name = `The ${rng.pick(PRACTICE_NAME_PLACES).replace(/^The /, "")} ${rng.pick(PRACTICE_NAME_SUFFIXES)}`;
  else name = `${rng.pick(PRACTICE_NAME_PLACES)} ${rng.pick(PRACTICE_NAME_SUFFIXES)}`;
  return name.toUpperCase();
}

/** Letters the inward code of a UK postcode never uses. */
const POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";

export function postcode(rng: Random, area: string): string {
  const letter = () => POSTCODE_INWARD_LETTERS[rng.int(POSTCODE_INWARD_LETTERS.length)];
  return `${area}${rng.intBetween(1, 29)} ${rng.intBetween(1, 9)}${letter()}${letter()}`;
}

/** One site of a practice: its own ASIDs, or those of a practice it absorbed, with the system they run. */
export interface Site {
  /** The practice these ASIDs were registered to first. */
  readonly origin: Practice;
  readonly asids: readonly string[];
  readonly supplier: Supplier;
  /** Relative request volume of the site's patients. */
  readonly weight: number;
}

/** A practice as the reference data of one month lists it. */
export interface ActivePractice {
  readonly practice: Practice;
  /** Its Sub-ICB location this month (moves change it). */
  readonly sicbl: Sicbl;
  /** Its own site first, then those of the practices it absorbed, in merger order. */
  readonly sites: readonly Site[];
  /** Sum of the sites' weights. */
  readonly weight: number;
  /** First day (epoch ms) it is listed: the start of its opening month, or -Infinity for a practice of the universe. */
  readonly openedAt: number;
}

/** The organisations of one month: what its organisationMetadata.json and ASID lookup list. */
export interface MonthOrganisations {
  /** `YYYY-MM` */
  readonly month: string;
  /** Midnight UTC of the month's first day. */
  readonly startsAt: number;
  /** Sorted by ODS code. */
  readonly practices: readonly ActivePractice[];
  /** Every SICBL of the universe (those left without practices are dropped from the metadata). */
  readonly sicbls: readonly Sicbl[];
}

export function practiceSite(practice: Practice): Site {
  return { origin: practice, asids: practice.asids, supplier: practice.supplier, weight: practice.weight };
}

/** The universe's practices as the first month of a run lists them. */
export function initialOrganisations(universe: OrganisationUniverse, month: string): MonthOrganisations {
  return {
    month,
    startsAt: Date.parse(`${month}-01T00:00:00Z`),
    practices: universe.practices.map((p) => ({ practice: p, sicbl: p.sicbl, sites: [practiceSite(p)], weight: p.weight, openedAt: -Infinity })),
    sicbls: universe.sicbls,
  };
}

/** Every ASID of a listed practice, its own first. */
export function practiceAsids(p: ActivePractice): string[] {
  return p.sites.flatMap((s) => s.asids);
}

/** organisationMetadata.json, format v5 (spec §2.2). */
export interface OrganisationMetadataV5 {
  readonly generated_on: string;
  readonly year: number;
  readonly month: number;
  readonly practices: readonly { readonly ods_code: string; readonly name: string; readonly asids: readonly string[] }[];
  readonly sicbls: readonly { readonly ods_code: string; readonly name: string; readonly practices: readonly string[] }[];
}

/**
 * One month's organisation metadata. A few practices (different ones each month) are in no SICBL's list, as
 * happens when ODS relationships lag behind practice changes; SICBLs left without practices are dropped, as
 * the upstream downloader does.
 */
export function organisationMetadata(organisations: MonthOrganisations, rng: Random, config: GeneratorConfig): OrganisationMetadataV5 {
  const [year, month] = organisations.month.split("-").map(Number);
  const practices = organisations.practices;
  const withoutSicbl = new Set<ActivePractice>();
  const target = Math.max(1, Math.round(practices.length * config.organisations.practicesWithoutSicblShare));
  if (practices.length > 1) {
    while (withoutSicbl.size < target) withoutSicbl.add(rng.pick(practices));
  }
  const members = new Map<Sicbl, string[]>(organisations.sicbls.map((s) => [s, []]));
  for (const p of practices) if (!withoutSicbl.has(p)) members.get(p.sicbl)!.push(p.practice.odsCode);
  // The ODS downloader runs early on the first of the month.
  const generatedOn = Date.UTC(year, month - 1, 1) + 6 * HOUR_MS + rng.int(120 * MINUTE_MS);
  return {
    generated_on: isoTimestampMicros(generatedOn),
    year,
    month,
    practices: practices.map((p) => ({ ods_code: p.practice.odsCode, name: p.practice.name, asids: practiceAsids(p) })),
    sicbls: organisations.sicbls
      .map((s) => ({ ods_code: s.odsCode, name: s.name, practices: members.get(s)! }))
      .filter((s) => s.practices.length > 0),
  };
}

export const ASID_LOOKUP_HEADER = ["ASID", "NACS", "OrgName", "MName", "PName", "OrgType", "PostCode"] as const;

/**
 * Rows of the monthly ASID lookup CSV (spec §2.2): one per listed ASID, under the practice that holds it this
 * month (an absorbed practice's ASIDs under the surviving practice, with the system they run); unknown ASIDs are
 * deliberately absent.
 */
export function asidLookupRows(organisations: MonthOrganisations): string[][] {
  return organisations.practices.flatMap((p) =>
    p.sites.flatMap((site) => {
      const product = SUPPLIER_PRODUCTS[site.supplier];
      return site.asids.map((asid) => [asid, p.practice.odsCode, p.practice.name, product.manufacturer, product.product, "GP Practice", p.practice.postcode]);
    }),
  );
}

export const GEOGRAPHY_HEADER = ["sicbl_ods_code", "sicbl_name", "icb_ods_code", "icb_name", "region_ods_code", "region_name"] as const;

/** Rows of the Sub-ICB location → ICB → region lookup, one per SICBL. */
export function geographyRows(universe: OrganisationUniverse): string[][] {
  return universe.sicbls.map((s) => [s.odsCode, s.name, s.icb.odsCode, s.icb.name, s.icb.region.odsCode, s.icb.region.name]);
}
