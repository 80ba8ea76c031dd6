/**
 * What every backend loader shares: how a load reports failure, how optional packages are
 * imported, and how a backend is activated. Internal to lib/backend.
 */
import * as tf from "@tensorflow/tfjs";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";

export interface BackendInfo {
  /** The TensorFlow.js backend now active. */
  name: BackendName;
  /** What actually does the arithmetic. */
  accelerator: "cuda" | "webgpu" | "cpu";
  /** Human-readable: package, version, adapter, threads. */
  detail: string;
}

/** Loaders report failure with a reason so that a forced backend can say why it could not load. */
export type Loaded = { ok: true; info: BackendInfo } | { ok: false; reason: string };

/** A variable module name keeps TypeScript and bundlers from resolving optional packages. */
export async function optionalImport(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

/** True when `e` says the package itself is not installed (not that it failed while loading). */
export function isNotInstalled(e: unknown, pkg: string): boolean {
  const code = (e as { code?: string } | undefined)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && msg.includes(pkg);
}

/** The first line of an error, short enough for a one-line reason. */
export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.slice(0, 200);
}

/** Makes `name` the active backend; true if it is active afterwards. */
export async function activate(name: BackendName): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}
