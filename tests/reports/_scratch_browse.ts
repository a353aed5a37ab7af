import { chromium } from "playwright-core";
import { serveStatic } from "/work/main/scripts/lib/reports/serve";
(async () => {
  const server = await serveStatic({ dir: process.argv[2] });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => console.log("console", m.type(), m.text()));
  page.on("pageerror", (e) => console.log("pageerror", e.message));
  await page.goto(server.url + (process.argv[3] ?? "/"), { waitUntil: "networkidle" });
  await page.waitForTimeout(2000);
  if (process.argv[4]) console.log(await page.evaluate(process.argv[4]));
  await page.screenshot({ path: "/tmp/reports-dev/scratch/shot.png", fullPage: true });
  console.log(requests.filter((u) => !u.startsWith(server.url)), requests.length);
  await browser.close(); await server.close();
})();
