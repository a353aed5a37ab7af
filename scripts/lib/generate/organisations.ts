/**
 * The synthetic organisation universe: practices with ODS codes, names, ASIDs and a clinical system supplier,
 * grouped into Sub-ICB locations, ICBs (real) and the seven NHS England regions (real), plus a few ASIDs that
 * appear in messages but in no reference file. Also renders the monthly reference data of spec §2.2 from it.
 *
 * Counts scale with the number of practices from the national shape (6,300 practices ≈ 106 SICBLs, 42 ICBs,
 * 7 regions); small universes keep at least one ICB per region so every region appears in reports.
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
  readonly practices: Practice[];
}

export interface Practice {
  /** Position in `OrganisationUniverse.practices`. */
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
  const sicbls = Math.min(practices, Math.max(icbs, scaled(national.sicbls)));
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

  const sicbls = buildSicbls(rng.fork("sicbls"), icbSeeds, icbs, counts.sicbls);
  const practices = buildPractices(rng.fork("practices"), sicbls, practiceCount, regionSeeds, config);
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

function buildSicbls(rng: Random, seeds: readonly IcbSeed[], icbs: readonly Icb[], count: number): Sicbl[] {
  // Every ICB gets one SICBL; the rest go to ICBs in proportion to a random size, as some ICBs still have several
  // former CCG areas and most have one.
  const perIcb = icbs.map(() => 1);
  const sizes = new WeightedTable(
    icbs.map((_, i) => i),
    icbs.map(() => rng.logNormal(1, 0.7)),
  );
  for (let extra = count - icbs.length; extra > 0; extra--) perIcb[sizes.sample(rng)]++;

  const used = new Set<string>(seeds.flatMap((s) => (s.knownSicblCode ? [s.knownSicblCode] : [])));
  const sicbls: Sicbl[] = [];
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

function buildPractices(
  rng: Random,
  sicbls: readonly Sicbl[],
  count: number,
  regionSeeds: ReadonlyMap<string, RegionSeed>,
  config: GeneratorConfig,
): Practice[] {
  const perSicbl = sicbls.map(() => 1);
  const sizes = new WeightedTable(
    sicbls.map((_, i) => i),
    sicbls.map(() => rng.logNormal(1, 0.5)),
  );
  for (let extra = count - sicbls.length; extra > 0; extra--) perSicbl[sizes.sample(rng)]++;

  const suppliers = WeightedTable.fromRecord(config.organisations.supplierShares, (k) => k as Supplier);
  const usedAsids = new Set<string>();
  const nextSerial = new Map<string, number>();
  const drafts: Omit<Practice, "index">[] = [];
  sicbls.forEach((sicbl, s) => {
    const region = regionSeeds.get(sicbl.icb.region.odsCode)!;
    const letter = rng.pick(region.practiceCodeLetters);
    let prefix = `${letter}${rng.intBetween(81, 99)}`;
    const postcodeArea = rng.pick(region.postcodeAreas);
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
function newAsid(rng: Random, used: Set<string>): string {
  for (;;) {
    const digits = (n: number) => Array.from({ length: n }, () => rng.int(10)).join("");
    const asid = rng.chance(0.6) ? `00${digits(10)}` : `${rng.intBetween(1, 9)}${digits(11)}`;
    if (!used.has(asid)) {
      used.add(asid);
      return asid;
    }
  }
}

function practiceName(rng: Random): string {
  const style = rng.next();
  let name: string;
  if (style < 0.2) name = `Dr ${rng.pick(PRACTICE_NAME_SURNAMES)} & Partners`;
  else if (style < 0.35) name = `The ${rng.pick(PRACTICE_NAME_PLACES).replace(/^The /, "")} ${rng.pick(PRACTICE_NAME_SUFFIXES)}`;
  else name = `${rng.pick(PRACTICE_NAME_PLACES)} ${rng.pick(PRACTICE_NAME_SUFFIXES)}`;
  return name.toUpperCase();
}

/** Letters the inward code of a UK postcode never uses. */
const POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";

function postcode(rng: Random, area: string): string {
  const letter = () => POSTCODE_INWARD_LETTERS[rng.int(POSTCODE_INWARD_LETTERS.length)];
  return `${area}${rng.intBetween(1, 29)} ${rng.intBetween(1, 9)}${letter()}${letter()}`;
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
export function organisationMetadata(
  universe: OrganisationUniverse,
  rng: Random,
  year: number,
  month: number,
  config: GeneratorConfig,
): OrganisationMetadataV5 {
  const withoutSicbl = new Set<Practice>();
  const target = Math.max(1, Math.round(universe.practices.length * config.organisations.practicesWithoutSicblShare));
  if (universe.practices.length > 1) {
    while (withoutSicbl.size < target) withoutSicbl.add(rng.pick(universe.practices));
  }
  // The ODS downloader runs early on the first of the month.
  const generatedOn = Date.UTC(year, month - 1, 1) + 6 * HOUR_MS + rng.int(120 * MINUTE_MS);
  return {
    generated_on: isoTimestampMicros(generatedOn),
    year,
    month,
    practices: universe.practices.map((p) => ({ ods_code: p.odsCode, name: p.name, asids: [...p.asids] })),
    sicbls: universe.sicbls
      .map((s) => ({ ods_code: s.odsCode, name: s.name, practices: s.practices.filter((p) => !withoutSicbl.has(p)).map((p) => p.odsCode) }))
      .filter((s) => s.practices.length > 0),
  };
}

export const ASID_LOOKUP_HEADER = ["ASID", "NACS", "OrgName", "MName", "PName", "OrgType", "PostCode"] as const;

/** Rows of the monthly ASID lookup CSV (spec §2.2): one per practice ASID; unknown ASIDs are deliberately absent. */
export function asidLookupRows(universe: OrganisationUniverse): string[][] {
  return universe.practices.flatMap((p) => {
    const product = SUPPLIER_PRODUCTS[p.supplier];
    return p.asids.map((asid) => [asid, p.odsCode, p.name, product.manufacturer, product.product, "GP Practice", p.postcode]);
  });
}

export const GEOGRAPHY_HEADER = ["sicbl_ods_code", "sicbl_name", "icb_ods_code", "icb_name", "region_ods_code", "region_name"] as const;

/** Rows of the Sub-ICB location → ICB → region lookup, one per SICBL. */
export function geographyRows(universe: OrganisationUniverse): string[][] {
  return universe.sicbls.map((s) => [s.odsCode, s.name, s.icb.odsCode, s.icb.name, s.icb.region.odsCode, s.icb.region.name]);
}
