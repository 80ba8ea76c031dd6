/**
 * A faster BatchMatMul kernel for tfjs-wasm, installed by `initBackend` when it activates wasm.
 *
 * tfjs-wasm hands a product to XNNPACK only when it is one plain matrix times one plain matrix.
 * Everything else — a batch of products (attention's q·kᵀ and probs·v, one per sequence and head),
 * or a transpose flag (their gradients) — runs a scalar C++ loop at 1–3 GFLOP/s
 * (`npm run bench -- wasm-kernels`). This kernel takes those cases: a small 128-bit SIMD loop
 * (bmmSimd.wat, assembled into bmmSimdBytes.ts) that runs on tfjs-wasm's own memory, reads
 * transposed operands through strides instead of copying them, and is 2–10× faster on the
 * shapes the lessons train and decode with. Plain 2-D products still go to XNNPACK.
 *
 * Same numbers: each output element is the sum over the shared axis in order, as a naive loop
 * computes it (tests/backend/bmmKernel.test.ts checks every case against such a loop).
 * Nothing changes on other backends. `restoreBatchMatMulKernel()` puts tfjs's own kernel back.
 */
import * as tf from "@tensorflow/tfjs";
import { BMM_SIMD_WASM_BASE64 } from "./bmmSimdBytes.js";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

/** The part of the WebAssembly JS API used here (the library compiles without the DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** What this file reads of tfjs-wasm's backend object (BackendWasm; its types aren't exported from @tensorflow/tfjs). */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WasmMemory }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

type Bmm = (
  a: number, b: number, c: number,
  batch: number, m: number, k: number, n: number,
  sab: number, sai: number, sak: number,
  sbb: number, sbk: number, sbj: number,
  scratch: number,
) => void;

let original: KernelConfig | undefined;
/** The SIMD module, instantiated against one tfjs-wasm memory. */
let linked: { memory: WasmMemory; bmm: Bmm; scratch: number; scratchBytes: number; backend: WasmBackendLike } | undefined;

function decode(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module linked to this backend's memory (re-linked if the backend was re-created). */
function link(backend: WasmBackendLike): NonNullable<typeof linked> | undefined {
  const memory = backend.wasm.asm?.memory;
  if (!memory) return undefined;
  if (linked && linked.memory === memory) return linked;
  const instance = new WA!.Instance(new WA!.Module(decode(BMM_SIMD_WASM_BASE64)), { env: { memory } });
  linked = { memory, bmm: instance.exports.bmm as Bmm, scratch: 0, scratchBytes: 0, backend };
  return linked;
}

/** A scratch buffer in tfjs-wasm's heap of at least `bytes` (kept between calls). */
function scratch(l: NonNullable<typeof linked>, bytes: number): number {
  if (l.scratchBytes < bytes) {
    if (l.scratch) l.backend.wasm._free(l.scratch);
    l.scratchBytes = Math.max(bytes, 2 * l.scratchBytes, 1 << 16);
    l.scratch = l.backend.wasm._malloc(l.scratchBytes);
  }
  return l.scratch;
}

/** True when this engine can run the module (WebAssembly SIMD) and tfjs-wasm's memory is reachable. */
function usable(backend: WasmBackendLike): boolean {
  const memory = backend.wasm?.asm?.memory;
  if (!WA || !memory || !(memory instanceof WA.Memory)) return false;
  if (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer) return false; // threaded build: leave it alone
  return WA.validate(decode(BMM_SIMD_WASM_BASE64));
}

function batchMatMul(args: Parameters<KernelConfig["kernelFunc"]>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const fallback = () => original!.kernelFunc(args);
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as unknown as WasmBackendLike;
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return fallback();
  const ra = a.shape.length, rb = b.shape.length;
  const [ar, ac] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [br, bc] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
  const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batch = Math.max(batchA, batchB);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  // XNNPACK's case, the ones tfjs rejects or broadcasts in ways other than "one side has batch 1",
  // and empty products: tfjs's own kernel.
  if (batch === 1 && !transposeA && !transposeB) return fallback();
  if ((transposeB ? bc : br) !== k || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return fallback();
  if (m * n * k === 0) return fallback();
  // B needs a dense copy when it is transposed; for a few rows that copy costs more than it saves.
  if (transposeB && m < 8) return fallback();
  const l = link(backend);
  if (!l) return fallback();
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (outer.reduce((p, d) => p * d, 1) !== batch) return fallback();
  const outShape = [...outer, m, n];
  const out = backend.makeOutput(outShape, "float32");
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const work = transposeB ? scratch(l, 4 * k * n) : 0;
  l.bmm(
    offset(a), offset(b), offset(out),
    batch, m, k, n,
    batchA === 1 ? 0 : ar * ac, transposeA ? 1 : ac, transposeA ? ac : 1,
    batchB === 1 ? 0 : br * bc, transposeB ? 1 : bc, transposeB ? bc : 1,
    work,
  );
  return out;
}

/** Installs the SIMD BatchMatMul for wasm (idempotent; a no-op where wasm isn't registered or can't run it). */
export function useSimdBatchMatMul(): void {
  if (original) return;
  const own = tf.getKernel("BatchMatMul", "wasm");
  const backend = tf.findBackend("wasm") as unknown as WasmBackendLike | null;
  if (!own || !backend || !usable(backend)) return;
  original = own;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: batchMatMul as unknown as KernelConfig["kernelFunc"] });
}

/** Puts tfjs-wasm's own BatchMatMul back (for A/B measurements). */
export function restoreBatchMatMulKernel(): void {
  if (!original) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(original);
  original = undefined;
}

/** Whether the SIMD kernel is installed. */
export function simdBatchMatMulInstalled(): boolean {
  return original !== undefined;
}
