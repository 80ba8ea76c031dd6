// `npm pack` in lib/ runs this first: a clean build (no stale files from moved sources in dist/)
// and a copy of the repository's small datasets into lib/datasets/, where lib/data.ts looks first.
// Chatbot Arena downloads (datasets/arena/, fetched by `npm run data:arena`) are not shipped.
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, bin } from "../common.mjs";

const LIB = join(ROOT, "lib");
rmSync(join(LIB, "dist"), { recursive: true, force: true });
const tsc = spawnSync(bin("tsc"), ["-p", join(LIB, "tsconfig.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const to = join(LIB, "datasets");
rmSync(to, { recursive: true, force: true });
cpSync(join(ROOT, "datasets"), to, {
  recursive: true,
  filter: (src) => !src.startsWith(join(ROOT, "datasets", "arena") + "/") || src.endsWith("README.md"),
});
