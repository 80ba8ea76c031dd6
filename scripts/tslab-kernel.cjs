// The SeekLab kernel: tslab, started with SeekLab's notebook hooks installed first
// (lib/notebook/kernel.ts: one line instead of a wall of "Cannot find name" errors when a cell
// needs cells that have not run, and a log of cell runs for the exercise checker).
// The kernel spec written by scripts/setup.mjs runs this file with tslab's own arguments.
// If the library is not built yet the hooks are skipped, and tslab runs as it always does.
"use strict";
const { join } = require("node:path");

const root = join(__dirname, "..");
const tslabBin = join(root, "node_modules", "tslab", "bin", "tslab");
try {
  const { installKernelHooks } = require(join(root, "lib", "dist", "notebook", "kernel.js"));
  installKernelHooks(require(join(root, "node_modules", "tslab", "dist", "executor.js")));
} catch (e) {
  process.stderr.write(`[seeklab] kernel hooks not installed (${e && e.message}); plain tslab runs\n`);
}
process.argv[1] = tslabBin;
require(tslabBin);
