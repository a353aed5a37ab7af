/**
 * Loading Spine exports: rows kept as text with provenance, rejects with reason and field, refused files,
 * skip/replace, and the P1 time forms.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { datasets } from "../../includes/config";
import { helpersFor } from "../../includes/engine";
import { LoadError } from "../../scripts/lib/load/common";
import { loadLog } from "../../scripts/lib/load/load-log";
import { loadSpine } from "../../scripts/lib/load/spine";
import { ACK, SPINE_HEADER, onDay, spineCsv, spineLine, testWarehouse, type TestWarehouse } from "./support";

let t: TestWarehouse;
beforeEach(async () => {
  t = await testWarehouse("spine");
});
afterEach(() => t.close());

const DAY = "2024-03-04_spine_messages.csv";

async function nothingLoaded(): Promise<void> {
  expect(await t.count("spine_messages")).toBe(0);
  expect(await t.count("spine_messages_rejected")).toBe(0);
  expect(await t.count("load_log")).toBe(0);
}

describe("loadSpine", () => {
  it("keeps every field as text with source file, row and load id", async () => {
    const file = t.file(DAY, spineCsv([spineLine({}, 1), spineLine({ interactionID: ACK, messageRef: "GUID-1", jdiEvent: "23", messageSender: "000000000042" }, 2)]));
    const summary = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    expect(summary.files).toMatchObject([{ file: DAY, status: "loaded", rows: 2, loaded: 2, rejected: 0, rejections: [] }]);
    expect(summary.totals).toMatchObject({ files: 1, loadedFiles: 1, rows: 2, loaded: 2, rejected: 0 });
    const rows = await t.raw("spine_messages");
    expect(rows[1]).toEqual({
      message_time: "2024-03-04T10:00:02.123+0000",
      conversation_id: "CONV-2",
      guid: "GUID-2",
      interaction_id: ACK,
      message_sender: "000000000042",
      message_recipient: "000987654321",
      message_ref: "GUID-1",
      jdi_event: "23",
      to_system: "EMIS",
      from_system: "TPP",
      source_file: DAY,
      source_row: 2,
      load_id: 1,
    });
    const [log] = await loadLog(t.warehouse, datasets.raw);
    expect(log).toMatchObject({ load_id: 1, source_kind: "spine", file_name: DAY, file_path: path.resolve(file), size_bytes: fs.statSync(file).size, row_count: 2, loaded_count: 2, rejected_count: 0, reference_month: null, replaced_by_load_id: null });
    expect(log.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps broken rows in the rejected table with the reason, the field's header and the row", async () => {
    const lines = [
      spineLine({}, 1),
      spineLine({ _time: "yesterday" }, 2),
      spineLine({ conversationID: "" }, 3),
      spineLine({ GUID: "" }, 4),
      spineLine({ interactionID: "" }, 5),
      spineLine({ jdiEvent: "INVALID" }, 6),
      spineLine({ jdiEvent: "-1" }, 7),
      "2024-03-04T10:00:08.123+0000,CONV-8,GUID-8,only,five",
      `${spineLine({}, 9)},extra`,
      spineLine({ messageRef: 'ab"c' }, 10),
      spineLine({ _time: "" }, 11),
      spineLine({ jdiEvent: "" }, 12),
      spineLine({ _time: "2024-03-04 10:00:13 BST", jdiEvent: "12" }, 13),
    ];
    const file = t.file(DAY, spineCsv(lines));
    const summary = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ rows: 13, loaded: 3, rejected: 10 });
    expect(summary.files[0].rejections).toEqual([
      `${DAY} row 2: _time "yesterday" is not a valid Spine time (e.g. 2019-07-01T09:10:00.334+0000 or 2019-07-01 10:10:00.334 BST)`,
      `${DAY} row 3: conversationID is empty`,
      `${DAY} row 4: GUID is empty`,
      `${DAY} row 5: interactionID is empty`,
      `${DAY} row 6: jdiEvent "INVALID" is not NONE, empty or an integer`,
    ]);
    const rejected = await t.raw<{ source_row: number; field: string | null; reason: string; raw_line: string | null; guid: string | null }>("spine_messages_rejected");
    expect(rejected.map((r) => [r.source_row, r.field])).toEqual([
      [2, "_time"],
      [3, "conversationID"],
      [4, "GUID"],
      [5, "interactionID"],
      [6, "jdiEvent"],
      [7, "jdiEvent"],
      [8, null],
      [9, null],
      [10, null],
      [11, "_time"],
    ]);
    expect(rejected[5].reason).toBe('jdiEvent "-1" is not NONE, empty or an integer');
    expect(rejected[6]).toMatchObject({ reason: "the row has 5 fields, expected 10 as in the header", raw_line: "2024-03-04T10:00:08.123+0000,CONV-8,GUID-8,only,five", guid: null });
    expect(rejected[7]).toMatchObject({ reason: "the row has 11 fields, expected 10 as in the header", raw_line: `${spineLine({}, 9)},extra` });
    expect(rejected[8]).toMatchObject({ reason: "the row has a quote inside an unquoted field" });
    expect(rejected[9]).toMatchObject({ reason: "_time is empty", guid: "GUID-11", raw_line: null });
    expect((await t.raw("spine_messages")).map((r) => r.source_row)).toEqual([1, 12, 13]);
    const [log] = await loadLog(t.warehouse, datasets.raw);
    expect(log).toMatchObject({ row_count: 13, loaded_count: 3, rejected_count: 10 });
  });

  it("reads columns by header name in any order; absent toSystem/fromSystem are NULL, empty ones ''", async () => {
    const header = "fromSystem,jdiEvent,messageRef,messageRecipient,messageSender,interactionID,GUID,conversationID,_time,toSystem";
    const reordered = t.file("a/2024-03-04_spine_messages.csv", `${header}\n,NONE,NotProvided,000000000002,000000000001,${ACK},G1,C1,2024-03-04T10:00:00.000+0000,\n`);
    const withoutSystems = t.file(
      "b/2024-03-05_spine_messages.csv",
      "conversationID,_time,GUID,interactionID,messageSender,messageRecipient,messageRef,jdiEvent,unknownExtra\nC2,2024-03-05T11:00:00.000+0000,G2,I,,NotProvided,,,x\n",
    );
    await loadSpine(t.warehouse, [reordered, withoutSystems], { raw: datasets.raw });
    const rows = await t.raw("spine_messages", "source_file");
    expect(rows).toMatchObject([
      { conversation_id: "C1", guid: "G1", interaction_id: ACK, message_sender: "000000000001", message_recipient: "000000000002", message_ref: "NotProvided", jdi_event: "NONE", to_system: "", from_system: "" },
      { conversation_id: "C2", guid: "G2", message_sender: "", message_recipient: "NotProvided", message_ref: "", jdi_event: "", to_system: null, from_system: null },
    ]);
  });

  it("accepts the P1 time forms, which the staged parser reads as the same instant", async () => {
    const forms = ["2019-07-01T09:10:00.334+0000", "2019-07-01 09:10:00.334 UTC", "2019-07-01 10:10:00.334 BST"];
    const file = t.file("2019-07-01_spine_messages.csv", spineCsv(forms.map((time, i) => spineLine({ _time: time }, i + 1))));
    const summary = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ loaded: 3, rejected: 0 });
    const parsed = await t.warehouse.rows(`select ${helpersFor("duckdb").parseSpineTime("message_time")} as at from gp2gp_raw.spine_messages order by source_row`);
    expect(parsed.map((r) => r.at)).toEqual(Array(3).fill("2019-07-01T09:10:00.334Z"));
  });

  it("loads gzip and plain files alike, recognising gzip by its bytes rather than its name", async () => {
    const content = (day: string) => spineCsv([onDay(spineLine({}, 1), day, ""), onDay(spineLine({}, 2), day, "")]);
    const files = [
      t.file("2024-03-01_spine_messages.csv.gz", content("2024-03-01"), { gzip: true }),
      t.file("2024-03-02_spine_messages.csv", content("2024-03-02"), {}),
      t.file("2024-03-03_spine_messages.csv", content("2024-03-03"), { gzip: true }),
      t.file("2024-03-05_spine_messages.csv.gz", content("2024-03-05")),
    ];
    const summary = await loadSpine(t.warehouse, files, { raw: datasets.raw });
    expect(summary.files.map((f) => [f.status, f.loaded])).toEqual(Array(4).fill(["loaded", 2]));
    const perFile = await t.warehouse.rows(`select source_file, list(guid order by source_row) as guids from gp2gp_raw.spine_messages group by 1 order by 1`);
    expect(perFile.map((r) => r.guids)).toEqual(Array(4).fill(["GUID-1", "GUID-2"]));
  });

  it("reads quoted fields, CRLF line ends, a byte order mark and blank lines (which are not rows)", async () => {
    const content =
      `\uFEFF${SPINE_HEADER}\r\n${spineLine({ fromSystem: '"Vision, ""INPS"""' }, 1)}\r\n\r\n${spineLine({ toSystem: '"Multi, field"' }, 2)}\r\n` +
      `${spineLine({ toSystem: "bare\rcr", fromSystem: " spaced é " }, 3)}\n${spineLine({ toSystem: '""', fromSystem: '"\r"' }, 4)}`;
    const summary = await loadSpine(t.warehouse, [t.file(DAY, content)], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ rows: 4, loaded: 4 });
    const rows = await t.raw("spine_messages");
    expect(rows.map((r) => [r.source_row, r.message_time, r.from_system, r.to_system])).toEqual([
      [1, "2024-03-04T10:00:01.123+0000", 'Vision, "INPS"', "EMIS"],
      [2, "2024-03-04T10:00:02.123+0000", "TPP", "Multi, field"],
      [3, "2024-03-04T10:00:03.123+0000", " spaced é ", "bare\rcr"],
      [4, "2024-03-04T10:00:04.123+0000", "\r", ""],
    ]);
  });

  it("rejects every line from an unclosed quote to the end of the file, each with its reason, so that no line is lost", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => spineLine({}, i + 1));
    lines[2899] = spineLine({ toSystem: '"unclosed' }, 2900);
    const summary = await loadSpine(t.warehouse, [t.file(DAY, spineCsv(lines))], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ rows: 3000, loaded: 2899, rejected: 101 });
    const rejected = await t.raw<{ source_row: number; reason: string; raw_line: string }>("spine_messages_rejected");
    expect(rejected.map((r) => r.source_row)).toEqual(Array.from({ length: 101 }, (_, i) => 2900 + i));
    expect(rejected[0]).toMatchObject({ reason: "the row has a quoted field that is not closed on its line", raw_line: lines[2899] });
    expect(rejected[1]).toMatchObject({
      reason: "the row follows row 2900, whose quoted field is not closed on its line: the rest of the file cannot be read reliably",
      raw_line: lines[2900],
    });
    expect(rejected.at(-1)!.raw_line).toBe(lines[2999]);
    expect((await loadLog(t.warehouse, datasets.raw))[0]).toMatchObject({ row_count: 3000, loaded_count: 2899, rejected_count: 101 });

    // A quoted field holding a line break is two lines: a Spine field never holds one.
    const multiLine = spineCsv([spineLine({}, 1), spineLine({ toSystem: '"Multi\nline"' }, 2), spineLine({}, 3)]);
    const second = await loadSpine(t.warehouse, [t.file("2024-03-04_spine_messages.csv.gz", multiLine, { gzip: true })], { raw: datasets.raw });
    expect(second.files[0]).toMatchObject({ status: "replaced", rows: 4, loaded: 1, rejected: 3 });
  });

  it("rejects message times before 2010 or further than the tolerance from the file's day, on both paths", async () => {
    const times = [
      "2024-03-04T00:00:00.000+0000",
      "2024-03-03T00:00:00.000+0000",
      "2024-03-02T23:59:59.999+0000",
      "2024-03-05T23:59:59.999+0000",
      "2024-03-06T00:00:00.000+0000",
      "9999-12-31T23:59:59.000+0000",
      "1900-01-01T00:00:00.000+0000",
      "2024-03-06 00:30:00.000 BST",
    ];
    const lines = times.map((time, i) => spineLine({ _time: time }, i + 1));
    const plain = t.file("a/2024-03-04_spine_messages.csv.gz", spineCsv(lines), { gzip: true });
    const quoted = t.file("b/2024-03-04_spine_messages.csv", spineCsv(lines.map((line) => line.replace(",EMIS,", ',"EMIS",'))));
    for (const file of [plain, quoted]) {
      const summary = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
      expect(summary.files[0]).toMatchObject({ rows: 8, loaded: 4, rejected: 4 });
      const rejected = await t.raw<{ source_row: number; field: string; reason: string }>("spine_messages_rejected");
      expect(rejected.map((r) => [r.source_row, r.field])).toEqual([
        [3, "_time"],
        [5, "_time"],
        [6, "_time"],
        [7, "_time"],
      ]);
      expect(rejected[0].reason).toBe(`_time "2024-03-02T23:59:59.999+0000" is more than 1 day outside the file's day, 2024-03-04 (the time tolerance)`);
      expect(rejected[3].reason).toBe(`_time "1900-01-01T00:00:00.000+0000" is before 2010-01-01, earlier than any GP2GP message`);
    }
    const wider = t.file("c/2024-03-04_spine_messages.csv", spineCsv(lines.slice(0, 5)));
    expect((await loadSpine(t.warehouse, [wider], { raw: datasets.raw, timeToleranceDays: 0.5 })).files[0]).toMatchObject({ loaded: 1, rejected: 4 });
    expect((await t.raw<{ reason: string }>("spine_messages_rejected"))[0].reason).toMatch(/is more than 0.5 days outside the file's day/);
    await expect(loadSpine(t.warehouse, [wider], { raw: datasets.raw, timeToleranceDays: -1 })).rejects.toThrow("the time tolerance must be a number of days from 0 to 366 (got -1)");
    await expect(loadSpine(t.warehouse, [t.file("spine_messages.csv", spineCsv(lines))], { raw: datasets.raw })).rejects.toThrow(/spine_messages\.csv is not named YYYY-MM-DD_spine_messages\.csv\[\.gz\]/);
  });

  it("rejects blank and whitespace-only IDs and malformed ASIDs", async () => {
    const lines = [
      spineLine({ conversationID: "   " }, 1),
      spineLine({ GUID: "\t" }, 2),
      spineLine({ interactionID: " " }, 3),
      spineLine({ messageSender: "not-an-asid" }, 4),
      spineLine({ messageRecipient: "12345" }, 5),
      spineLine({ messageSender: "", messageRecipient: "NotProvided" }, 6),
      spineLine({ messageSender: "0001234567890" }, 7),
      spineLine({ conversationID: " CONV-8 " }, 8),
    ];
    const summary = await loadSpine(t.warehouse, [t.file(DAY, spineCsv(lines))], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ loaded: 3, rejected: 5 });
    expect(summary.files[0].rejections).toEqual([
      `${DAY} row 1: conversationID is only whitespace`,
      `${DAY} row 2: GUID is only whitespace`,
      `${DAY} row 3: interactionID is only whitespace`,
      `${DAY} row 4: messageSender "not-an-asid" is not an ASID (12 or 13 digits), empty or NotProvided`,
      `${DAY} row 5: messageRecipient "12345" is not an ASID (12 or 13 digits), empty or NotProvided`,
    ]);
    expect((await t.raw<{ field: string }>("spine_messages_rejected")).map((r) => r.field)).toEqual(["conversationID", "GUID", "interactionID", "messageSender", "messageRecipient"]);
  });

  it("never loads a day twice: another file for a loaded day replaces it, and rows already loaded from another day are rejected", async () => {
    const day4 = spineCsv([spineLine({}, 1), spineLine({}, 2), spineLine({ _time: "2024-03-05T00:00:01.000+0000" }, 3)]);
    await loadSpine(t.warehouse, [t.file(DAY, day4)], { raw: datasets.raw });
    // The same export under another name: the same day, identical, so skipped.
    const copy = t.file("2024-03-04_copy_spine_messages.csv", day4);
    expect((await loadSpine(t.warehouse, [copy], { raw: datasets.raw })).files[0]).toMatchObject({ status: "skipped", loadId: 1 });
    // Changed, it replaces the day's load.
    fs.appendFileSync(copy, `${spineLine({}, 4)}\n`);
    expect((await loadSpine(t.warehouse, [copy], { raw: datasets.raw })).files[0]).toMatchObject({ status: "replaced", loaded: 4 });
    expect(await t.count("spine_messages")).toBe(4);
    // The same export renamed to the next day: its times are within the tolerance, its rows loaded already.
    const renamed = t.file("2024-03-05_spine_messages.csv", `${day4}${spineLine({ _time: "2024-03-05T10:00:00.000+0000" }, 5)}\n`);
    const summary = await loadSpine(t.warehouse, [renamed], { raw: datasets.raw });
    expect(summary.files[0]).toMatchObject({ status: "loaded", rows: 4, loaded: 1, rejected: 3 });
    expect(summary.files[0].rejections[0]).toBe(
      "2024-03-05_spine_messages.csv row 1: the row repeats row 1 of 2024-03-04_copy_spine_messages.csv, loaded already (same conversationID, GUID, interactionID and _time)",
    );
    expect(await t.count("spine_messages")).toBe(5);
    expect(await t.count("spine_messages_rejected", "field is null")).toBe(3);
  });

  it("skips a file loaded before unchanged, and a changed file of the same name replaces its rows", async () => {
    const file = t.file(DAY, spineCsv([spineLine({}, 1), spineLine({ jdiEvent: "BAD" }, 2)]));
    await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    const again = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    expect(again.files[0]).toMatchObject({ status: "skipped", loadId: 1, rows: 0, loaded: 0, rejected: 0 });
    expect(await t.count("spine_messages")).toBe(1);
    expect(await t.count("spine_messages_rejected")).toBe(1);
    expect(await t.count("load_log")).toBe(1);

    fs.writeFileSync(file, spineCsv([spineLine({}, 1), spineLine({}, 2), spineLine({}, 3)]));
    const replaced = await loadSpine(t.warehouse, [file], { raw: datasets.raw });
    expect(replaced.files[0]).toMatchObject({ status: "replaced", loadId: 2, rows: 3, loaded: 3, rejected: 0 });
    expect((await t.raw("spine_messages")).map((r) => [r.load_id, r.source_row])).toEqual([
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
    expect(await t.count("spine_messages_rejected")).toBe(0);
    const log = await loadLog(t.warehouse, datasets.raw);
    expect(log.map((l) => [l.load_id, l.replaced_by_load_id])).toEqual([
      [1, 2],
      [2, null],
    ]);

    // The gzip copy of the same day's export is the same export: it replaces rather than duplicates.
    const gz = t.file(`${DAY}.gz`, spineCsv([spineLine({}, 1)]), { gzip: true });
    expect((await loadSpine(t.warehouse, [gz], { raw: datasets.raw })).files[0].status).toBe("replaced");
    expect(await t.count("spine_messages")).toBe(1);
  });

  it("takes a directory's Spine exports in name order and nothing else", async () => {
    t.file("in/2024-03-02_spine_messages.csv.gz", spineCsv([spineLine({}, 2)]), { gzip: true });
    t.file("in/2024-03-01_spine_messages.csv", spineCsv([spineLine({}, 1)]));
    t.file("in/notes.txt", "not an export");
    t.file("in/asidLookup.csv", "ASID,NACS\n1,A\n");
    const summary = await loadSpine(t.warehouse, [path.join(t.dir, "in")], { raw: datasets.raw });
    expect(summary.files.map((f) => f.file)).toEqual(["2024-03-01_spine_messages.csv", "2024-03-02_spine_messages.csv.gz"]);
    fs.mkdirSync(path.join(t.dir, "empty"));
    await expect(loadSpine(t.warehouse, [path.join(t.dir, "empty")], { raw: datasets.raw })).rejects.toThrow(/holds no \*_spine_messages\.csv/);
    await expect(loadSpine(t.warehouse, [path.join(t.dir, "missing.csv")], { raw: datasets.raw })).rejects.toThrow(/missing\.csv does not exist/);
  });

  it("refuses a file that is not a Spine export, loading nothing from any of the inputs", async () => {
    const good = t.file("2024-03-01_spine_messages.csv", spineCsv([spineLine()]));
    const wrongHeader = t.file("2024-03-02_spine_messages.csv", "ASID,NACS,OrgName\n1,A,B\n");
    await expect(loadSpine(t.warehouse, [good, wrongHeader], { raw: datasets.raw })).rejects.toThrow(
      `${wrongHeader} is not a Spine message export: its header lacks _time, conversationID, GUID, interactionID, messageSender, messageRecipient, messageRef, jdiEvent (header: ASID, NACS, OrgName)`,
    );
    await nothingLoaded();
    const missingOne = t.file("2024-03-03_spine_messages.csv", spineCsv([spineLine()], SPINE_HEADER.replace("GUID", "Guid")));
    await expect(loadSpine(t.warehouse, [missingOne], { raw: datasets.raw })).rejects.toThrow(/its header lacks GUID \(header: /);
    const twice = t.file("2024-03-04_spine_messages.csv", spineCsv([`${spineLine()},x`], `${SPINE_HEADER},GUID`));
    await expect(loadSpine(t.warehouse, [twice], { raw: datasets.raw })).rejects.toThrow(/names "GUID" more than once/);
    await nothingLoaded();
  });

  it("refuses binary, empty and header-only files", async () => {
    const png = t.file("a/2024-03-01_spine_messages.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    await expect(loadSpine(t.warehouse, [png], { raw: datasets.raw })).rejects.toThrow(`${png} is not a text file`);
    const latin1 = t.file("b/2024-03-01_spine_messages.csv", Buffer.from("_time,conversationID\n\xe9\xff\xfe,x\n", "latin1"));
    await expect(loadSpine(t.warehouse, [latin1], { raw: datasets.raw })).rejects.toThrow(LoadError);
    const empty = t.file("c/2024-03-01_spine_messages.csv", "");
    await expect(loadSpine(t.warehouse, [empty], { raw: datasets.raw })).rejects.toThrow(`${empty} is empty`);
    const emptyGzip = t.file("d/2024-03-01_spine_messages.csv.gz", "", { gzip: true });
    await expect(loadSpine(t.warehouse, [emptyGzip], { raw: datasets.raw })).rejects.toThrow(`${emptyGzip} is empty`);
    const headerOnly = t.file("e/2024-03-01_spine_messages.csv", `${SPINE_HEADER}\n\n`);
    await expect(loadSpine(t.warehouse, [headerOnly], { raw: datasets.raw })).rejects.toThrow(`${headerOnly} has a header but no data rows`);
    const truncated = t.file("f/2024-03-01_spine_messages.csv.gz", zlibTruncated(spineCsv(Array.from({ length: 2000 }, (_, i) => spineLine({}, i)))));
    await expect(loadSpine(t.warehouse, [truncated], { raw: datasets.raw })).rejects.toThrow(`${truncated} is not a valid gzip file`);
    await nothingLoaded();
  });

  it("loads each file in one transaction: a failure part-way leaves nothing of it", async () => {
    const file = t.file(DAY, spineCsv([spineLine({}, 1), spineLine({ jdiEvent: "BAD" }, 2)]));
    const run = t.warehouse.connection.run.bind(t.warehouse.connection);
    const spy = vi.spyOn(t.warehouse.connection, "run").mockImplementation(async (sql: string, ...rest: unknown[]) => {
      if (sql.includes("insert into") && sql.includes("spine_messages_rejected")) throw new Error("disk full");
      return run(sql, ...(rest as []));
    });
    await expect(loadSpine(t.warehouse, [file], { raw: datasets.raw })).rejects.toThrow("disk full");
    spy.mockRestore();
    await nothingLoaded();
    expect((await loadSpine(t.warehouse, [file], { raw: datasets.raw })).files[0]).toMatchObject({ status: "loaded", loaded: 1, rejected: 1 });
  });

  it("loads files in turn: a later file that fails leaves the earlier ones loaded", async () => {
    const first = t.file("in/2024-03-01_spine_messages.csv", spineCsv([spineLine({}, 1), spineLine({ jdiEvent: "BAD" }, 2)].map((l) => onDay(l, "2024-03-01"))));
    const second = t.file("in/2024-03-02_spine_messages.csv.gz", spineCsv([spineLine({}, 3), spineLine({}, 4), spineLine({}, 5)].map((l) => onDay(l, "2024-03-02"))), { gzip: true });
    const broken = t.file("in/2024-03-03_spine_messages.csv.gz", zlibTruncated(spineCsv(Array.from({ length: 2000 }, (_, i) => spineLine({}, i)))));
    await expect(loadSpine(t.warehouse, [first, second, broken], { raw: datasets.raw })).rejects.toThrow(`${broken} is not a valid gzip file`);
    expect((await loadLog(t.warehouse, datasets.raw)).map((l) => [l.file_name, l.row_count, l.loaded_count, l.rejected_count])).toEqual([
      ["2024-03-01_spine_messages.csv", 2, 1, 1],
      ["2024-03-02_spine_messages.csv.gz", 3, 3, 0],
    ]);
    expect((await t.raw("spine_messages")).map((r) => [r.source_file, r.source_row])).toEqual([
      ["2024-03-01_spine_messages.csv", 1],
      ["2024-03-02_spine_messages.csv.gz", 1],
      ["2024-03-02_spine_messages.csv.gz", 2],
      ["2024-03-02_spine_messages.csv.gz", 3],
    ]);
    fs.rmSync(broken);
    const again = await loadSpine(t.warehouse, [path.join(t.dir, "in")], { raw: datasets.raw });
    expect(again.files.map((f) => f.status)).toEqual(["skipped", "skipped"]);
  });

  it("reads a plain file straight, and one with a quote or a short row through the normalised copy, with the same rows, rejects and row numbers", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => spineLine(i % 500 === 7 ? { _time: "soon" } : i % 700 === 3 ? { jdiEvent: "X1" } : {}, i + 1));
    // Each file another day's, with its own IDs, so that no row repeats one loaded already.
    const quoted = lines.map((line, i) => onDay(i === 1500 ? line.replace(",EMIS,TPP", ',"EMIS",TPP') : line, "2024-03-05", "b"));
    const short = lines.map((line, i) => onDay(i === 2000 ? "2024-03-04T10:00:08.123+0000,CONV-8,GUID-8,only,five" : line, "2024-03-06", "c"));
    const files = [
      t.file("a/2024-03-04_spine_messages.csv.gz", spineCsv(lines), { gzip: true }),
      t.file("b/2024-03-05_spine_messages.csv.gz", spineCsv(quoted), { gzip: true }),
      t.file("c/2024-03-06_spine_messages.csv", spineCsv(short)),
    ];
    const statements: string[] = [];
    const run = t.warehouse.connection.run.bind(t.warehouse.connection);
    const spy = vi.spyOn(t.warehouse.connection, "run").mockImplementation(async (sql: string, ...rest: unknown[]) => {
      statements.push(sql);
      return run(sql, ...(rest as []));
    });
    const ways: string[] = [];
    for (const file of files) {
      statements.length = 0;
      await loadSpine(t.warehouse, [file], { raw: datasets.raw });
      const valid = statements.filter((sql) => /insert into \S*spine_messages"? \(/.test(sql));
      ways.push(valid.map((sql) => (sql.includes("row_number() over ()") ? "direct" : "normalised")).join(" then "));
    }
    spy.mockRestore();
    // every file is read straight first; Node's check (quotes) or DuckDB's strict reader (the short row) sends the
    // other two through the normalised copy, after the direct insert was rolled back
    expect(ways).toEqual(["direct", "direct then normalised", "direct then normalised"]);
    const rowsOf = async (table: string, loadId: number) =>
      (await t.raw<Record<string, unknown>>(table, "source_row", `load_id = ${loadId}`)).map(({ source_file: _f, load_id: _l, ...row }) =>
        JSON.parse(JSON.stringify(row).replace(/(CONV|GUID)-[bc]-/g, "$1-").replace(/2024-03-0[56]/g, "2024-03-04")),
      );
    const rejected = await rowsOf("spine_messages_rejected", 1);
    expect(rejected.map((r) => r.source_row)).toEqual([4, 8, 508, 704, 1008, 1404, 1508, 2008, 2104, 2508, 2804]);
    expect(await rowsOf("spine_messages", 2)).toEqual(await rowsOf("spine_messages", 1));
    expect(await rowsOf("spine_messages_rejected", 2)).toEqual(rejected);
    expect((await rowsOf("spine_messages", 3)).length).toBe(3000 - 11 - 1);
    expect((await rowsOf("spine_messages_rejected", 3)).map((r) => [r.source_row, r.reason])).toContainEqual([2001, "the row has 5 fields, expected 10 as in the header"]);
    expect((await loadLog(t.warehouse, datasets.raw)).map((l) => [l.row_count, l.loaded_count, l.rejected_count])).toEqual([
      [3000, 2989, 11],
      [3000, 2989, 11],
      [3000, 2988, 12],
    ]);
  });

  it("reports progress in stored bytes and rows", async () => {
    const file = t.file(`${DAY}.gz`, spineCsv(Array.from({ length: 120_000 }, (_, i) => spineLine({}, i + 1))), { gzip: true });
    const seen: { rowsRead: number; bytesRead: number; totalBytes: number }[] = [];
    await loadSpine(t.warehouse, [file], { raw: datasets.raw, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual({ file: `${DAY}.gz`, rowsRead: 120_000, bytesRead: fs.statSync(file).size, totalBytes: fs.statSync(file).size });
  });
});

function zlibTruncated(content: string): Buffer {
  const gz = zlib.gzipSync(content);
  return gz.subarray(0, Math.floor(gz.length / 2));
}
