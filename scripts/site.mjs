// `npm run site`: the static course site in build/site/ — the lesson map, every lesson with its
// outputs and interactive charts, the exercises, the figures, the facilitator guide and the API
// reference. Pages are rendered by nbconvert (scripts/site.py); the API reference by TypeDoc.
// Options: --reuse (use build/notebooks from `npm test` when it is newer than every lesson),
//          --check (open every page in headless Chromium: charts draw, no errors, links resolve).
// Publish: copy build/site/ to any static host (it is plain files; no server code).
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PYTHON, ROOT, bin, run, say, step } from "./common.mjs";
import { setup } from "./setup.mjs";
import { allNotebooks, runNotebooks } from "./run-notebooks.mjs";
import { siteCheck } from "./browser-check.mjs";

const EXECUTED = join("build", "notebooks");

function executedCopiesFresh() {
  const dir = join(ROOT, EXECUTED);
  if (!existsSync(dir)) return false;
  return allNotebooks().every((nb) => {
    const copy = join(dir, nb.split("/").pop());
    return existsSync(copy) && statSync(copy).mtimeMs >= statSync(join(ROOT, nb)).mtimeMs;
  });
}

/** TypeDoc's HTML for lib/index.ts into build/api; returns the folder, or undefined if it failed. */
async function apiReference() {
  const out = join(ROOT, "build", "api");
  if (!existsSync(bin("typedoc"))) {
    say("API reference: typedoc is not installed (npm install); the site goes without one");
    return undefined;
  }
  try {
    await step("API reference (TypeDoc)", () =>
      run(bin("typedoc"), ["--options", join("docs", "typedoc.json"), "--out", out, "--logLevel", "Error"]),
    );
    return out;
  } catch (e) {
    say(`API reference failed (${e.message}); the site goes without one`);
    return undefined;
  }
}

export async function buildSite({ reuse = false, check = false } = {}) {
  await setup();
  if (reuse && executedCopiesFresh()) say(`reusing the executed lessons in ${EXECUTED}`);
  else {
    rmSync(join(ROOT, EXECUTED), { recursive: true, force: true });
    const code = await step("executing every lesson", () => runNotebooks(allNotebooks(), { out: EXECUTED }));
    if (code !== 0) throw new Error("some lessons failed to execute (see ✗ above); the site was not built");
  }
  const api = await apiReference();
  const args = [join("scripts", "site.py"), "--executed", EXECUTED, "--out", join("build", "site"), "--times", join(EXECUTED, "times.json")];
  if (api) args.push("--api", api);
  await step("rendering the site (nbconvert)", () => run(PYTHON, args));
  if (check) return siteCheck({ dir: join(ROOT, "build", "site") });
  return { passed: 0, failed: 0 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  buildSite({ reuse: args.includes("--reuse"), check: args.includes("--check") }).then(
    (r) => {
      const pages = [];
      const walk = (d) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".html") && pages.push(e.name)));
      walk(join(ROOT, "build", "site"));
      say(`site ready: build/site/index.html (${pages.length} pages). Publish by copying build/site/ to any static host.`);
      process.exit(r.failed ? 1 : 0);
    },
    (e) => {
      console.log(`[seeklab] site: ${e.message}`);
      process.exit(1);
    },
  );
}
