import { describe, expect, it } from "vitest";
import { DEFAULT_GENERATOR_CONFIG as CONFIG } from "../../scripts/lib/generate/config";
import { buildUniverse, geographyRows, initialOrganisations, organisationCounts, organisationMetadata } from "../../scripts/lib/generate/organisations";
import { Random } from "../../scripts/lib/generate/random";

const REGIONS = {
  Y56: "London",
  Y58: "South West",
  Y59: "South East",
  Y60: "Midlands",
  Y61: "East of England",
  Y62: "North West",
  Y63: "North East and Yorkshire",
};

describe("organisation universe", () => {
  it("scales SICBLs and ICBs with the number of practices, keeping every region and an ICB with two SICBLs", () => {
    expect(organisationCounts(6300, CONFIG)).toEqual({ icbs: 42, sicbls: 106 });
    expect(organisationCounts(200, CONFIG)).toEqual({ icbs: 7, sicbls: 8 });
    expect(organisationCounts(3150, CONFIG)).toEqual({ icbs: 21, sicbls: 53 });
    expect(organisationCounts(3, CONFIG)).toEqual({ icbs: 3, sicbls: 3 });
  });

  const national = buildUniverse(Random.fromSeed(11).fork("universe"), 6300, CONFIG);

  it("builds a national universe with the real regions and ICBs", () => {
    expect(national.practices).toHaveLength(6300);
    expect(national.sicbls).toHaveLength(106);
    expect(national.icbs).toHaveLength(42);
    expect(Object.fromEntries(national.regions.map((r) => [r.odsCode, r.name]))).toEqual(REGIONS);
    expect(national.icbs.find((i) => i.odsCode === "QKS")?.name).toBe("NHS Kent and Medway Integrated Care Board");
    expect(national.sicbls.find((s) => s.odsCode === "91Q")?.name).toBe("NHS Kent and Medway ICB - 91Q");
    for (const s of national.sicbls) {
      expect(s.odsCode).toMatch(/^\d\d[A-Z]$/);
      expect(s.name).toMatch(/^NHS .+ ICB - \d\d[A-Z]$/);
      expect(s.practices.length).toBeGreaterThan(0);
    }
  });

  it("gives practices unique ODS codes, names, suppliers in the national mix and 12-digit ASIDs with leading zeros", () => {
    const codes = new Set(national.practices.map((p) => p.odsCode));
    expect(codes.size).toBe(6300);
    for (const p of national.practices) {
      expect(p.odsCode).toMatch(/^[A-Z]\d{5}$/);
      expect(p.name).not.toBe("");
      expect(p.asids.length).toBeGreaterThanOrEqual(1);
      expect(p.asids.length).toBeLessThanOrEqual(2);
      for (const asid of p.asids) expect(asid).toMatch(/^\d{12}$/);
    }
    const asids = national.practices.flatMap((p) => p.asids);
    expect(new Set(asids).size).toBe(asids.length);
    expect(asids.filter((a) => a.startsWith("0")).length / asids.length).toBeGreaterThan(0.5);
    const share = (supplier: string) => national.practices.filter((p) => p.supplier === supplier).length / 6300;
    expect(share("EMIS")).toBeCloseTo(0.59, 1);
    expect(share("TPP")).toBeCloseTo(0.385, 1);
    expect(share("Vision")).toBeGreaterThan(0.01);
    expect(share("Vision")).toBeLessThan(0.025);
    expect(share("Microtest")).toBeGreaterThan(0.003);
  });

  it("clusters TPP by Sub-ICB location: most SICBLs are predominantly one system, nationally as configured", () => {
    const leaning = national.sicbls.filter((s) => {
      const tpp = s.practices.filter((p) => p.supplier === "TPP").length;
      const emis = s.practices.filter((p) => p.supplier === "EMIS").length;
      return tpp + emis > 0 && Math.abs(tpp / (tpp + emis) - 0.5) > 0.3;
    });
    expect(leaning.length / national.sicbls.length).toBeGreaterThan(0.6);
    for (const s of national.sicbls) expect(Object.values(s.supplierShares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it("keeps unknown ASIDs out of the practices' ASIDs", () => {
    const known = new Set(national.practices.flatMap((p) => p.asids));
    expect(national.unknownAsids.length).toBeGreaterThanOrEqual(2);
    for (const u of national.unknownAsids) {
      expect(known.has(u.asid)).toBe(false);
      expect(["Unknown", ""]).toContain(u.system);
    }
  });

  it("leaves a few practices (different ones each month) out of every SICBL in the monthly metadata", () => {
    const metadata = (month: number) =>
      organisationMetadata(initialOrganisations(national, `2024-0${month}`), Random.fromSeed(11).fork("reference", month), CONFIG);
    const orphans = (month: number) => {
      const m = metadata(month);
      const inSicbl = new Set(m.sicbls.flatMap((s) => s.practices));
      return m.practices.filter((p) => !inSicbl.has(p.ods_code)).map((p) => p.ods_code);
    };
    expect(metadata(3).practices).toHaveLength(6300);
    expect(orphans(3).length).toBeGreaterThan(0);
    expect(orphans(3)).not.toEqual(orphans(4));
    expect(metadata(3).generated_on).toMatch(/^2024-03-01T0\d:\d\d:\d\d\.\d{6}\+00:00$/);
  });

  it("maps every SICBL to its ICB and region in the geography rows", () => {
    const rows = geographyRows(national);
    expect(rows).toHaveLength(106);
    expect(rows.find((r) => r[0] === "91Q")).toEqual(["91Q", "NHS Kent and Medway ICB - 91Q", "QKS", "NHS Kent and Medway Integrated Care Board", "Y59", "South East"]);
  });

  it("is the same universe for the same seed", () => {
    const a = buildUniverse(Random.fromSeed(5), 300, CONFIG);
    const b = buildUniverse(Random.fromSeed(5), 300, CONFIG);
    const c = buildUniverse(Random.fromSeed(6), 300, CONFIG);
    const shape = (u: typeof a) => u.practices.map((p) => [p.odsCode, p.name, p.asids.join("|"), p.supplier, p.sicbl.odsCode]);
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).not.toEqual(shape(c));
  });
});
