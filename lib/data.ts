/**
 * The package's small datasets: where they are and how to read them. The one home for "find
 * datasets/<file>"; every loader in the library (loadDeepSeekConfigs, loadGpuTable,
 * loadCotResults, loadCotCheckpoint, loadBalanceExperiment, …) locates its file here, and its
 * optional `path` argument still overrides.
 *
 * Where the files are:
 *  - inside the published package, `datasets/` beside `dist/` (`npm pack` copies the repository's
 *    datasets/ there: scripts/pack-datasets.mjs);
 *  - in the repository, the top-level `datasets/` folder (one level above lib/, two above lib/dist/).
 * Everything is async: a file read never blocks a notebook.
 *
 * Introduced in notebooks/00_welcome.ipynb (the release timeline).
 */

/** Folders that may hold datasets, nearest first, relative to this module (lib/ or lib/dist/). */
const DATASET_ROOTS = ["../datasets/", "../../datasets/"];

// This module is the library's one door to the filesystem. Node's modules are imported when a
// file is first read, by a name bundlers do not follow, so that the rest of the library bundles
// for a browser (tests/scripts/browserBundle.test.ts); there, reading a file says what it needs.
type NodeFs = typeof import("node:fs/promises");
type NodeStreams = Pick<typeof import("node:fs"), "createReadStream">;
type NodeUrl = typeof import("node:url");
let nodeModules: Promise<{ fs: NodeFs; streams: NodeStreams; url: NodeUrl }> | undefined;

function node(): Promise<{ fs: NodeFs; streams: NodeStreams; url: NodeUrl }> {
  const load = (name: string) => import(/* @vite-ignore */ name);
  nodeModules ??= Promise.all([load("node:fs/promises"), load("node:fs"), load("node:url")]).then(
    ([fs, streams, url]) => ({ fs: fs as NodeFs, streams: streams as NodeStreams, url: url as NodeUrl }),
    (e: unknown) => {
      nodeModules = undefined;
      throw new Error(`seeklab's data loaders read files and need Node.js (${(e as Error).message}); in a browser, fetch the JSON and pass it to the functions that take data`);
    },
  );
  return nodeModules;
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await node()).fs.access(path);
    return true;
  } catch {
    return false;
  }
}

function checkFileName(fn: string, file: string): void {
  if (typeof file !== "string" || file.length === 0 || file.startsWith("/") || file.split("/").includes("..")) {
    throw new Error(`${fn}: file must be a path inside datasets/ such as "gpus.json"; got ${JSON.stringify(file)}`);
  }
}

/**
 * The absolute path of `datasets/<file>`, or undefined when no copy exists (e.g. the Chatbot Arena
 * download, which `npm run data:arena` adds).
 */
export async function findDataset(file: string): Promise<string | undefined> {
  checkFileName("findDataset", file);
  const { url } = await node();
  for (const root of DATASET_ROOTS) {
    const candidate = url.fileURLToPath(new URL(root + file, import.meta.url));
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/** The absolute path of `datasets/<file>`; throws, naming the folders it looked in, when there is none. */
export async function datasetPath(file: string): Promise<string> {
  const found = await findDataset(file);
  if (found !== undefined) return found;
  const { url } = await node();
  const looked = DATASET_ROOTS.map((r) => url.fileURLToPath(new URL(r, import.meta.url))).join(", ");
  throw new Error(`datasetPath: no datasets/${file} in ${looked}; pass the file's path to the loader instead`);
}

/** A text file's contents (UTF-8); `path` may be a file: URL. */
export async function readText(path: string | URL): Promise<string> {
  return (await node()).fs.readFile(path, "utf8");
}

/** A file's bytes as a stream of chunks, for readers that must not hold a large file in memory. */
export async function readChunks(path: string): Promise<AsyncIterable<Uint8Array>> {
  return (await node()).streams.createReadStream(path);
}

/** Writes a text file (UTF-8), creating its folder. */
export async function writeText(path: string, text: string): Promise<void> {
  const { fs, url } = await node();
  const folder = url.fileURLToPath(new URL(".", url.pathToFileURL(path)));
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path, text);
}

/**
 * Reads `datasets/<file>` (or `path` when given) as JSON.
 * @param who the calling loader's name, for the error message
 */
export async function loadDatasetJson<T = unknown>(file: string, path?: string, who = "loadDatasetJson"): Promise<T> {
  const p = path ?? (await datasetPath(file));
  const text = await readText(p);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${who}: ${p} is not valid JSON (${(e as Error).message})`);
  }
}

/** One row of datasets/deepseek_timeline.json. */
export interface DeepSeekRelease {
  date: string;
  model: string;
  totalParamsB: number | null;
  activeParamsB: number | null;
  highlight: string;
  source: string;
}

/** datasets/deepseek_timeline.json: DeepSeek's model releases, each with its source. */
export async function loadDeepSeekTimeline(path?: string): Promise<{ description: string; releases: DeepSeekRelease[] }> {
  const doc = await loadDatasetJson<{ description: string; releases?: DeepSeekRelease[] }>("deepseek_timeline.json", path, "loadDeepSeekTimeline");
  if (!Array.isArray(doc.releases)) throw new Error(`loadDeepSeekTimeline: the file has no "releases" array`);
  return { description: doc.description, releases: doc.releases };
}
