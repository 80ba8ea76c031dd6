// Draw every lesson figure (lessons 0–6) and the block map into notebooks/figures/*.svg, from the
// library's own numbers (the published configs in datasets/, the KV-cache arithmetic). A lesson
// shows one with `![what it shows](figures/NAME.svg)`: JupyterLab renders the file (it does not
// render SVG *attachments*: its attachment resolver takes only raster types), and the HTML export
// embeds it as a data URI (scripts/export_html.py, embed_images). Run after changing a figure:
// `node scripts/figures/build.mjs` (needs the built library: `npm run build`).
// tests/notebook/figures.test.ts checks that the committed files are what this script draws.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../common.mjs";
import { blockMap } from "./block-map.mjs";
import { fourCaches, mlaFlow } from "./lesson1.mjs";
import { moeLayer } from "./lesson2.mjs";
import { grpoLoop, tinyTransformer } from "./lesson3.mjs";
import { bradleyTerry, eloUpdate } from "./lesson4.mjs";
import { roofline } from "./lesson5.mjs";
import { jevonsOutcomes } from "./lesson5b.mjs";
import { miniV3 } from "./lesson6.mjs";

export const FIGURE_DIR = join(ROOT, "notebooks", "figures");

/** name → SVG text, for every figure this script owns. */
export async function drawFigures() {
  const lib = (file) => import(pathToFileURL(join(ROOT, "lib", "dist", file)).href);
  const { loadDeepSeekConfigs } = await lib("attention/configs.js");
  const { kvCacheElementsPerTokenPerLayer: perLayer } = await lib("attention/memory.js");
  const { jevonsOutcome } = await lib("hardware/jevons.js");
  const v3 = (await loadDeepSeekConfigs())["DeepSeek-V3"];
  const counts = { mha: perLayer("mha", v3), gqa: perLayer("gqa", { ...v3, nKvHeads: 8 }), mqa: perLayer("mqa", v3), mla: perLayer("mla", v3) };
  const shape = { layers: v3.nLayers, denseLayers: v3.firstKDenseReplace, dModel: v3.dModel };
  const figures = {
    "block-map.svg": blockMap("none", shape),
    "block-map-attention.svg": blockMap("attention", shape),
    "block-map-moe.svg": blockMap("moe", shape),
    "block-map-model.svg": blockMap("model", shape),
    "lesson1-four-caches.svg": fourCaches(v3, counts),
    "lesson1-mla-flow.svg": mlaFlow(v3),
    "lesson2-moe-layer.svg": moeLayer(v3),
    "lesson3-tiny-transformer.svg": tinyTransformer(),
    "lesson3-grpo-loop.svg": grpoLoop(),
    "lesson4-elo-update.svg": eloUpdate(),
    "lesson4-bradley-terry.svg": bradleyTerry(),
    "lesson5-roofline.svg": roofline(),
    "lesson5b-jevons.svg": jevonsOutcomes(jevonsOutcome),
    "lesson6-mini-v3.svg": miniV3(),
  };
  return Object.fromEntries(Object.entries(figures).map(([name, fig]) => [name, fig.toString()]));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await drawFigures();
  mkdirSync(FIGURE_DIR, { recursive: true });
  for (const [name, svg] of Object.entries(figures)) writeFileSync(join(FIGURE_DIR, name), svg);
  console.log(`wrote ${Object.keys(figures).length} figure(s) to notebooks/figures`);
}
