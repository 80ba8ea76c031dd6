import * as tf from "@tensorflow/tfjs";
import { initBackend, initMLAWeights, createMLACache, mlaForward, useDecodeAttention, restoreDecodeAttention } from "seeklab";
await initBackend("wasm", { quiet: true });
const ctx = +(process.argv[2] ?? 2048);
const cfg = { dModel: 1024, nHeads: 16, qLoraRank: 384, kvLoraRank: 256, qkNopeHeadDim: 64, qkRopeHeadDim: 32, vHeadDim: 64, maxSeqLen: ctx + 400 };
const w = initMLAWeights(cfg, 1);
const caches = {};
for (const mode of ["naive", "absorbed"]) {
  const cache = createMLACache(cfg, 1, mode);
  const fill = {};
  for (const [name, tail] of Object.entries(cache.slots)) fill[name] = tf.randomNormal([1, ctx, ...tail]);
  cache.write(0, fill); tf.dispose(Object.values(fill));
  caches[mode] = cache;
}
const x = tf.randomNormal([1, 1, 1024]);
const pos = { naive: ctx, absorbed: ctx };
const step = async (mode) => { const c = caches[mode]; const y = tf.tidy(() => mlaForward(x, w, cfg, { cache: c, startPos: pos[mode]++ })); await y.data(); y.dispose(); if (pos[mode] > ctx + 300) pos[mode] = ctx; };
const variants = { "absorbed/on": ["absorbed", true], "absorbed/off": ["absorbed", false], "naive/on": ["naive", true], "naive/off": ["naive", false] };
const ms = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < 30; i++) for (const [k, [mode, on]] of Object.entries(variants)) {
  on ? useDecodeAttention() : restoreDecodeAttention();
  const c0 = process.cpuUsage(); await step(mode); const c = process.cpuUsage(c0);
  if (i >= 3) ms[k].push((c.user + c.system) / 1000);
}
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(Object.entries(ms).map(([k, v]) => `${k} ${med(v).toFixed(3)} ms (min ${Math.min(...v).toFixed(3)})`).join("\n"));
useDecodeAttention();
for (const mode of ["absorbed", "naive"]) {
  const prof = await tf.profile(() => mlaForward(x, w, cfg, { cache: caches[mode], startPos: pos[mode]++ }));
  console.log(mode, prof.kernels.length, prof.kernels.map((k) => `${k.name}:${k.kernelTimeMs.toFixed(3)}`).join(" "));
}
