/**
 * `gp2gp reports build|dictionary|publish|serve`: build the Evidence reports site (reports/) from the marts, offline
 * (the public site unless --audience internal), write the data dictionary pages, publish an edition, and serve a
 * built site locally, precompressed.
 */
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { addDatabaseOption, databasePath, parseVarsOption } from "../lib/engine-options";
import type { ReportsSource } from "../lib/reports/build";
import { DEFAULT_OUT_DIRS, DEFAULT_TREES } from "../lib/reports/audience";

const seconds = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number of seconds`);
  return Number(value);
};

const port = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("--port must be a port number (0 picks a free one)");
  return Number(value);
};

export function registerReportsCommands(program: Command): void {
  const reports = program.command("reports").description("The Evidence reports site: build it from the marts, and serve it locally");

  addDatabaseOption(
    reports
      .command("build")
      .description("Extract the gp2gp_marts tables and build the static reports site (no network needed for the DuckDB source)"),
  )
    .addOption(new Option("--audience <audience>", "public (no transfer-level page, extract or identifier; leak-checked) or internal (every page marked internal and noindex)").choices(["public", "internal"]).default("public"))
    .option("--out <dir>", `folder for the built site, replaced (default ${path.relative(process.cwd(), DEFAULT_OUT_DIRS.public)}/ for public, ${path.relative(process.cwd(), DEFAULT_OUT_DIRS.internal)}/ for internal; never the same)`)
    .addOption(
      new Option("--source <engine>", "where the marts are read from: the DuckDB warehouse, or BigQuery with EVIDENCE_SOURCE__gp2gp__… credentials")
        .choices(["duckdb", "bigquery"])
        .default("duckdb"),
    )
    .option("--sources-timeout <seconds>", "time limit of the extract step", seconds("--sources-timeout"), 300)
    .option("--build-timeout <seconds>", "time limit of the page build step", seconds("--build-timeout"), 900)
    .option("--verbose", "print Evidence's output as it runs")
    .action(async (options) => {
      const [{ buildReports, describeBuild }, { stepProgressPrinter }, { projectContextOf }] = await Promise.all([
        import("../lib/reports/build"),
        import("../lib/reports/progress"),
        import("../lib/project-context"),
      ]);
      const result = await buildReports({
        database: databasePath(options),
        datasets: projectContextOf({}).datasets,
        audience: options.audience,
        source: options.source as ReportsSource,
        outDir: options.out,
        sourcesTimeoutSeconds: options.sourcesTimeout,
        buildTimeoutSeconds: options.buildTimeout,
        onOutput: options.verbose ? (text) => process.stdout.write(text) : undefined,
        onProgress: (message) => process.stdout.write(`${message}\n`),
        onPagesProgress: stepProgressPrinter(),
      });
      process.stdout.write(describeBuild(result));
    });

  reports
    .command("dictionary")
    .description("Write the data dictionary and lineage pages (reports/pages/data-dictionary/) again from the compiled graph")
    .action(async () => {
      const { writeDictionary } = await import("../lib/reports/dictionary");
      for (const file of await writeDictionary()) process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}\n`);
    });

  addDatabaseOption(
    reports
      .command("publish")
      .description("Build a frozen, versioned edition of the site for a reporting month (the publish gate must pass), with its manifest and the editions index"),
  )
    .requiredOption("--month <YYYY-MM>", "the reporting month: the latest final month of the national metrics")
    .addOption(new Option("--audience <audience>", "public (no transfer-level pages or identifiers) or internal").choices(["public", "internal"]).default("public"))
    .option("--out <dir>", `the editions tree (default ${path.relative(process.cwd(), DEFAULT_TREES.public) || "."}/ for public, ${path.relative(process.cwd(), DEFAULT_TREES.internal)}/ for internal)`)
    .option("--vars <k=v,...>", "compile vars for the publish gate, e.g. gate_min_national_transfers=1000,gate_max_practices_without_sicbl=5 on the demo warehouse")
    .option("--sources-timeout <seconds>", "time limit of the extract step", seconds("--sources-timeout"), 300)
    .option("--build-timeout <seconds>", "time limit of the page build step", seconds("--build-timeout"), 900)
    .option("--verbose", "print Evidence's output as it runs")
    .action(async (options) => {
      const [{ describeGate, PublishGateError }, { publishEdition }, { projectContextOf }] = await Promise.all([
        import("../lib/gate"),
        import("../lib/reports/publish"),
        import("../lib/project-context"),
      ]);
      try {
        process.stdout.write(`Publishing the ${options.audience} edition for ${options.month} …\n`);
        const result = await publishEdition({
          month: options.month,
          audience: options.audience,
          out: options.out,
          database: databasePath(options),
          vars: parseVarsOption(options.vars),
          datasets: projectContextOf({ vars: options.vars }).datasets,
          sourcesTimeoutSeconds: options.sourcesTimeout,
          buildTimeoutSeconds: options.buildTimeout,
          onOutput: options.verbose ? (text) => process.stdout.write(text) : undefined,
        });
        const { manifest } = result;
        const rel = (file: string) => path.relative(process.cwd(), file) || ".";
        process.stdout.write(
          `Publish gate passed (${manifest.gateChecks.length} checks).\n` +
            `Edition ${manifest.edition} (${manifest.audience}, ${result.pages} pages, data up to ${manifest.dataWatermark ?? "no message"}) is in ${rel(result.editionDir)}\n` +
            (manifest.previousEdition ? `  it replaces ${manifest.previousEdition}: see its what-changed page\n` : "") +
            (manifest.excludedPages.length > 0 ? `  left out (internal only): pages ${manifest.excludedPages.join(", ")}; extracts ${manifest.excludedSources.join(", ") || "none"}\n` : "") +
            `  manifest: ${rel(path.join(result.editionDir, "manifest.json"))}; editions index: ${rel(result.indexFile)}; the root opens the latest edition.\n` +
            `The editions are served from the root of their tree (they link to /editions/<id>/). To look at them:\n` +
            `  npx gp2gp reports serve --dir ${rel(result.tree)}\n`,
        );
      } catch (error) {
        if (!(error instanceof PublishGateError)) throw error;
        process.stderr.write(`${describeGate(error.result)}\nNothing was published.\n`);
        process.exitCode = 1;
      }
    });

  reports
    .command("serve")
    .description("Serve a built reports site on this machine")
    .option("--dir <dir>", "the built site", DEFAULT_OUT_DIRS.public)
    .option("--port <port>", "port to listen on (0 picks a free one)", port, 3000)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .action(async (options) => {
      const { serveStatic } = await import("../lib/reports/serve");
      const server = await serveStatic({ dir: options.dir, port: options.port, host: options.host });
      process.stdout.write(`Serving ${path.resolve(options.dir)} at ${server.url}/ (Ctrl+C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
