// Run by scripts/pack/consumer-check.mjs inside an empty project that installed the packed seeklab
// and its own @tensorflow/tfjs: what a user outside the repository would write.
import * as tf from "@tensorflow/tfjs";
import * as seeklab from "seeklab";
import { bradleyTerry, datasetPath, initBackend, initMLAWeights, mlaForward, readBattles } from "seeklab";

function assert(cond, what) {
  if (!cond) throw new Error(`consumer: ${what}`);
  console.log(`ok ${what}`);
}

const info = await initBackend();
assert(info.name === "wasm", `initBackend() chose wasm without the optional packages (got ${info.name})`);
await initBackend("webgpu", { quiet: true }).then(
  () => assert(false, "initBackend('webgpu') fails without the WebGPU packages"),
  (e) => assert(/npm install webgpu/.test(e.message), `initBackend('webgpu') says what to install: ${e.message.split("\n")[0].slice(0, 160)}`),
);

// MLA on tensors made by the consumer's own TensorFlow.js.
const cfg = { dModel: 32, nHeads: 4, qLoraRank: 0, kvLoraRank: 16, qkNopeHeadDim: 8, qkRopeHeadDim: 4, vHeadDim: 8, maxSeqLen: 16 };
const w = initMLAWeights(cfg, 1);
const x = tf.randomNormal([2, 5, cfg.dModel], 0, 1, "float32", 7);
const before = tf.memory().numTensors;
const naive = mlaForward(x, w, cfg, { mode: "naive" });
const absorbed = mlaForward(x, w, cfg, { mode: "absorbed" });
assert(naive.shape.join(",") === "2,5,32", `mlaForward on the consumer's tensor gives [2, 5, 32] (got [${naive.shape}])`);
const diff = (await tf.max(tf.abs(tf.sub(naive, absorbed))).data())[0];
assert(diff < 1e-4, `naive and absorbed MLA agree (max |Δ| ${diff.toExponential(1)})`);
tf.dispose([naive, absorbed]);
assert(tf.memory().numTensors <= before + 3, "mlaForward leaves no tensors behind");

// Bradley–Terry.
const battles = [];
for (let i = 0; i < 30; i++) battles.push({ modelA: "strong", modelB: "weak", winner: i % 5 === 0 ? "model_b" : "model_a" });
for (let i = 0; i < 30; i++) battles.push({ modelA: "weak", modelB: "middle", winner: i % 2 === 0 ? "model_b" : "tie" });
for (let i = 0; i < 30; i++) battles.push({ modelA: "middle", modelB: "strong", winner: i % 3 === 0 ? "model_a" : "model_b" });
const r = bradleyTerry(battles);
assert(r.get("strong") > r.get("middle") && r.get("middle") > r.get("weak"), `bradleyTerry orders strong > middle > weak (${[...r].map(([m, v]) => `${m} ${v.toFixed(0)}`).join(", ")})`);

// Every data loader, without a path: the datasets ship inside the package.
const NEEDS_ARGUMENT = new Set(["loadCheckpoint", "loadDatasetJson", "loadWeightsInto"]);
const loaders = Object.keys(seeklab).filter((k) => /^load[A-Z]/.test(k) && typeof seeklab[k] === "function" && !NEEDS_ARGUMENT.has(k));
for (const name of loaders) {
  const value = await seeklab[name]();
  if (name === "loadCotCheckpoint") value.model.dispose();
  assert(value !== undefined && value !== null, `${name}() loads from the package`);
}
assert(loaders.length >= 7, `${loaders.length} loaders called`);
const crowd = await readBattles(await datasetPath("elo/llmfao_crowd.csv"));
assert(crowd.battles.length > 1000, `readBattles(datasetPath("elo/llmfao_crowd.csv")) reads ${crowd.battles.length} battles`);
x.dispose();
const core = await import("seeklab/core");
assert(core.mlaForward === seeklab.mlaForward && core.bradleyTerry === seeklab.bradleyTerry, 'the browser-safe entry "seeklab/core" is the same library');
