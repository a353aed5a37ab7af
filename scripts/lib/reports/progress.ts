/**
 * Progress of a reports build step as the commands print it: one line rewritten in place on a terminal, otherwise a
 * line at each tenth of the way and at the end.
 */
import { number } from "../cli/format";

export function stepProgressPrinter(out: NodeJS.WriteStream = process.stdout, interactive = Boolean(out.isTTY) && !process.env.CI): (progress: { step: string; done: number; total: number }) => void {
  let lastTenth = -1;
  return ({ step, done, total }) => {
    const line = `  ${step}: ${number.format(done)} / ${number.format(total)} pages`;
    if (interactive) {
      out.write(`\r${line}${done === total ? "\n" : ""}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      out.write(`${line}\n`);
    }
  };
}
