/**
 * The Spine CSV dialect: one record per line found on raw bytes, quoting within a line, line ends, refusal of binary
 * input.
 */
import { describe, expect, it } from "vitest";
import { CsvRecordScanner, parseFields, recordFields } from "../../scripts/lib/load/csv";
import { LoadError } from "../../scripts/lib/load/common";

interface Seen {
  row: number;
  plain: boolean;
  commas: number;
  text: string;
  fields?: string[];
  fault?: string;
}

function scan(input: Buffer | string, chunkSize = Infinity): Seen[] {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const seen: Seen[] = [];
  const scanner = new CsvRecordScanner("t.csv", (buf, start, end, row, plain, commas) => {
    const parsed = recordFields(buf, start, end, plain);
    seen.push({ row, plain, commas, text: buf.toString("utf8", start, end), fields: parsed.fields, fault: parsed.fault });
  });
  for (let i = 0; i < bytes.length; i += Math.min(chunkSize, bytes.length)) scanner.push(bytes.subarray(i, i + chunkSize));
  scanner.end();
  return seen;
}

describe("CSV records", () => {
  const tricky = '\uFEFFa,b,c\r\n1,2,3\r\n\r\n"x,1","y\rz","q""r"\n\nplain,,\n"",é,"last"';

  it("splits records on line feeds, drops CRs at line ends and skips blank lines", () => {
    const rows = scan(tricky);
    expect(rows.map((r) => r.row)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.map((r) => r.fields)).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
      ["x,1", "y\rz", 'q"r'],
      ["plain", "", ""],
      ["", "é", "last"],
    ]);
    expect(rows.map((r) => r.plain)).toEqual([true, true, false, true, false]);
  });

  it("gives the same records whatever the chunk boundaries", () => {
    const whole = scan(tricky);
    for (const size of [1, 2, 3, 5, 7, 11]) expect(scan(tricky, size)).toEqual(whole);
  });

  it("keeps a stray quote inside an unquoted field to its own line and reports it", () => {
    const rows = scan('h1,h2\nab"c,d\ne,f\n');
    expect(rows.map((r) => r.text)).toEqual(["h1,h2", 'ab"c,d', "e,f"]);
    expect(rows[1].fault).toBe("has a quote inside an unquoted field");
  });

  it("ends every record at its line feed: a quote open at the end of a line is that line's fault, and the next line is a record", () => {
    const rows = scan('h1,h2\n"abc,d\ne,f\n"g\nh",i\n');
    expect(rows.map((r) => r.text)).toEqual(["h1,h2", '"abc,d', "e,f", '"g', 'h",i']);
    expect(rows.map((r) => r.fault)).toEqual([undefined, "has a quoted field that is not closed on its line", undefined, "has a quoted field that is not closed on its line", "has a quote inside an unquoted field"]);
  });

  it("reports an unclosed quote at the end of the file and text after a closing quote", () => {
    expect(scan('h\n"abc\n').at(-1)!.fault).toBe("has a quoted field that is not closed on its line");
    expect(parseFields('"ab"c,d').fault).toBe("has text after the closing quote of a field");
    expect(parseFields('"a""b",,"",x')).toEqual({ fields: ['a"b', "", "", "x"] });
  });

  it("refuses binary content, invalid UTF-8 and endless records", () => {
    expect(() => scan(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toThrow(/t\.csv is not a text file/);
    expect(() => scan(Buffer.concat([Buffer.from("h\n".repeat(40000)), Buffer.from([0xc3, 0x28, 0x0a])]))).toThrow(/t\.csv is not UTF-8 text/);
    expect(() => scan(`h\n"${"x".repeat(300 * 1024)}`, 64 * 1024)).toThrow(LoadError);
  });
});
