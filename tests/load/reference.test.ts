/**
 * Loading reference data: organisation metadata JSON, the ASID lookup CSV and the SICBL → ICB → region lookup.
 */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { loadAsidLookup } from "../../scripts/lib/load/asid-lookup";
import { loadGeography } from "../../scripts/lib/load/geography";
import { loadLog } from "../../scripts/lib/load/load-log";
import { loadOds } from "../../scripts/lib/load/ods";
import { testWarehouse, type TestWarehouse } from "./support";

let t: TestWarehouse;
beforeEach(async () => {
  t = await testWarehouse("reference");
});
afterEach(() => t.close());

function metadata(month: number, overrides: Record<string, unknown> = {}) {
  return {
    generated_on: "2024-03-01T06:12:45.123456+00:00",
    year: 2024,
    month,
    practices: [
      { ods_code: "A12345", name: "Alpha Surgery", asids: ["000033357014", "123433357014"] },
      { ods_code: "B23456", name: "Beta Practice", asids: ["004400000001"] },
    ],
    sicbls: [
      { ods_code: "01A", name: "NHS North ICB - 01A", practices: ["B23456", "A12345"] },
      { ods_code: "02B", name: "NHS South ICB - 02B", practices: [] },
    ],
    ...overrides,
  };
}

describe("loadOds", () => {
  it("loads practices, their ASIDs and SICBL members in file order for the file's month", async () => {
    const file = t.file("2024/3/organisationMetadata.json", JSON.stringify(metadata(3)));
    const summary = await loadOds(t.warehouse, [file], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ file: "organisationMetadata.json", status: "loaded", rows: 7, loaded: 7, rejected: 0 });
    expect(await t.raw("ods_practices")).toEqual([
      { reference_month: "2024-03-01T00:00:00.000Z", ods_code: "A12345", name: "Alpha Surgery", position: 1, source_file: "organisationMetadata.json", source_row: 1, load_id: 1 },
      { reference_month: "2024-03-01T00:00:00.000Z", ods_code: "B23456", name: "Beta Practice", position: 2, source_file: "organisationMetadata.json", source_row: 2, load_id: 1 },
    ]);
    expect((await t.raw("ods_practice_asids")).map((r) => [r.ods_code, r.asid, r.position])).toEqual([
      ["A12345", "000033357014", 1],
      ["A12345", "123433357014", 1],
      ["B23456", "004400000001", 2],
    ]);
    expect((await t.raw("ods_sicbl_practices")).map((r) => [r.sicbl_ods_code, r.sicbl_name, r.practice_ods_code, r.position])).toEqual([
      ["01A", "NHS North ICB - 01A", "B23456", 1],
      ["01A", "NHS North ICB - 01A", "A12345", 1],
    ]);
    expect((await loadLog(t.warehouse, datasets.raw))[0]).toMatchObject({ source_kind: "ods", reference_month: "2024-03-01", row_count: 7 });
  });

  it("keeps one load per month: same file skipped, changed file replaces, another month adds", async () => {
    const march = t.file("2024/3/organisationMetadata.json", JSON.stringify(metadata(3)));
    const april = t.file("2024/4/organisationMetadata.json", JSON.stringify(metadata(4)));
    await loadOds(t.warehouse, [march], { raw: datasets.raw });
    expect((await loadOds(t.warehouse, [march], { raw: datasets.raw })).files[0].status).toBe("skipped");
    expect((await loadOds(t.warehouse, [april], { raw: datasets.raw })).files[0].status).toBe("loaded");
    fs.writeFileSync(march, JSON.stringify(metadata(3, { practices: [{ ods_code: "C1", name: "Gamma", asids: [] }], sicbls: [] })));
    expect((await loadOds(t.warehouse, [march], { raw: datasets.raw })).files[0]).toMatchObject({ status: "replaced", rows: 1 });
    const months = await t.warehouse.rows(`select strftime(reference_month, '%Y-%m') as month, count(*) as practices from gp2gp_raw.ods_practices group by 1 order by 1`);
    expect(months).toEqual([
      { month: "2024-03", practices: 1 },
      { month: "2024-04", practices: 2 },
    ]);
    expect(await t.count("ods_practice_asids", "reference_month = date '2024-03-01'")).toBe(0);
    expect((await loadLog(t.warehouse, datasets.raw)).map((l) => [l.load_id, l.reference_month, l.replaced_by_load_id])).toEqual([
      [1, "2024-03-01", 3],
      [2, "2024-04-01", null],
      [3, "2024-03-01", null],
    ]);
  });

  it("names the file and the JSON path of a fault, and loads nothing", async () => {
    const numericAsid = t.file("bad.json", JSON.stringify(metadata(3, { practices: [{ ods_code: "A1", name: "A", asids: ["1"] }, { ods_code: "B1", name: "B", asids: [123] }] })));
    await expect(loadOds(t.warehouse, [numericAsid], { raw: datasets.raw })).rejects.toThrow(/^.*bad\.json is not organisation metadata v5: practices\[1\]\.asids\[0\]: Invalid input: expected string, received number$/);
    const badMonth = t.file("month.json", JSON.stringify(metadata(13)));
    await expect(loadOds(t.warehouse, [badMonth], { raw: datasets.raw })).rejects.toThrow(/month\.json is not organisation metadata v5: month: /);
    const noOffset = t.file("time.json", JSON.stringify(metadata(3, { generated_on: "2024-03-01T06:12:45" })));
    await expect(loadOds(t.warehouse, [noOffset], { raw: datasets.raw })).rejects.toThrow(/time\.json is not organisation metadata v5: generated_on: must be an ISO-8601 date-time with an offset/);
    const blankCode = t.file("blank.json", JSON.stringify(metadata(3, { sicbls: [{ ods_code: "01A", name: "x", practices: [" "] }] })));
    await expect(loadOds(t.warehouse, [blankCode], { raw: datasets.raw })).rejects.toThrow(/sicbls\[0\]\.practices\[0\]: must be a non-empty ODS code/);
    const notJson = t.file("broken.json", '{"year": 2024,');
    await expect(loadOds(t.warehouse, [notJson], { raw: datasets.raw })).rejects.toThrow(/broken\.json is not valid JSON/);
    expect(await t.count("load_log")).toBe(0);
    expect(await t.count("ods_practices")).toBe(0);
  });

  it("reads gzip-compressed metadata", async () => {
    const file = t.file("organisationMetadata.json.gz", JSON.stringify(metadata(5)), { gzip: true });
    expect((await loadOds(t.warehouse, [file], { raw: datasets.raw })).files[0]).toMatchObject({ status: "loaded", loaded: 7 });
  });
});

describe("loadAsidLookup", () => {
  const lookup = [
    "ASID,NACS,OrgName,MName,PName,OrgType,PostCode",
    "000033357014,A12345,Alpha Surgery,EMIS Health,EMIS Web,GP Practice,AB1 2CD",
    '123433357014,A12345,"Alpha Surgery, Annexe",EMIS Health,EMIS Web,GP Practice,AB1 2CE',
    ",B23456,Beta,TPP,SystmOne,GP Practice,",
    "004400000001,,Gamma,TPP,SystmOne,GP Practice,",
    "004400000002,C1,too,few",
    "004400000003,D1,Delta,,,,",
  ].join("\n");

  it("keeps ASIDs as text with leading zeros and rejects rows without ASID or NACS", async () => {
    const file = t.file("asidLookup.csv.gz", lookup, { gzip: true });
    const summary = await loadAsidLookup(t.warehouse, file, "2024-03", { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ status: "loaded", rows: 6, loaded: 3, rejected: 3 });
    expect(summary.files[0].rejections).toEqual([
      "asidLookup.csv.gz row 3: ASID is empty",
      "asidLookup.csv.gz row 4: NACS is empty",
      "asidLookup.csv.gz row 5: the row has 4 fields, expected 7 as in the header",
    ]);
    const rows = await t.raw("asid_lookup");
    expect(rows[1]).toEqual({
      reference_month: "2024-03-01T00:00:00.000Z",
      asid: "123433357014",
      nacs: "A12345",
      org_name: "Alpha Surgery, Annexe",
      manufacturer: "EMIS Health",
      product: "EMIS Web",
      org_type: "GP Practice",
      postcode: "AB1 2CE",
      source_file: "asidLookup.csv.gz",
      source_row: 2,
      load_id: 1,
    });
    expect(rows.map((r) => [r.asid, r.manufacturer])).toEqual([
      ["000033357014", "EMIS Health"],
      ["123433357014", "EMIS Health"],
      ["004400000003", ""],
    ]);
    expect((await loadLog(t.warehouse, datasets.raw))[0]).toMatchObject({ source_kind: "asid_lookup", reference_month: "2024-03-01", row_count: 6, loaded_count: 3, rejected_count: 3 });
  });

  it("rejects malformed ASIDs and whitespace-only keys, and refuses a file whose quoting cannot be read line by line", async () => {
    const rows = ["ASID,NACS,OrgName", "000033357014,A1,x", "not-an-asid,A2,x", "12345,A3,x", "0000333570145,A4,x", "000033357016,  ,x", "", "000033357017,A6,x"];
    const file = t.file("asidLookup.csv", rows.join("\n"));
    const summary = await loadAsidLookup(t.warehouse, file, "2024-03", { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ rows: 6, loaded: 3, rejected: 3 });
    expect(summary.files[0].rejections).toEqual([
      'asidLookup.csv row 2: ASID "not-an-asid" is not an ASID (12 or 13 digits)',
      'asidLookup.csv row 3: ASID "12345" is not an ASID (12 or 13 digits)',
      "asidLookup.csv row 5: NACS is only whitespace",
    ]);

    // 3,000 rows with an unclosed quote in row 2,900: refused whole, naming the row, rather than loading the rows
    // before it and losing the rows after it inside one field.
    const many = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(12, "0")},A${i},${i === 2899 ? '"unclosed' : "Name"}`);
    const unclosed = t.file("2024-04_asidLookup.csv", ["ASID,NACS,OrgName", ...many].join("\n"));
    await expect(loadAsidLookup(t.warehouse, unclosed, "2024-04", { raw: datasets.raw })).rejects.toThrow(
      `${unclosed} cannot be read line by line: data row 2900 opens a quoted field that is not closed`,
    );
    many[2899] = `000000002899,A2899,"Name`;
    many[2950] = `000000002950,A2950,Name"`;
    fs.writeFileSync(unclosed, ["ASID,NACS,OrgName", ...many].join("\n"));
    await expect(loadAsidLookup(t.warehouse, unclosed, "2024-04", { raw: datasets.raw })).rejects.toThrow(/cannot be read line by line: data row 2900 /);
    fs.writeFileSync(unclosed, 'ASID,NACS,OrgName\n000000000001,A1,x\n000000000002,A2,"Multi\nline"\n');
    await expect(loadAsidLookup(t.warehouse, unclosed, "2024-04", { raw: datasets.raw })).rejects.toThrow(
      `${unclosed} cannot be read line by line: data row 2 has a quoted field that runs over the end of its line (an unclosed quote?)`,
    );
    fs.writeFileSync(unclosed, 'ASID,NACS,OrgName\n000000000001,A1,x"y\n');
    await expect(loadAsidLookup(t.warehouse, unclosed, "2024-04", { raw: datasets.raw })).rejects.toThrow("data row 1 has a quote inside an unquoted field");
    expect(await t.count("load_log")).toBe(1);
  });

  it("needs only ASID and NACS columns; the others are NULL when absent", async () => {
    const file = t.file("asids.csv", "NACS,ASID\nA1,000000000001\n");
    await loadAsidLookup(t.warehouse, file, "2024-04", { raw: datasets.raw });
    expect(await t.raw("asid_lookup")).toMatchObject([{ asid: "000000000001", nacs: "A1", org_name: null, manufacturer: null, postcode: null }]);
    const noNacs = t.file("no-nacs.csv", "ASID,OrgName\n1,x\n");
    await expect(loadAsidLookup(t.warehouse, noNacs, "2024-04", { raw: datasets.raw })).rejects.toThrow(/no-nacs\.csv is not an ASID lookup: its header lacks NACS \(header: ASID, OrgName\)/);
  });

  it("replaces the month's lookup when a changed file is loaded for it, and checks the month", async () => {
    const file = t.file("asidLookup.csv", lookup);
    await loadAsidLookup(t.warehouse, file, "2024-03", { raw: datasets.raw });
    expect((await loadAsidLookup(t.warehouse, file, "2024-03", { raw: datasets.raw })).files[0].status).toBe("skipped");
    expect((await loadAsidLookup(t.warehouse, file, "2024-04", { raw: datasets.raw })).files[0].status).toBe("loaded");
    fs.writeFileSync(file, "ASID,NACS\n000000000009,Z\n");
    expect((await loadAsidLookup(t.warehouse, file, "2024-03", { raw: datasets.raw })).files[0].status).toBe("replaced");
    expect(await t.count("asid_lookup", "reference_month = date '2024-03-01'")).toBe(1);
    expect(await t.count("asid_lookup", "reference_month = date '2024-04-01'")).toBe(3);
    await expect(loadAsidLookup(t.warehouse, file, "2024-13", { raw: datasets.raw })).rejects.toThrow('"2024-13" is not a month: expected YYYY-MM');
  });
});

describe("loadGeography", () => {
  const projectStyle = [
    "sicbl_ods_code,sicbl_name,icb_ods_code,icb_name,region_ods_code,region_name",
    "01A,NHS North ICB - 01A,QAA,NHS North Integrated Care Board,Y61,North",
    "02B,NHS South ICB - 02B,QBB,NHS South Integrated Care Board,Y62,South",
  ].join("\n");
  const onsStyle = [
    "LOC22CD,SICBL23CD,SICBL23CDH,SICBL23NM,ICB23CD,ICB23CDH,ICB23NM,NHSER23CD,NHSER23CDH,NHSER23NM,ObjectId",
    "E38000001,E38000001,01A,NHS North ICB - 01A,E54000001,QAA,NHS North Integrated Care Board,E40000001,Y61,North,1",
    "E38000002,E38000002,03C,NHS East ICB - 03C,E54000003,QCC,NHS East Integrated Care Board,E40000003,Y63,East,2",
  ].join("\n");

  it("loads the project's headers and the ONS lookup's; the latest file is the current geography", async () => {
    const first = t.file("geography.csv", projectStyle);
    expect((await loadGeography(t.warehouse, [first], { raw: datasets.raw })).files[0]).toMatchObject({ status: "loaded", loaded: 2 });
    expect((await t.raw("geography"))[1]).toEqual({
      sicbl_ods_code: "02B",
      sicbl_name: "NHS South ICB - 02B",
      icb_ods_code: "QBB",
      icb_name: "NHS South Integrated Care Board",
      region_ods_code: "Y62",
      region_name: "South",
      source_file: "geography.csv",
      source_row: 2,
      load_id: 1,
    });
    const ons = t.file("SICBL23_ICB23_NHSER23_EN_LU.csv", onsStyle);
    expect((await loadGeography(t.warehouse, [ons], { raw: datasets.raw })).files[0]).toMatchObject({ status: "replaced", loaded: 2 });
    expect((await t.raw("geography")).map((r) => [r.sicbl_ods_code, r.icb_ods_code, r.region_ods_code, r.region_name])).toEqual([
      ["01A", "QAA", "Y61", "North"],
      ["03C", "QCC", "Y63", "East"],
    ]);
    expect((await loadGeography(t.warehouse, [ons], { raw: datasets.raw })).files[0].status).toBe("skipped");
  });

  it("refuses duplicate SICBLs naming the rows, and a file without the columns", async () => {
    const duplicated = t.file("dup.csv", `${projectStyle}\n01A,Again,QAA,x,Y61,North\n`);
    await expect(loadGeography(t.warehouse, [duplicated], { raw: datasets.raw })).rejects.toThrow(/dup\.csv has more than one row for a SICBL: 01A in rows 1, 3$/);
    const partial = t.file("partial.csv", "SICBL23CDH,SICBL23NM\n01A,x\n");
    await expect(loadGeography(t.warehouse, [partial], { raw: datasets.raw })).rejects.toThrow(
      /partial\.csv is not a SICBL → ICB → region lookup: its header lacks icb_ods_code \(or ONS ICB<yy>CDH\), icb_name \(or ONS ICB<yy>NM\), region_ods_code/,
    );
    const twoYears = t.file("years.csv", onsStyle.replace("LOC22CD", "SICBL22CDH"));
    await expect(loadGeography(t.warehouse, [twoYears], { raw: datasets.raw })).rejects.toThrow(/has several columns for sicbl_ods_code \(or ONS SICBL<yy>CDH\): SICBL22CDH, SICBL23CDH/);
    expect(await t.count("geography")).toBe(0);
  });
});
