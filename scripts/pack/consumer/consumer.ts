// Typechecked by scripts/pack/consumer-check.mjs against the installed package's types, with
// "module": "nodenext" and without skipLibCheck: the public API as a TypeScript user sees it.
import * as tf from "@tensorflow/tfjs";
import {
  bradleyTerry, initBackend, initMLAWeights, loadDeepSeekConfigs, loadGpuTable, mlaForward,
  type BackendInfo, type Battle, type DeepSeekConfig, type MLAConfig,
} from "seeklab";

export async function main(): Promise<number> {
  const info: BackendInfo = await initBackend("wasm");
  const cfg: MLAConfig = { dModel: 32, nHeads: 4, qLoraRank: 0, kvLoraRank: 16, qkNopeHeadDim: 8, qkRopeHeadDim: 4, vHeadDim: 8, maxSeqLen: 16 };
  const x: tf.Tensor3D = tf.zeros([1, 3, cfg.dModel]);
  const y: tf.Tensor3D = mlaForward(x, initMLAWeights(cfg, 1), cfg);
  const battles: Battle[] = [{ modelA: "a", modelB: "b", winner: "tie" }];
  const ratings: Map<string, number> = bradleyTerry(battles);
  const v3: DeepSeekConfig | undefined = (await loadDeepSeekConfigs())["DeepSeek-V3"];
  const gpus = await loadGpuTable();
  return y.shape[2] + ratings.size + (v3?.nLayers ?? 0) + gpus.gpus.length + info.name.length;
}
