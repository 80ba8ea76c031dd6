/**
 * The first line of every lesson: which backend computes, and with which versions.
 *
 * Introduced in notebooks/00_welcome.ipynb.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { initBackend, type BackendInfo, type BackendPreference } from "../backend/index.js";

/** Versions of SeekLab and what it runs on. */
export function versions(): Record<string, string> {
  const req = createRequire(import.meta.url);
  const pkg = req("seeklab/package.json") as { version: string };
  return { seeklab: pkg.version, tfjs: tf.version_core, node: process.version };
}

/**
 * Choose the backend (SEEKLAB_BACKEND or auto) and print one banner line.
 * @returns the chosen backend
 */
export async function banner(prefer?: BackendPreference): Promise<BackendInfo> {
  const info = await initBackend(prefer, { quiet: true });
  const v = versions();
  console.log(
    `SeekLab ${v.seeklab} · TensorFlow.js ${v.tfjs} · Node ${v.node}\n` +
      `backend: ${info.name} (${info.accelerator}) — ${info.detail}`,
  );
  return info;
}
