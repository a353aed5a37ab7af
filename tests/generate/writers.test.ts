import { describe, expect, it } from "vitest";
import { DayBuffer } from "../../scripts/lib/generate/day_buffer";
import { csvLine } from "../../scripts/lib/generate/writers";

const text = (buffer: DayBuffer) => Buffer.concat([...buffer.sortedChunks()]).toString("utf8");

describe("csvLine", () => {
  it("quotes only the fields that need it", () => {
    expect(csvLine(["QOX", "NHS Bath and North East Somerset, Swindon and Wiltshire", 'Dr "Jo" O\'Brien', ""])).toBe(
      'QOX,"NHS Bath and North East Somerset, Swindon and Wiltshire","Dr ""Jo"" O\'Brien",\n',
    );
  });
});

describe("DayBuffer", () => {
  it("returns lines in time order, keeping the order of addition for equal times", () => {
    const buffer = new DayBuffer();
    buffer.add(30, "c\n");
    buffer.add(10, "a1\n");
    buffer.add(20, "b\n");
    buffer.add(10, "a2\n");
    expect(buffer.size).toBe(4);
    expect(text(buffer)).toBe("a1\na2\nb\nc\n");
  });

  it("holds more rows than its initial capacity and more bytes than one arena or output chunk", () => {
    const buffer = new DayBuffer();
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const line = `${String(i).padStart(6, "0")},${"x".repeat(100)}\n`;
      lines.push(line);
      buffer.add(20_000 - i, line);
    }
    const chunks = [...buffer.sortedChunks()];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(lines.reverse().join(""));
  });

  it("is empty when nothing was added", () => {
    expect(text(new DayBuffer())).toBe("");
  });
});
