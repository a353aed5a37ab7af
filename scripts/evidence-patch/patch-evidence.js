#!/usr/bin/env node
/**
 * Makes the Evidence reports build and run with no internet access, and fixes two accessibility faults of its components (run on `npm install`, as the root postinstall).
 *
 * Evidence (@evidence-dev/universal-sql 3.0.1) writes and reads its data extracts with DuckDB-WASM's parquet
 * extension, which DuckDB-WASM downloads from extensions.duckdb.org at run time: offline, `evidence sources` hangs
 * at "Processing...", and `evidence build` and every visitor's browser need the same download. This script edits
 * the three places in the installed @evidence-dev/universal-sql that touch parquet so that parquet-wasm (already an
 * Evidence dependency) reads and writes the files and DuckDB-WASM receives Arrow tables instead:
 *
 *   src/build-parquet.js         `evidence sources`: merge the batches with parquet-wasm, not DuckDB's COPY; a query
 *                                that returns no rows gets an empty file with its columns (evidence-dev/evidence#2466)
 *   src/client-duckdb/node.js    `evidence build` (prerendering): load every extract as a table from parquet-wasm
 *   src/client-duckdb/browser.js the browser: fetch an extract from the site's own origin the first time a query
 *                                names its table, decode it with parquet-wasm and insert it as an Arrow table
 *
 * Two more edits, in @evidence-dev/evidence 40.1.8, make Evidence work inside this repository's npm workspace
 * (reports/ is a workspace package, so npm hoists most of Evidence to the root node_modules):
 *
 *   cli.js                       `npx --workspaces=false vite …`: npx would otherwise run vite in reports/, not in
 *                                .evidence/template, and the build finds no project
 *   template/tailwind.config.cjs the hoisted component library is Tailwind content too (else pages have no styles)
 *
 * and a third keeps a visitor's browser from fetching the query engine a page does not need:
 *
 *   template/src/pages/+layout.js DuckDB-WASM starts with the first query the page's prerendered data does not answer
 *                                (a month or unit changed, a search typed), not on every page load
 *
 * and a fourth saves build time:
 *
 *   template/vite.config.js      no gzipped size computed for each output file (vite's report, which Evidence hides)
 *
 * Two more, in @evidence-dev/core-components 5.4.2, fix what axe-core finds against WCAG 2.2 AA (see
 * ACCESSIBILITY_PATCHES): an input's button no longer claims the combobox role without its required attributes, and
 * a table that scrolls sideways can be reached with the keyboard. A third puts a table's cells into the prerendered
 * HTML (its rows came out empty, so a page's tables showed only once DuckDB-WASM had loaded, and never without
 * JavaScript).
 *
 * Each edit replaces an exact piece of the shipped code. When an upgrade has moved that code, the script stops with
 * a non-zero exit, naming the file and the code it expected, rather than leaving a build that hangs offline.
 * Running it again changes nothing. `--check` only verifies that every copy is patched (exit 1 when not);
 * `--root DIR` patches the packages installed under DIR instead of this repository.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const MARKER = "gp2gp evidence patch";

/** SQL helpers shared by the Node and browser clients (inserted into both files). */
const SQL_HELPERS =
  "function gp2gpQuote(name) {\n\treturn `\"${String(name).replaceAll('\"', '\"\"')}\"`;\n}\n" +
  "function gp2gpLiteral(text) {\n\treturn `'${String(text).replaceAll(\"'\", \"''\")}'`;\n}\n" +
  "const gp2gpSqlTypes = { number: 'DOUBLE', string: 'VARCHAR', date: 'TIMESTAMP', boolean: 'BOOLEAN' };\n" +
  "function gp2gpCreateEmptySql(target, columns) {\n" +
  "\treturn `CREATE TABLE ${target} (${columns.map((c) => `${gp2gpQuote(c.name)} ${gp2gpSqlTypes[c.evidenceType] ?? 'VARCHAR'}`).join(', ')});`;\n" +
  "}\n" +
  "function gp2gpColumnsSql(schema, table) {\n" +
  "\treturn `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${gp2gpLiteral(schema)} AND table_name = ${gp2gpLiteral(table)} ORDER BY ordinal_position`;\n" +
  "}\n" +
  "// Arrow millisecond timestamps arrive as TIMESTAMP_MS; DuckDB's parquet reader gave TIMESTAMP, which Evidence reads as dates.\n" +
  "function gp2gpCopySql(target, staging, columns) {\n" +
  "\tconst list = columns.map((c) => (/^TIMESTAMP_(MS|S|NS)$/.test(c.data_type) ? `CAST(${gp2gpQuote(c.column_name)} AS TIMESTAMP) AS ${gp2gpQuote(c.column_name)}` : gp2gpQuote(c.column_name)));\n" +
  "\treturn `CREATE TABLE ${target} AS SELECT ${list.join(', ')} FROM ${staging}; DROP TABLE ${staging};`;\n" +
  "}\n";

/**
 * The key a prerendered result is found by in the browser: its SQL without what Evidence makes up afresh at each render
 * (an input's queries carry a random id in their leading comment and in their subqueries' aliases).
 */
const SQL_KEY_HELPER =
  "function gp2gpSqlKey(sql) {\n" +
  "\treturn String(sql).replace(/^----[^\\n]*\\n/gm, '').replace(/\"inputQuery-[\\w-]+\"/g, '\"inputQuery\"');\n" +
  "}\n";

/** @typedef {{ find: string, replace: string, count?: number }} Edit */
/** @typedef {{ file: string, edits: Edit[] }} FilePatch */

/** @type {FilePatch[]} */
const PATCHES = [
  {
    file: "src/build-parquet.js",
    edits: [
      {
        find: "import { emptyDbFs, initDB, query } from './client-duckdb/node.js';\n",
        replace:
          `// ${MARKER}: batches are merged with parquet-wasm; DuckDB-WASM (and its downloaded parquet extension) is not used.\n` +
          "import { readParquet as gp2gpReadParquet } from 'parquet-wasm/node/arrow1.js';\n" +
          "import { tableFromIPC as gp2gpTableFromIPC, Table as Gp2gpArrowTable } from 'apache-arrow';\n",
      },
      {
        find:
          "\tif (!tmpFilenames.length) return 0;\n\n\tawait initDB();\n\n\tconst outputFilepath = path.join(outDir, outputFilename);\n\n" +
          "\tconst parquetFiles = tmpFilenames.map((filename) => `'${filename.replaceAll('\\\\', '/')}'`);\n\n" +
          "\tconst select = `SELECT * FROM read_parquet([${parquetFiles.join(',')}])`;\n" +
          "\tconst copy = `COPY (${select}) TO '${outputFilepath}' (FORMAT 'PARQUET', CODEC 'ZSTD', USE_TMP_FILE false);`;\n\n" +
          "\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n\tawait query(copy);\n",
        replace:
          `\t// ${MARKER}: no DuckDB-WASM COPY (it needs the parquet extension, downloaded at run time).\n` +
          "\tconst outputFilepath = path.join(outDir, outputFilename);\n" +
          "\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n" +
          "\tconst gp2gpWriterProperties = () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();\n" +
          "\tif (!tmpFilenames.length) {\n" +
          "\t\t// No rows (evidence-dev/evidence#2466): write an empty table with the query's columns, so pages can query it.\n" +
          "\t\tconst gp2gpTypes = { number: () => new Float64(), string: () => new Utf8(), date: () => new TimestampMillisecond(), boolean: () => new Bool() };\n" +
          "\t\tconst gp2gpEmpty = tableFromArrays(Object.fromEntries(columns.map((c) => [c.name, vectorFromArray([], (gp2gpTypes[c.evidenceType] ?? gp2gpTypes.string)())])));\n" +
          "\t\tawait fs.writeFile(outputFilepath, writeParquet(Table.fromIPCStream(tableToIPC(gp2gpEmpty, 'stream')), gp2gpWriterProperties()));\n" +
          "\t} else if (tmpFilenames.length === 1) {\n" +
          "\t\tawait fs.copyFile(tmpFilenames[0], outputFilepath);\n" +
          "\t} else {\n" +
          "\t\tconst gp2gpParts = [];\n" +
          "\t\tfor (const filename of tmpFilenames) gp2gpParts.push(gp2gpTableFromIPC(gp2gpReadParquet(await fs.readFile(filename)).intoIPCStream()));\n" +
          "\t\tconst gp2gpMerged = new Gp2gpArrowTable(gp2gpParts.flatMap((part) => part.batches));\n" +
          "\t\tawait fs.writeFile(outputFilepath, writeParquet(Table.fromIPCStream(tableToIPC(gp2gpMerged, 'stream')), gp2gpWriterProperties()));\n" +
          "\t}\n",
      },
      {
        find: "\tawait emptyDbFs('*');\n\n\tfn_done();\n",
        replace: `\t// ${MARKER}: no DuckDB-WASM files to drop.\n\tfn_done();\n`,
      },
    ],
  },
  {
    file: "src/client-duckdb/node.js",
    edits: [
      {
        find: "const DUCKDB_DIST = dirname(require.resolve('@duckdb/duckdb-wasm'));\n",
        replace:
          "const DUCKDB_DIST = dirname(require.resolve('@duckdb/duckdb-wasm'));\n" +
          `// ${MARKER}: extracts are read with parquet-wasm and inserted as Arrow tables (no parquet extension).\n` +
          "const gp2gpParquet = require('parquet-wasm/node/arrow1.js');\n" +
          "const gp2gpFs = require('fs');\n" +
          SQL_HELPERS +
          "function gp2gpInsertParquet(source, table, file) {\n" +
          "\tconst target = `${gp2gpQuote(source)}.${gp2gpQuote(table)}`;\n" +
          "\tfor (const kind of ['VIEW', 'TABLE']) {\n" +
          "\t\ttry {\n" +
          "\t\t\tconnection.query(`DROP ${kind} IF EXISTS ${target};`);\n" +
          "\t\t} catch {\n" +
          "\t\t\t// the name is the other kind of object\n" +
          "\t\t}\n" +
          "\t}\n" +
          "\tconst parquet = gp2gpParquet.readParquet(gp2gpFs.readFileSync(file));\n" +
          "\tif (parquet.numBatches === 0) {\n" +
          "\t\t// an extract without rows (evidence-dev/evidence#2466): an empty table with the columns Evidence recorded\n" +
          "\t\tconst columns = JSON.parse(gp2gpFs.readFileSync(file.replace(/\\.parquet$/, '.schema.json'), 'utf8'));\n" +
          "\t\tconnection.query(gp2gpCreateEmptySql(target, columns));\n" +
          "\t\treturn;\n" +
          "\t}\n" +
          "\tconst staging = `gp2gp_arrow_${table}`;\n" +
          "\tconnection.insertArrowFromIPCStream(parquet.intoIPCStream(), { schema: source, name: staging, create: true });\n" +
          "\tconst columns = connection.query(gp2gpColumnsSql(source, staging)).toArray().map((row) => ({ ...row }));\n" +
          "\tconnection.query(gp2gpCopySql(target, `${gp2gpQuote(source)}.${gp2gpQuote(staging)}`, columns));\n" +
          "}\n",
      },
      {
        find:
          "\t\t\tdb.registerFileURL(\n\t\t\t\tfile_name,\n\t\t\t\turl.split(pathDelimiterRegex).join(path.sep),\n\t\t\t\tDuckDBDataProtocol.NODE_FS,\n\t\t\t\tfalse\n\t\t\t);\n" +
          "\t\t\tconnection.query(\n\t\t\t\t`CREATE OR REPLACE VIEW \"${source}\".\"${table}\" AS (SELECT * FROM read_parquet('${file_name}'));`\n\t\t\t);\n",
        replace:
          `\t\t\t// ${MARKER}\n` +
          "\t\t\tgp2gpInsertParquet(source, table, url.split(pathDelimiterRegex).join(path.sep));\n",
      },
    ],
  },
  {
    file: "src/client-duckdb/browser.js",
    edits: [
      {
        find: "/** @type {import(\"@duckdb/duckdb-wasm\").AsyncDuckDB} */\nlet db;\n",
        replace:
          "/** @type {import(\"@duckdb/duckdb-wasm\").AsyncDuckDB} */\nlet db;\n\n" +
          `// ${MARKER}: an extract is fetched from the site's own origin the first time a query names its table,\n` +
          "// decoded with parquet-wasm and inserted as an Arrow table, so DuckDB-WASM never downloads its parquet extension.\n" +
          "/** @type {Map<string, { source: string, table: string, url: string, loading: Promise<void> | null }>} */\n" +
          "const gp2gpTables = new Map();\n" +
          SQL_HELPERS +
          "let gp2gpParquet = null;\n" +
          "async function gp2gpParquetModule() {\n" +
          "\tif (!gp2gpParquet) {\n" +
          "\t\tgp2gpParquet = (async () => {\n" +
          "\t\t\tconst module = await import('parquet-wasm/esm/arrow1.js');\n" +
          "\t\t\tconst wasmUrl = (await import('parquet-wasm/esm/arrow1_bg.wasm?url')).default;\n" +
          "\t\t\tawait module.default(wasmUrl);\n" +
          "\t\t\treturn module;\n" +
          "\t\t})();\n" +
          "\t}\n" +
          "\treturn gp2gpParquet;\n" +
          "}\n" +
          "function gp2gpLoadTable(entry) {\n" +
          "\tif (!entry.loading) {\n" +
          "\t\tentry.loading = (async () => {\n" +
          "\t\t\tconst parquet = await gp2gpParquetModule();\n" +
          "\t\t\tconst res = await fetch(entry.url);\n" +
          "\t\t\tif (!res.ok) throw new Error(`Could not load ${entry.url}: HTTP ${res.status}`);\n" +
          "\t\t\tconst target = `${gp2gpQuote(entry.source)}.${gp2gpQuote(entry.table)}`;\n" +
          "\t\t\tfor (const kind of ['VIEW', 'TABLE']) await connection.query(`DROP ${kind} IF EXISTS ${target};`).catch(() => {});\n" +
          "\t\t\tconst table = parquet.readParquet(new Uint8Array(await res.arrayBuffer()));\n" +
          "\t\t\tif (table.numBatches === 0) {\n" +
          "\t\t\t\t// an extract without rows (evidence-dev/evidence#2466): an empty table with the columns Evidence recorded\n" +
          "\t\t\t\t// (next to the file, or one folder up once `evidence build` has moved the file into a content-hash folder)\n" +
          "\t\t\t\tlet schema = await fetch(entry.url.replace(/\\.parquet$/, '.schema.json'));\n" +
          "\t\t\t\tif (!schema.ok) schema = await fetch(entry.url.replace(/\\/[^/]+\\/([^/]+)\\.parquet$/, '/$1.schema.json'));\n" +
          "\t\t\t\tif (!schema.ok) throw new Error(`Could not load the columns of ${entry.url}: HTTP ${schema.status}`);\n" +
          "\t\t\t\tawait connection.query(gp2gpCreateEmptySql(target, await schema.json()));\n" +
          "\t\t\t\treturn;\n" +
          "\t\t\t}\n" +
          "\t\t\tconst staging = `gp2gp_arrow_${entry.table}`;\n" +
          "\t\t\tawait connection.insertArrowFromIPCStream(table.intoIPCStream(), { schema: entry.source, name: staging, create: true });\n" +
          "\t\t\tconst columns = (await connection.query(gp2gpColumnsSql(entry.source, staging))).toArray().map((row) => ({ ...row }));\n" +
          "\t\t\tawait connection.query(gp2gpCopySql(target, `${gp2gpQuote(entry.source)}.${gp2gpQuote(staging)}`, columns));\n" +
          "\t\t})();\n" +
          "\t\tentry.loading.catch(() => {\n" +
          "\t\t\tentry.loading = null;\n" +
          "\t\t});\n" +
          "\t}\n" +
          "\treturn entry.loading;\n" +
          "}\n" +
          "/** Loads the extracts a query can read: every table whose name appears in it (all of them for catalogue queries). */\n" +
          "async function gp2gpLoadTablesFor(sql) {\n" +
          "\tconst text = String(sql).toLowerCase();\n" +
          "\tconst everything = /information_schema|duckdb_(tables|columns|views)|show\\s+tables/.test(text);\n" +
          "\tconst wanted = [...gp2gpTables.values()].filter(\n" +
          "\t\t(entry) => everything || new RegExp(`(^|[^a-z0-9_])${entry.table.toLowerCase().replace(/[^a-z0-9_]/g, '\\\\$&')}($|[^a-z0-9_])`).test(text)\n" +
          "\t);\n" +
          "\tawait Promise.all(wanted.map(gp2gpLoadTable));\n" +
          "}\n",
      },
      {
        find:
          "\t\t\t\tawait db.registerFileURL(file_name, addBasePath(path), DuckDBDataProtocol.HTTP, false);\n" +
          "\t\t\t\tawait connection.query(\n\t\t\t\t\t`CREATE OR REPLACE VIEW \"${source}\".\"${table}\" AS (SELECT * FROM read_parquet('${file_name}'));`\n\t\t\t\t);\n",
        replace:
          `\t\t\t\t// ${MARKER}: registered now, loaded when a query first names the table.\n` +
          "\t\t\t\tgp2gpTables.set(`${source}.${table}`, { source, table, url: addBasePath(path), loading: null });\n",
      },
      {
        find:
          "\t// Now we can safely execute our query\n\tconst res = await connection.query(sql).then(arrowTableToJSON);\n",
        replace:
          `\t// ${MARKER}: load the extracts the query reads first.\n\tawait gp2gpLoadTablesFor(sql);\n` +
          "\t// Now we can safely execute our query\n\tconst res = await connection.query(sql).then(arrowTableToJSON);\n",
      },
    ],
  },
  {
    file: "src/cache-duckdb.js",
    edits: [
      {
        find: "const sql_string_cache = new Map();\n",
        replace: "const sql_string_cache = new Map();\n\n" + `// ${MARKER}: the key the browser finds a prerendered result by.\n` + SQL_KEY_HELPER,
      },
      {
        find:
          "\t\t\t`${prerender_path}/api/${route_hash}/${additional_hash}/all-queries.json`,\n" +
          "\t\t\tJSON.stringify(sql_cache_with_hashed_query_strings)\n\t\t);\n",
        replace:
          "\t\t\t`${prerender_path}/api/${route_hash}/${additional_hash}/all-queries.json`,\n" +
          "\t\t\tJSON.stringify(sql_cache_with_hashed_query_strings)\n\t\t);\n" +
          `\t\t// ${MARKER}: each prerendered result by the md5 of its SQL, so that the browser answers the page's\n` +
          "\t\t// queries as prerendered (its default view) without starting DuckDB-WASM.\n" +
          "\t\twriteToPossiblyNonexistentFile(\n" +
          "\t\t\t`${prerender_path}/api/${route_hash}/${additional_hash}/sql-results.json`,\n" +
          "\t\t\tJSON.stringify(Object.fromEntries(Object.values(sql_cache).map((entry) => [hash(gp2gpSqlKey(entry.sql_string)), entry.query_hash])))\n" +
          "\t\t);\n",
      },
    ],
  },
];

/**
 * The Evidence CLI builds in `.evidence/template` by spawning `npx vite …` there. Inside an npm workspace, npx runs a
 * command in the workspace's folder (`reports/`) instead of the current one, because npm detects the workspace from
 * the current folder; vite then starts in `reports/` and finds no project ("Could not resolve entry module
 * index.html"). `--workspaces=false` keeps npx in `.evidence/template`, where vite finds the project and, through
 * `reports/package.json`, the Svelte packages to bundle.
 */
const CLI_PATCH = {
  file: "cli.js",
  edits: [
    { find: "buildHelper('npx vite build', args);", replace: "buildHelper('npx --workspaces=false vite build', args);", count: 2 },
    { find: "spawn(`npx vite dev --port 3000`, flatArgs, {", replace: "spawn(`npx --workspaces=false vite dev --port 3000`, flatArgs, {" },
  ],
};

/**
 * The template's Tailwind configuration looks for the component plugins' classes only in `template/node_modules`
 * and `reports/node_modules`. In an npm workspace npm hoists @evidence-dev/core-components to the repository's
 * node_modules, so Tailwind generated none of the components' classes (icons drawn page-wide, no layout). The
 * patch adds every ancestor's node_modules copy of each plugin to Tailwind's content.
 */
const TAILWIND_PATCH = {
  file: "template/tailwind.config.cjs",
  edits: [
    {
      find: "const path = require('path');\n",
      replace:
        "const path = require('path');\n" +
        `// ${MARKER}: component plugins hoisted to an ancestor's node_modules (npm workspaces) are Tailwind content too.\n` +
        "function gp2gpHoistedPlugin(pluginName) {\n" +
        "\tconst found = [];\n" +
        "\tfor (let dir = path.resolve(__dirname, '..', '..', '..'); ; dir = path.dirname(dir)) {\n" +
        "\t\tconst candidate = path.join(dir, 'node_modules', pluginName);\n" +
        "\t\tif (fs.existsSync(candidate)) found.push(`${candidate.split(path.sep).join('/')}/dist/**/*.{html,js,svelte,ts,md}`);\n" +
        "\t\tif (path.dirname(dir) === dir) return found;\n" +
        "\t}\n" +
        "}\n",
    },
    {
      find: "\t\t\t\t\t`../../node_modules/${pluginName}/dist/**/*.{html,js,svelte,ts,md}`\n\t\t\t\t])\n",
      replace:
        "\t\t\t\t\t`../../node_modules/${pluginName}/dist/**/*.{html,js,svelte,ts,md}`,\n" +
        "\t\t\t\t\t...gp2gpHoistedPlugin(pluginName)\n" +
        "\t\t\t\t])\n",
    },
  ],
};

/**
 * Evidence's layout starts DuckDB-WASM as soon as a page loads in the browser: about 6 MB compressed (its worker and
 * engine) fetched and compiled on every first visit, though a prerendered page's figures come with its HTML and its
 * queries' results with the page (`all-queries.json`). The browser now starts the engine with the first query that
 * needs it (a month, unit or sort changed, a search typed); the build still starts it before prerendering, as before.
 */
const LAYOUT_PATCH = {
  file: "template/src/pages/+layout.js",
  edits: [
    {
      find: "const database_initialization = profile(loadDB);\n",
      replace:
        `// ${MARKER}: the engine starts when something first awaits it (a query the page's data does not answer), not with every page.\n` +
        "let gp2gpDatabase;\n" +
        "const database_initialization = { then: (resolve, reject) => (gp2gpDatabase ??= profile(loadDB)).then(resolve, reject) };\n",
    },
    {
      find: "\t\tif (browser) {\n\t\t\treturn (async () => {\n\t\t\t\tawait database_initialization;\n",
      replace:
        "\t\tif (browser) {\n\t\t\treturn (async () => {\n" +
        `\t\t\t\t// ${MARKER}: a query the build prerendered (the same SQL) is answered with its result.\n` +
        "\t\t\t\tconst gp2gpResult = await gp2gpPrerenderedResult(routeHash, paramsHash, sql);\n" +
        "\t\t\t\tif (gp2gpResult) return callback(gp2gpResult);\n" +
        "\t\t\t\tawait database_initialization;\n",
    },
    {
      find: "const system_routes = ['/settings', '/explore'];\n",
      replace:
        `// ${MARKER}: the prerendered results of a page by the md5 of their SQL (written by the build beside all-queries.json).\n` +
        SQL_KEY_HELPER +
        "const gp2gpSqlResults = new Map();\n" +
        "async function gp2gpPrerenderedResult(routeHash, paramsHash, sql) {\n" +
        "\tconst key = `${routeHash}/${paramsHash}`;\n" +
        "\tif (!gp2gpSqlResults.has(key)) {\n" +
        "\t\tgp2gpSqlResults.set(\n" +
        "\t\t\tkey,\n" +
        "\t\t\tfetch(addBasePath(`/api/${key}/sql-results.json`))\n" +
        "\t\t\t\t.then((res) => (res.ok ? res.json() : {}))\n" +
        "\t\t\t\t.catch(() => ({}))\n" +
        "\t\t);\n" +
        "\t}\n" +
        "\tconst resultHash = (await gp2gpSqlResults.get(key))[md5(gp2gpSqlKey(sql))];\n" +
        "\tif (!resultHash) return null;\n" +
        "\tconst res = await fetch(addBasePath(`/api/prerendered_queries/${resultHash}.arrow`)).catch(() => null);\n" +
        "\tif (!res?.ok) return null;\n" +
        "\treturn arrowTableToJSON(await tableFromIPC(res));\n" +
        "}\n\n" +
        "const system_routes = ['/settings', '/explore'];\n",
    },
  ],
};

/**
 * The template's vite build prints each output file's gzipped size, compressing every chunk once more after writing it;
 * the reports build never shows that list (Evidence silences vite's log), so the time is spent for nothing.
 */
const VITE_CONFIG_PATCH = {
  file: "template/vite.config.js",
  edits: [
    {
      find: "\t\t\tminify: isDebug() ? false : true,\n",
      replace: "\t\t\tminify: isDebug() ? false : true,\n" + `\t\t\t// ${MARKER}: no gzipped size of each output file (nobody reads it)\n` + "\t\t\treportCompressedSize: false,\n",
    },
  ],
};

/**
 * Two accessibility fixes in @evidence-dev/core-components 5.4.2 (axe-core, WCAG 2.2 AA, in the reports browser tests):
 *
 *   Dropdown.svelte      the button opening an input's list had role="combobox" without the aria-controls that role
 *                        requires; it is a button opening a dialog (aria-haspopup="dialog", set by its builder), named
 *                        by the title and choice it shows rather than by an aria-label holding the title alone
 *   _DataTable.svelte    a table wider than the page scrolls inside its box, which the keyboard could not reach: the
 *                        box is focusable and named; and its rows render with the columns registered by then, so
 *                        that the prerendered HTML holds the cells (figures on first paint, and without JavaScript)
 */
/** @type {FilePatch[]} */
const ACCESSIBILITY_PATCHES = [
  {
    file: "dist/atoms/inputs/dropdown/Dropdown.svelte",
    edits: [
      {
        find: '\t\t\t\t\t\tvariant="outline"\n\t\t\t\t\t\trole="combobox"\n',
        replace: `\t\t\t\t\t\tvariant="outline"\n\t\t\t\t\t\tdata-gp2gp-patch="${MARKER}: a button opening a dialog, not a combobox"\n`,
      },
      {
        // The button shows its title and the option chosen: that text is its name (WCAG 2.5.3, label in name).
        find: "\t\t\t\t\t\taria-label={title ?? formatTitle(name)}\n",
        replace: "\t\t\t\t\t\taria-label={title ? undefined : formatTitle(name)}\n",
      },
    ],
  },
  {
    file: "dist/unsorted/viz/table/_DataTable.svelte",
    edits: [
      {
        find: '<div class="scrollbox pretty-scrollbar" style:background-color={$backgroundColorStore}>',
        replace: `<div class="scrollbox pretty-scrollbar" style:background-color={$backgroundColorStore} tabindex="0" role="region" aria-label="Table (scrolls sideways when wider than the page)" data-gp2gp-patch="${MARKER}: the keyboard reaches a table that scrolls">`,
      },
      // The table's cells in the prerendered HTML. Its <Column>s register while the table's slot renders, after the
      // script has worked out orderedColumns, and the server renders once: every row came out with no cell, so a
      // page showed its tables only after DuckDB-WASM had loaded. The rows now take the columns registered by then,
      // on the server and when the browser hydrates the page (so that it claims the prerendered cells).
      {
        find: "\timport { writable } from 'svelte/store';\n",
        replace: "\timport { writable, get as getStoreValue } from 'svelte/store';\n",
      },
      {
        find: "\t$: orderedColumns = [...$props.columns].sort(\n",
        replace:
          `\t// ${MARKER}: the columns registered when the rows render, before orderedColumns has caught up with them\n` +
          "\tconst columnsNow = (ordered) => {\n" +
          "\t\tif (ordered.length > 0) return ordered;\n" +
          "\t\tconst { columns = [], priorityColumns: priority = [] } = getStoreValue(props);\n" +
          "\t\tconst order = getFinalColumnOrder(columns.map((d) => d.id), priority);\n" +
          "\t\treturn [...columns].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));\n" +
          "\t};\n" +
          "\t$: orderedColumns = [...$props.columns].sort(\n",
      },
      { find: "{orderedColumns}", replace: "orderedColumns={columnsNow(orderedColumns)}", count: 7 },
    ],
  },
];

/** @type {Record<string, { version: string, patches: FilePatch[] }>} */
const PACKAGES = {
  "@evidence-dev/universal-sql": { version: "3.0.1", patches: PATCHES },
  "@evidence-dev/evidence": { version: "40.1.8", patches: [CLI_PATCH, TAILWIND_PATCH, LAYOUT_PATCH, VITE_CONFIG_PATCH] },
  "@evidence-dev/core-components": { version: "5.4.2", patches: ACCESSIBILITY_PATCHES },
};

/** Every installed copy of a package reachable from the repository root and the reports package. */
function findPackages(root, name) {
  const found = new Set();
  const scopes = [path.join(root, "node_modules"), path.join(root, "reports", "node_modules")];
  for (const modules of scopes) {
    const direct = path.join(modules, ...name.split("/"));
    if (fs.existsSync(path.join(direct, "package.json"))) found.add(fs.realpathSync(direct));
    const scope = path.join(modules, "@evidence-dev");
    if (!fs.existsSync(scope)) continue;
    for (const owner of fs.readdirSync(scope)) {
      const nested = path.join(scope, owner, "node_modules", ...name.split("/"));
      if (fs.existsSync(path.join(nested, "package.json"))) found.add(fs.realpathSync(nested));
    }
  }
  return [...found].sort();
}

class PatchError extends Error {}

/**
 * Applies (or with check=true verifies) the patch of one installed package.
 * @returns {string[]} what was done, one line per file
 */
function patchPackage(name, dir, { check = false } = {}) {
  const spec = PACKAGES[name];
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  const lines = [];
  if (version !== spec.version) {
    lines.push(`note: ${dir} is ${name} ${version}; the patch was written for ${spec.version}`);
  }
  for (const patch of spec.patches) {
    const file = path.join(dir, patch.file);
    if (!fs.existsSync(file)) {
      throw new PatchError(`${file} does not exist: ${name} ${version} has moved the code this patch edits.`);
    }
    let text = fs.readFileSync(file, "utf8");
    const wasPatched = text.includes(MARKER);
    let changed = 0;
    for (const [index, edit] of patch.edits.entries()) {
      const expected = edit.count ?? 1;
      if (text.split(edit.replace).length - 1 === expected) continue;
      if (check) {
        throw new PatchError(
          `${file} is not patched (edit ${index + 1} of ${patch.edits.length} is missing; ${name} ${version}).\n` +
            "Run `npm install` at the repository root (or `node scripts/evidence-patch/patch-evidence.js`) to apply the patch.",
        );
      }
      const count = text.split(edit.find).length - 1;
      // A file patched by an earlier version of this script takes the edits it lacks while their code is still there.
      if (count !== expected) {
        throw new PatchError(
          `${file} ${wasPatched ? "carries a different version of this patch" : count === 0 ? "no longer contains the code this patch replaces" : `contains the code this patch replaces ${count} times, not ${expected}`} ` +
            `(edit ${index + 1} of ${patch.edits.length}; ${name} ${version}).\n` +
            `Expected to find ${expected === 1 ? "exactly once" : `exactly ${expected} times`}:\n${indent(edit.find)}\n` +
            (wasPatched
              ? `The file carries an older version of this patch: reinstall the package (rm -rf ${dir} && npm install) to patch it afresh.`
              : "An Evidence upgrade has moved this code: update scripts/evidence-patch/patch-evidence.js to the new code, or pin the previous version."),
        );
      }
      text = text.split(edit.find).join(edit.replace);
      changed++;
    }
    if (changed > 0) {
      fs.writeFileSync(file, text);
      lines.push(`patched ${file} (${changed} edit${changed === 1 ? "" : "s"})`);
    } else {
      lines.push(`${check ? "ok" : "already patched"}: ${file}`);
    }
  }
  return lines;
}

function indent(text) {
  return text.replace(/\t/g, "  ").replace(/^/gm, "    | ");
}

/** Patches (or verifies) every installed copy of the Evidence packages; throws PatchError when one cannot be patched. */
function patchEvidence({ root = path.join(__dirname, "..", ".."), check = false } = {}) {
  const lines = [];
  for (const name of Object.keys(PACKAGES)) {
    const dirs = findPackages(root, name);
    if (dirs.length === 0) {
      throw new PatchError(
        `${name} is not installed under ${path.join(root, "node_modules")} or ${path.join(root, "reports", "node_modules")}: ` +
          "the reports package's dependencies are missing (run `npm install` at the repository root).",
      );
    }
    for (const dir of dirs) lines.push(...patchPackage(name, dir, { check }));
  }
  return lines;
}

module.exports = { patchEvidence, findPackages, PACKAGES, MARKER, PatchError };

if (require.main === module) {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const quiet = args.includes("--quiet");
  const rootAt = args.indexOf("--root");
  const root = rootAt >= 0 && args[rootAt + 1] ? path.resolve(args[rootAt + 1]) : undefined;
  try {
    const lines = patchEvidence({ check, ...(root ? { root } : {}) });
    if (!quiet) for (const line of lines) process.stdout.write(`patch-evidence: ${line}\n`);
  } catch (error) {
    process.stderr.write(`\npatch-evidence: FAILED. The Evidence reports cannot be built offline.\n${error instanceof Error ? error.message : String(error)}\n\n`);
    process.exit(1);
  }
}
