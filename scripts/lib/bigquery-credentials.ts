/**
 * Google credentials for every command that talks to BigQuery (`gp2gp run --engine bigquery`, `gp2gp reports build
 * --source bigquery` and its leak check), resolved offline before any client is made: a command without credentials
 * fails at once with one line saying what would supply them, instead of the client library probing the metadata
 * server and failing on the network.
 *
 * In order (the order of Google's own client library, so that what is resolved is what the client uses):
 *   1. BIGQUERY_EMULATOR_HOST: an emulator, which needs no credentials;
 *   2. a service account given inline by the command (the reports source's EVIDENCE_SOURCE__gp2gp__… variables);
 *   3. the command's own key-file variable (GP2GP_BIGQUERY_KEY_FILE for the runner), then
 *      GOOGLE_APPLICATION_CREDENTIALS: a credentials file that must exist and be JSON with a `type`;
 *   4. gcloud's application default credentials file (`gcloud auth application-default login`):
 *      $CLOUDSDK_CONFIG/application_default_credentials.json when CLOUDSDK_CONFIG is set, else
 *      %APPDATA%\gcloud\… on Windows, else $HOME/.config/gcloud/…;
 *   5. the metadata server of Compute Engine, Cloud Run and other Google Cloud environments, only when
 *      GP2GP_BIGQUERY_METADATA_CREDENTIALS=1 says so (it is never probed over the network to find out).
 * The project: the one the command names (its variable or configured default), else the credentials' project_id,
 * else their quota_project_id.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Opts in to the metadata server's credentials (Compute Engine, Cloud Run, …): `1` or `true`. */
export const METADATA_CREDENTIALS_VARIABLE = "GP2GP_BIGQUERY_METADATA_CREDENTIALS";

/** Credentials are missing or unusable: the command fails with this one message (exit code 1), before any network call. */
export class BigQueryCredentialsError extends Error {
  override readonly name = "BigQueryCredentialsError";
}

export interface BigQueryCredentialsOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The project the command names (its option, variable or configured default), before any the credentials carry. */
  readonly projectId?: string;
  /** Where the command's project is set, for the messages: e.g. "GP2GP_BIGQUERY_PROJECT". */
  readonly projectHint: string;
  /** The command's own key-file variable, read before GOOGLE_APPLICATION_CREDENTIALS (e.g. GP2GP_BIGQUERY_KEY_FILE). */
  readonly keyFileVariable?: string;
  /** A service account given to the command inline, used before any file; `origin` names where it came from. */
  readonly serviceAccount?: { readonly clientEmail: string; readonly privateKey: string; readonly origin: string };
  /** For tests; default process.platform (Windows keeps gcloud's files under %APPDATA%). */
  readonly platform?: NodeJS.Platform;
}

const nonEmpty = z.string().trim().min(1);

/** The part of a Google credentials file checked before use: its type, and what that type cannot do without. */
const credentialsFileSchema = z
  .object({
    type: z.string({ error: "missing (service_account, authorized_user, external_account, …)" }).trim().min(1, { error: "empty" }),
    project_id: nonEmpty.optional(),
    quota_project_id: nonEmpty.optional(),
    client_email: z.string().optional(),
    private_key: z.string().optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    refresh_token: z.string().optional(),
  })
  .superRefine((file, context) => {
    const required: Record<string, readonly (keyof typeof file)[]> = {
      service_account: ["client_email", "private_key"],
      authorized_user: ["client_id", "client_secret", "refresh_token"],
    };
    for (const field of required[file.type] ?? []) {
      if (!file[field]) context.addIssue({ code: "custom", path: [field], message: `a ${file.type} file needs ${field}` });
    }
  });

/** GP2GP_BIGQUERY_METADATA_CREDENTIALS: unset, 1/true (on) or 0/false (off). */
const metadataSwitch = z.enum(["1", "true", "0", "false"]).optional();

const resolvedBase = { origin: nonEmpty, projectId: nonEmpty };

/** Resolved credentials, checked before a client is made from them. */
export const resolvedBigQueryCredentialsSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("emulator"), ...resolvedBase }),
  z.object({ source: z.literal("service-account"), ...resolvedBase, credentials: z.object({ client_email: nonEmpty, private_key: nonEmpty }) }),
  z.object({ source: z.literal("key-file"), ...resolvedBase, keyFilename: nonEmpty, type: nonEmpty }),
  z.object({ source: z.literal("application-default"), ...resolvedBase, keyFilename: nonEmpty, type: nonEmpty }),
  z.object({ source: z.literal("metadata-server"), ...resolvedBase }),
]);
export type ResolvedBigQueryCredentials = z.infer<typeof resolvedBigQueryCredentialsSchema>;

/** The message when nothing supplies credentials. */
export function missingCredentialsMessage(options: Pick<BigQueryCredentialsOptions, "keyFileVariable" | "projectHint">): string {
  const keyFile = options.keyFileVariable ? ` (or ${options.keyFileVariable})` : "";
  return (
    `No Google credentials for BigQuery: set GOOGLE_APPLICATION_CREDENTIALS=/path/key.json${keyFile} to a service account key, ` +
    `or run \`gcloud auth application-default login\`, or on Compute Engine or Cloud Run set ${METADATA_CREDENTIALS_VARIABLE}=1; ` +
    `the project is ${options.projectHint}.`
  );
}

/** The credentials and project a BigQuery client of this command would use, found offline; throws BigQueryCredentialsError. */
export function resolveBigQueryCredentials(options: BigQueryCredentialsOptions): ResolvedBigQueryCredentials {
  const env = options.env ?? process.env;
  const set = (name: string) => (env[name] ?? "").trim() || undefined;
  const project = (fromCredentials?: { project_id?: string; quota_project_id?: string }): string => {
    const projectId = options.projectId?.trim() || fromCredentials?.project_id || fromCredentials?.quota_project_id;
    if (!projectId) throw new BigQueryCredentialsError(`No BigQuery project: set ${options.projectHint}.`);
    return projectId;
  };
  const checked = (resolved: ResolvedBigQueryCredentials): ResolvedBigQueryCredentials => {
    const result = resolvedBigQueryCredentialsSchema.safeParse(resolved);
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new BigQueryCredentialsError(`The BigQuery credentials from ${resolved.origin} are incomplete: ${problems.join("; ")}.`);
  };
  const metadata = metadataSwitch.safeParse(set(METADATA_CREDENTIALS_VARIABLE)?.toLowerCase());
  if (!metadata.success) {
    throw new BigQueryCredentialsError(`${METADATA_CREDENTIALS_VARIABLE} must be 1 (use the metadata server's credentials) or 0, not "${set(METADATA_CREDENTIALS_VARIABLE)}".`);
  }
  const useMetadataServer = metadata.data === "1" || metadata.data === "true";

  const emulator = set("BIGQUERY_EMULATOR_HOST");
  if (emulator) return checked({ source: "emulator", origin: `BIGQUERY_EMULATOR_HOST=${emulator}`, projectId: project() });

  if (options.serviceAccount) {
    const { clientEmail, privateKey, origin } = options.serviceAccount;
    return checked({ source: "service-account", origin, projectId: project(), credentials: { client_email: clientEmail, private_key: privateKey } });
  }

  for (const variable of [options.keyFileVariable, "GOOGLE_APPLICATION_CREDENTIALS"]) {
    const file = variable ? set(variable) : undefined;
    if (!variable || !file) continue;
    const content = readCredentialsFile(file, `${variable} names ${file}`);
    return checked({ source: "key-file", origin: `${variable}=${file}`, projectId: project(content), keyFilename: path.resolve(file), type: content.type });
  }

  const adc = applicationDefaultCredentialsFile(env, options.platform ?? process.platform);
  if (adc && fs.existsSync(adc)) {
    const content = readCredentialsFile(adc, `The application default credentials file ${adc}`);
    return checked({ source: "application-default", origin: adc, projectId: project(content), keyFilename: adc, type: content.type });
  }

  if (useMetadataServer) {
    return checked({ source: "metadata-server", origin: `${METADATA_CREDENTIALS_VARIABLE}=${set(METADATA_CREDENTIALS_VARIABLE)}`, projectId: project() });
  }

  throw new BigQueryCredentialsError(missingCredentialsMessage(options));
}

/** Where gcloud keeps the application default credentials (Google's client library looks in the same place). */
export function applicationDefaultCredentialsFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const configDir = env.CLOUDSDK_CONFIG?.trim() || (platform === "win32" ? env.APPDATA && path.join(env.APPDATA, "gcloud") : env.HOME && path.join(env.HOME, ".config", "gcloud"));
  return configDir ? path.join(configDir, "application_default_credentials.json") : undefined;
}

/** A credentials file, read and checked; `what` names it in the messages ("GOOGLE_APPLICATION_CREDENTIALS names /k.json"). */
function readCredentialsFile(file: string, what: string): z.infer<typeof credentialsFileSchema> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "which does not exist" : code === "EISDIR" ? "which is a folder" : `which cannot be read (${code ?? String(error)})`;
    throw new BigQueryCredentialsError(`${what}, ${reason}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BigQueryCredentialsError(`${what}, which is not a Google credentials file: it is not JSON.`);
  }
  const parsed = credentialsFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
    throw new BigQueryCredentialsError(`${what}, which is not a Google credentials file: ${problems.join("; ")}.`);
  }
  return parsed.data;
}

/** The @google-cloud/bigquery client options of resolved credentials: every client is made from these. */
export function bigQueryClientOptions(credentials: ResolvedBigQueryCredentials, location: string): { projectId: string; location: string; keyFilename?: string; credentials?: { client_email: string; private_key: string } } {
  const base = { projectId: credentials.projectId, location };
  switch (credentials.source) {
    case "key-file":
    case "application-default":
      return { ...base, keyFilename: credentials.keyFilename };
    case "service-account":
      return { ...base, credentials: credentials.credentials };
    case "emulator":
    case "metadata-server":
      return base;
  }
}

/**
 * A Cloud Storage client with the same credentials, for `gp2gp load … --engine bigquery` of `gs://` files (loaded only
 * here, and only when a load names one).
 */
export function createCloudStorageClient(credentials: ResolvedBigQueryCredentials): import("@google-cloud/storage").Storage {
  const { Storage } = require("@google-cloud/storage") as typeof import("@google-cloud/storage");
  const { location: _location, ...options } = bigQueryClientOptions(credentials, "");
  return new Storage(options);
}

/** A BigQuery client with resolved credentials (the Google libraries are loaded only here, so DuckDB commands never load them). */
export function createBigQueryClient(credentials: ResolvedBigQueryCredentials, location: string): import("@google-cloud/bigquery").BigQuery {
  const { BigQuery } = require("@google-cloud/bigquery") as typeof import("@google-cloud/bigquery");
  return new BigQuery(bigQueryClientOptions(credentials, location));
}
