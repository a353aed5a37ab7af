/**
 * Google credentials for BigQuery, resolved offline before any client is made: a key file, gcloud's application
 * default credentials, the metadata server when asked for, the reports source's service account; a missing or
 * malformed file is named, and a command without credentials exits 1 with one line saying what would supply them,
 * without touching the network.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  applicationDefaultCredentialsFile,
  bigQueryClientOptions,
  BigQueryCredentialsError,
  resolveBigQueryCredentials,
  type BigQueryCredentialsOptions,
} from "../../scripts/lib/bigquery-credentials";
import { compiledGraphSchema } from "../../scripts/lib/compile";
import { assertBigQueryCredentials } from "../../scripts/lib/reports/build";
import { reportsSourceCredentials } from "../../scripts/lib/reports/leak-check";
import { BigQueryExecutor } from "../../scripts/lib/runner/bigquery";
import { tempDir, writeFile } from "../support/warehouse";

const ROOT = path.resolve(__dirname, "../..");
const RUNNER: Omit<BigQueryCredentialsOptions, "env"> = { projectHint: "GP2GP_BIGQUERY_PROJECT", keyFileVariable: "GP2GP_BIGQUERY_KEY_FILE" };
const SERVICE_ACCOUNT = { type: "service_account", project_id: "key-project", client_email: "runner@key-project.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" };
const AUTHORIZED_USER = { type: "authorized_user", client_id: "id", client_secret: "secret", refresh_token: "token", quota_project_id: "quota-project" };

/** A HOME with nothing in it, and a file `name` holding `content` (JSON unless a string) in another folder. */
function setUp(name?: string, content?: unknown): { home: string; file: string } {
  const home = tempDir("credentials-home");
  const dir = tempDir("credentials-files");
  const file = path.join(dir, name ?? "key.json");
  if (content !== undefined) writeFile(dir, name ?? "key.json", typeof content === "string" ? content : JSON.stringify(content));
  return { home, file };
}

/** Writes gcloud's application default credentials file under `configDir`. */
function writeAdc(configDir: string, content: unknown): string {
  writeFile(configDir, "application_default_credentials.json", typeof content === "string" ? content : JSON.stringify(content));
  return path.join(configDir, "application_default_credentials.json");
}

const failure = (run: () => unknown): BigQueryCredentialsError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BigQueryCredentialsError);
    return error as BigQueryCredentialsError;
  }
  throw new Error("expected a BigQueryCredentialsError");
};

describe("resolveBigQueryCredentials", () => {
  it("without credentials, names the variable, the gcloud command, the metadata switch and the project's variable", () => {
    const { home } = setUp();
    const error = failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home }, projectId: "p" }));
    expect(error.message).toContain("GOOGLE_APPLICATION_CREDENTIALS=/path/key.json");
    expect(error.message).toContain("GP2GP_BIGQUERY_KEY_FILE");
    expect(error.message).toContain("gcloud auth application-default login");
    expect(error.message).toContain("GP2GP_BIGQUERY_METADATA_CREDENTIALS=1");
    expect(error.message).toContain("GP2GP_BIGQUERY_PROJECT");
    expect(error.message).not.toContain("\n");
    // Switched off explicitly, the metadata server is not used either.
    failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_METADATA_CREDENTIALS: "0" }, projectId: "p" }));
    // No HOME at all: still the same message, not a crash.
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: {}, projectId: "p" })).message).toContain("gcloud auth application-default login");
  });

  it("takes a key file from GOOGLE_APPLICATION_CREDENTIALS, and the project from the command before the file", () => {
    const { home, file } = setUp("key.json", SERVICE_ACCOUNT);
    const env = { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: file };
    expect(resolveBigQueryCredentials({ ...RUNNER, env, projectId: "named-project" })).toEqual({
      source: "key-file",
      origin: `GOOGLE_APPLICATION_CREDENTIALS=${file}`,
      projectId: "named-project",
      keyFilename: file,
      type: "service_account",
    });
    expect(resolveBigQueryCredentials({ ...RUNNER, env }).projectId).toBe("key-project");
  });

  it("prefers the command's own key-file variable to GOOGLE_APPLICATION_CREDENTIALS", () => {
    const { home, file } = setUp("key.json", SERVICE_ACCOUNT);
    const resolved = resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_KEY_FILE: file, GOOGLE_APPLICATION_CREDENTIALS: "/nonexistent/other.json" } });
    expect([resolved.source, resolved.origin]).toEqual(["key-file", `GP2GP_BIGQUERY_KEY_FILE=${file}`]);
  });

  it("takes gcloud's application default credentials from HOME, CLOUDSDK_CONFIG or APPDATA", () => {
    const { home } = setUp();
    const adc = writeAdc(path.join(home, ".config", "gcloud"), AUTHORIZED_USER);
    expect(resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home } })).toEqual({
      source: "application-default",
      origin: adc,
      projectId: "quota-project",
      keyFilename: adc,
      type: "authorized_user",
    });
    const config = tempDir("cloudsdk-config");
    const other = writeAdc(config, { ...AUTHORIZED_USER, quota_project_id: undefined });
    // CLOUDSDK_CONFIG replaces the folder under HOME, as it does for gcloud and Google's client library.
    expect(resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, CLOUDSDK_CONFIG: config }, projectId: "p" })).toMatchObject({ keyFilename: other, projectId: "p" });
    failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, CLOUDSDK_CONFIG: tempDir("cloudsdk-empty") }, projectId: "p" }));
    expect(applicationDefaultCredentialsFile({ APPDATA: "C:\\Users\\a\\AppData\\Roaming" }, "win32")).toBe(path.join("C:\\Users\\a\\AppData\\Roaming", "gcloud", "application_default_credentials.json"));
    expect(applicationDefaultCredentialsFile({ HOME: "/home/a" }, "linux")).toBe("/home/a/.config/gcloud/application_default_credentials.json");
  });

  it("names a key file that is missing, not JSON, or not a Google credentials file", () => {
    const { home, file } = setUp();
    const missing = failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: file }, projectId: "p" }));
    expect(missing.message).toBe(`GOOGLE_APPLICATION_CREDENTIALS names ${file}, which does not exist.`);
    const notJson = setUp("key.json", "{ not json");
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_KEY_FILE: notJson.file }, projectId: "p" })).message).toBe(
      `GP2GP_BIGQUERY_KEY_FILE names ${notJson.file}, which is not a Google credentials file: it is not JSON.`,
    );
    const noType = setUp("key.json", { project_id: "p" });
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: noType.file } })).message).toMatch(
      new RegExp(`^GOOGLE_APPLICATION_CREDENTIALS names ${noType.file}, which is not a Google credentials file: type: missing \\(service_account, authorized_user`),
    );
    const noKey = setUp("key.json", { ...SERVICE_ACCOUNT, private_key: undefined });
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: noKey.file } })).message).toContain("private_key: a service_account file needs private_key");
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: home }, projectId: "p" })).message).toContain("which is a folder");
  });

  it("names a malformed application default credentials file", () => {
    const { home } = setUp();
    const adc = writeAdc(path.join(home, ".config", "gcloud"), "[]");
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home }, projectId: "p" })).message).toMatch(
      new RegExp(`^The application default credentials file ${adc}, which is not a Google credentials file`),
    );
  });

  it("uses the metadata server only when GP2GP_BIGQUERY_METADATA_CREDENTIALS says so, and then needs the project", () => {
    const { home } = setUp();
    expect(resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_METADATA_CREDENTIALS: "1" }, projectId: "p" })).toEqual({
      source: "metadata-server",
      origin: "GP2GP_BIGQUERY_METADATA_CREDENTIALS=1",
      projectId: "p",
    });
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_METADATA_CREDENTIALS: "true" } })).message).toBe("No BigQuery project: set GP2GP_BIGQUERY_PROJECT.");
    expect(failure(() => resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GP2GP_BIGQUERY_METADATA_CREDENTIALS: "yes" }, projectId: "p" })).message).toMatch(/GP2GP_BIGQUERY_METADATA_CREDENTIALS must be 1 .* not "yes"/);
  });

  it("needs no credentials for an emulator", () => {
    const { home } = setUp();
    expect(resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, BIGQUERY_EMULATOR_HOST: "http://localhost:9050" }, projectId: "p" }).source).toBe("emulator");
  });

  it("gives the client the file or the key it resolved, and nothing else", () => {
    const { home, file } = setUp("key.json", SERVICE_ACCOUNT);
    const resolved = resolveBigQueryCredentials({ ...RUNNER, env: { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: file } });
    expect(bigQueryClientOptions(resolved, "europe-west2")).toEqual({ projectId: "key-project", location: "europe-west2", keyFilename: file });
  });
});

describe("the commands' credentials", () => {
  const graph = compiledGraphSchema.parse({ projectConfig: { defaultDatabase: "graph-project", defaultSchema: "marts", defaultLocation: "europe-west2", vars: { engine: "bigquery" } } });

  it("gp2gp run: GP2GP_BIGQUERY_PROJECT, else the graph's project; no client without credentials", () => {
    const { home, file } = setUp("key.json", SERVICE_ACCOUNT);
    expect(() => BigQueryExecutor.fromEnvironment(graph, { HOME: home })).toThrow(BigQueryCredentialsError);
    const executor = BigQueryExecutor.fromEnvironment(graph, { HOME: home, GOOGLE_APPLICATION_CREDENTIALS: file }) as unknown as { projectId: string };
    expect(executor.projectId).toBe("graph-project");
    expect(BigQueryExecutor.credentials({ HOME: home, GOOGLE_APPLICATION_CREDENTIALS: file, GP2GP_BIGQUERY_PROJECT: "env-project" }, "graph-project").projectId).toBe("env-project");
  });

  it("reports build --source bigquery: the source's service account, else application default credentials", () => {
    const { home } = setUp();
    const prefix = "EVIDENCE_SOURCE__gp2gp__";
    const serviceAccount = reportsSourceCredentials({ HOME: home, [`${prefix}project_id`]: "p", [`${prefix}client_email`]: "e@p.iam.gserviceaccount.com", [`${prefix}private_key`]: "line1\\nline2" });
    expect(serviceAccount).toMatchObject({ source: "service-account", projectId: "p", credentials: { client_email: "e@p.iam.gserviceaccount.com", private_key: "line1\nline2" } });
    expect(failure(() => reportsSourceCredentials({ HOME: home, [`${prefix}project_id`]: "p", [`${prefix}client_email`]: "e", [`${prefix}private_key`]: "  " })).message).toBe(
      `The BigQuery credentials from ${prefix}client_email are incomplete: credentials.private_key: Too small: expected string to have >=1 characters.`,
    );
    const gcloud = { HOME: home, [`${prefix}authenticator`]: "gcloud-cli", [`${prefix}project_id`]: "p" };
    const error = failure(() => assertBigQueryCredentials(gcloud));
    expect(error.message).toContain("gcloud auth application-default login");
    expect(error.message).toContain(`${prefix}project_id`);
    const adc = writeAdc(path.join(home, ".config", "gcloud"), AUTHORIZED_USER);
    expect(assertBigQueryCredentials(gcloud)).toMatchObject({ source: "application-default", keyFilename: adc, projectId: "p" });
    // oauth: Evidence uses the token as given.
    expect(assertBigQueryCredentials({ HOME: tempDir("credentials-home"), [`${prefix}authenticator`]: "oauth", [`${prefix}project_id`]: "p", [`${prefix}token`]: "t" })).toBeUndefined();
  });
});

/** Runs the CLI with no Google credentials in its environment (HOME an empty folder), the network refused. */
function gp2gpWithoutCredentials(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(GOOGLE_|GCLOUD_|GCE_|CLOUDSDK_|BIGQUERY_|GP2GP_|EVIDENCE_SOURCE__)/.test(name)) env[name] = value;
  }
  Object.assign(env, { HOME: tempDir("cli-home"), ...extra });
  return new Promise((resolve) => {
    execFile(process.execPath, ["-r", path.join(__dirname, "fixtures", "no-network.js"), path.join(ROOT, "scripts/gp2gp.js"), ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe("a BigQuery command without credentials", () => {
  it("gp2gp run --engine bigquery --dry-run exits 1 with the one message, before any network call", async () => {
    const { code, stderr } = await gp2gpWithoutCredentials(["run", "--engine", "bigquery", "--dry-run"]);
    expect(stderr).not.toMatch(/ENOTFOUND|MetadataLookupWarning|network used/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^gp2gp: No Google credentials for BigQuery: set GOOGLE_APPLICATION_CREDENTIALS=\/path\/key\.json .*`gcloud auth application-default login`.*GP2GP_BIGQUERY_PROJECT/)]);
    expect(code).toBe(1);
  });

  it("gp2gp load spine --engine bigquery exits 1 with the one message, before any file is read or network call", async () => {
    // The file does not exist: the credentials are checked first.
    const { code, stderr } = await gp2gpWithoutCredentials(["load", "spine", "--engine", "bigquery", "/nonexistent/2024-03-04_spine_messages.csv"]);
    expect(stderr).not.toMatch(/ENOTFOUND|MetadataLookupWarning|network used|does not exist/);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^gp2gp: No Google credentials for BigQuery: set GOOGLE_APPLICATION_CREDENTIALS=\/path\/key\.json \(or GP2GP_BIGQUERY_KEY_FILE\).*`gcloud auth application-default login`.*GP2GP_BIGQUERY_PROJECT/)]);
    expect(code).toBe(1);
  });

  it("gp2gp reports build --source bigquery (gcloud-cli) exits 1 with the one message, before anything is extracted", async () => {
    const { code, stderr } = await gp2gpWithoutCredentials(["reports", "build", "--source", "bigquery"], {
      EVIDENCE_SOURCE__gp2gp__authenticator: "gcloud-cli",
      EVIDENCE_SOURCE__gp2gp__project_id: "p",
    });
    expect(stderr).not.toMatch(/ENOTFOUND|MetadataLookupWarning|network used/);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^gp2gp: No Google credentials for BigQuery: .*EVIDENCE_SOURCE__gp2gp__project_id/)]);
    expect(code).toBe(1);
  });
});
