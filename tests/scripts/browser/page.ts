// Bundled for a browser by tests/scripts/browserBundle.test.ts (esbuild --platform=browser) and run
// in headless Chromium: seeklab's core entry on the wasm backend, with no Node module in reach.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { bradleyTerry, initMLAWeights, mlaForward, simulateBattles, ladderSkills, type MLAConfig } from "../../../lib/core.js";

/** What the test reads back from the page. */
const page = globalThis as unknown as { seeklabResult?: unknown; seeklabError?: string };

async function main(): Promise<void> {
  setWasmPaths("/wasm/");
  await tf.setBackend("wasm");
  await tf.ready();
  const cfg: MLAConfig = { dModel: 16, nHeads: 2, qLoraRank: 0, kvLoraRank: 8, qkNopeHeadDim: 4, qkRopeHeadDim: 4, vHeadDim: 4, maxSeqLen: 8 };
  const w = initMLAWeights(cfg, 3);
  const x = tf.tensor3d(Array.from({ length: 2 * 3 * 16 }, (_, i) => Math.sin(i)), [2, 3, 16]);
  const y = mlaForward(x, w, cfg, { mode: "naive" });
  const yAbsorbed = mlaForward(x, w, cfg, { mode: "absorbed" });
  const ratings = bradleyTerry(simulateBattles(ladderSkills(4), 2000, { seed: 2 }));
  page.seeklabResult = {
    backend: tf.getBackend(),
    shape: y.shape,
    mla: Array.from(await y.data()),
    absorbed: Array.from(await yAbsorbed.data()),
    ratings: [...ratings.entries()],
  };
}

main().catch((e: Error) => {
  page.seeklabError = `${e.message}\n${e.stack ?? ""}`;
});
