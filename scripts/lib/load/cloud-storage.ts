/**
 * Cloud Storage for `gp2gp load … --engine bigquery`: a `gs://bucket/name` object is downloaded to a temporary local
 * file named as the object (its base name), loaded exactly as a local file would be (the same normalisation, row
 * numbers, checksum and load_log row; messages name the URI), and deleted afterwards. A Spine folder,
 * `gs://bucket/prefix/`, contributes the exports directly in it, as a local folder does.
 *
 * The client is injected (CloudStorageClient): `cloudStorageClient` adapts @google-cloud/storage, tests use a fake.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CLOUD_STORAGE_URI, LoadError, type FileSource } from "./common";

/** An object of a bucket. */
export interface CloudStorageObject {
  readonly bucket: string;
  /** The object's name in the bucket, e.g. inbox/2024-03-04_spine_messages.csv.gz ("" or ending in "/" for a folder). */
  readonly name: string;
}

/** What the loader needs of Cloud Storage. */
export interface CloudStorageClient {
  /** Downloads an object to a local file; false when there is no such object. */
  download(object: CloudStorageObject, destination: string): Promise<boolean>;
  /** The names of the objects whose names start with `prefix` and hold no further "/" after it, in any order. */
  list(bucket: string, prefix: string): Promise<string[]>;
}

/** A local file the loader reads, and whether it is a download to delete once loaded. */
export interface LocalSource {
  readonly path: string;
  readonly displayPath: string;
  readonly downloaded: boolean;
}

/** Cloud Storage's rules for a bucket name: 3 to 222 characters, lower-case letters, digits, -, _ and . */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, { error: "is not a bucket name (lower-case letters, digits, -, _ and ., 3 to 222 characters)" });

const uriSchema = z
  .string()
  .regex(/^gs:\/\/[^/]+(\/.*)?$/i, { error: "is not a Cloud Storage URI: expected gs://bucket/name" })
  .transform((uri) => {
    const [, bucket, name = ""] = /^gs:\/\/([^/]+)\/?(.*)$/is.exec(uri)!;
    return { bucket, name };
  })
  .pipe(z.object({ bucket: bucketName, name: z.string() }));

/** The bucket and object name of a `gs://` URI; a LoadError naming the URI when it is not one. */
export function parseCloudStorageUri(uri: string): CloudStorageObject {
  const parsed = uriSchema.safeParse(uri);
  if (!parsed.success) throw new LoadError(uri, parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

export function isCloudStorageUri(input: string): boolean {
  return CLOUD_STORAGE_URI.test(input);
}

function uriOf(object: CloudStorageObject): string {
  return `gs://${object.bucket}/${object.name}`;
}

function requireClient(storage: CloudStorageClient | undefined, uri: string): CloudStorageClient {
  if (!storage) throw new LoadError(uri, "is a Cloud Storage URI, and this load has no Cloud Storage client");
  return storage;
}

function readError(uri: string, error: unknown): LoadError {
  return error instanceof LoadError ? error : new LoadError(uri, `could not be read from Cloud Storage: ${error instanceof Error ? error.message : String(error)}`);
}

/** Downloads the object a URI names into a new folder under `workDir`, as a file with the object's base name. */
export async function downloadObject(storage: CloudStorageClient | undefined, uri: string, workDir: string): Promise<LocalSource> {
  const object = parseCloudStorageUri(uri);
  const name = path.posix.basename(object.name);
  if (object.name === "" || object.name.endsWith("/")) throw new LoadError(uri, "names a folder: name an object (gs://bucket/path/file)");
  const destination = path.join(fs.mkdtempSync(path.join(workDir, "object-")), name);
  let found: boolean;
  try {
    found = await requireClient(storage, uri).download(object, destination);
  } catch (error) {
    throw readError(uri, error);
  }
  if (!found) throw new LoadError(uri, "does not exist: there is no such object in Cloud Storage");
  return { path: destination, displayPath: uri, downloaded: true };
}

/**
 * The objects a URI names, as URIs in name order: the object itself when there is one; otherwise (or for a URI
 * ending in "/") the objects directly in that folder whose base names match `pattern`. `none` is the message for a
 * folder without such objects.
 */
export async function listCloudStorageFiles(storage: CloudStorageClient | undefined, uri: string, pattern: RegExp, none: string): Promise<string[]> {
  const object = parseCloudStorageUri(uri);
  const client = requireClient(storage, uri);
  try {
    const isFolder = object.name === "" || object.name.endsWith("/");
    if (!isFolder && (await client.list(object.bucket, object.name)).includes(object.name)) return [uri];
    const folder = isFolder ? object.name : `${object.name}/`;
    const inFolder = await client.list(object.bucket, folder);
    const names = inFolder.filter((name) => pattern.test(path.posix.basename(name))).sort();
    if (names.length > 0) return names.map((name) => uriOf({ bucket: object.bucket, name }));
    if (isFolder || inFolder.length > 0) throw new LoadError(uri, none);
    throw new LoadError(uri, "does not exist: there is no such object in Cloud Storage, nor a folder of that name");
  } catch (error) {
    throw readError(uri, error);
  }
}

/**
 * Runs `use` on a local file: the path itself, or for a `gs://` URI a downloaded copy, deleted when `use` is done
 * (a reference file is read whole by `use`).
 */
export async function withLocalCopy<T>(storage: CloudStorageClient | undefined, input: string, use: (source: FileSource) => Promise<T>): Promise<T> {
  if (!isCloudStorageUri(input)) return use(input);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gp2gp-gs-"));
  try {
    return await use(await downloadObject(storage, input, workDir));
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The @google-cloud/storage client as a CloudStorageClient. */
export function cloudStorageClient(storage: import("@google-cloud/storage").Storage): CloudStorageClient {
  return {
    async download(object, destination) {
      try {
        await storage.bucket(object.bucket).file(object.name).download({ destination });
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return false;
        throw error;
      }
    },
    async list(bucket, prefix) {
      // With a delimiter, the objects in sub-folders are left out (listed as prefixes instead).
      const [files] = await storage.bucket(bucket).getFiles({ prefix, delimiter: "/", autoPaginate: true });
      return files.map((file) => file.name);
    },
  };
}

/** A client made on first use, so that a load of local files never loads the Cloud Storage library. */
export function lazyCloudStorageClient(create: () => CloudStorageClient): CloudStorageClient {
  let client: CloudStorageClient | undefined;
  const get = () => (client ??= create());
  return { download: (object, destination) => get().download(object, destination), list: (bucket, prefix) => get().list(bucket, prefix) };
}
