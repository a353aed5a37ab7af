/**
 * The rows waiting for one day's Spine file. At national scale a day holds ~250k rows and some wait a day or
 * more for their file, so they are kept compact: each line is encoded once into a shared byte arena and only its
 * time and position are indexed (typed arrays). Holding JavaScript strings or objects per row instead costs
 * several times the memory, most of it in garbage-collector work on long-lived objects.
 */

const ARENA_BYTES = 1024 * 1024;
const OUTPUT_CHUNK_BYTES = 256 * 1024;

export class DayBuffer {
  private readonly arenas: Buffer[] = [];
  private arena: Buffer = Buffer.allocUnsafe(0);
  private used = 0;
  private times = new Float64Array(1024);
  private arenaIndex = new Uint32Array(1024);
  private offsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a rendered line (with its line break) logged at `time` (epoch ms). */
  add(time: number, line: string): void {
    const worstCase = line.length * 3;
    if (this.used + worstCase > this.arena.length) {
      this.arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, worstCase));
      this.arenas.push(this.arena);
      this.used = 0;
    }
    if (this.count === this.times.length) this.grow();
    const length = this.arena.write(line, this.used, "utf8");
    this.times[this.count] = time;
    this.arenaIndex[this.count] = this.arenas.length - 1;
    this.offsets[this.count] = this.used;
    this.lengths[this.count] = length;
    this.used += length;
    this.count++;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const grown = <T extends Float64Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.times = grown(this.times, new Float64Array(capacity));
    this.arenaIndex = grown(this.arenaIndex, new Uint32Array(capacity));
    this.offsets = grown(this.offsets, new Uint32Array(capacity));
    this.lengths = grown(this.lengths, new Uint32Array(capacity));
  }

  /**
   * The lines in time order, as chunks of bytes. Rows logged in the same millisecond keep the order they were
   * added in (generation order), so the output is deterministic.
   */
  *sortedChunks(): Generator<Buffer> {
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    const times = this.times;
    order.sort((a, b) => times[a] - times[b] || a - b);
    let chunk = Buffer.allocUnsafe(OUTPUT_CHUNK_BYTES);
    let used = 0;
    for (const i of order) {
      const length = this.lengths[i];
      if (used + length > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(OUTPUT_CHUNK_BYTES, length));
        used = 0;
      }
      const start = this.offsets[i];
      used += this.arenas[this.arenaIndex[i]].copy(chunk, used, start, start + length);
    }
    if (used > 0) yield chunk.subarray(0, used);
  }
}
