/**
 * Running SeekLab's own small WebAssembly modules (bmmSimd.wat, fusedSimd.wat) on tfjs-wasm's heap:
 * each module imports tfjs-wasm's memory, so a kernel reads its inputs and writes its output where
 * the tensors already live — nothing is copied in or out. Internal to lib/backend.
 */
import * as tf from "@tensorflow/tfjs";

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

/** What SeekLab reads of tfjs-wasm's backend object (BackendWasm; its types aren't exported from @tensorflow/tfjs). */
export interface WasmBackendLike {
  wasm: { asm?: { memory?: WasmMemory }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * A scratch buffer in tfjs-wasm's heap, kept between calls and grown (doubling, at least 64 KB) when a
 * call needs more; a new backend (a new heap) starts a new buffer, the old one having gone with its heap.
 * Each caller makes its own (`const scratchFor = heapScratch()`), so two kernels never share one.
 * Returns `(backend, bytes) => byte offset` of at least `bytes` bytes.
 */
export function heapScratch(): (be: WasmBackendLike, bytes: number) => number {
  let scratch = { memory: undefined as unknown, ptr: 0, bytes: 0 };
  return (be, bytes) => {
    const memory = be.wasm.asm?.memory;
    if (scratch.memory !== memory) scratch = { memory, ptr: 0, bytes: 0 };
    if (scratch.bytes < bytes) {
      if (scratch.ptr) be.wasm._free(scratch.ptr);
      scratch.bytes = Math.max(bytes, 2 * scratch.bytes, 1 << 16);
      scratch.ptr = be.wasm._malloc(scratch.bytes);
    }
    return scratch.ptr;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WasmExports = Record<string, (...args: any[]) => any>;

const decoded = new Map<string, Uint8Array>();
const linked = new Map<string, { memory: WasmMemory; exports: WasmExports }>();

function bytes(base64: string): Uint8Array {
  let b = decoded.get(base64);
  if (!b) {
    const bin = atob(base64);
    b = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    decoded.set(base64, b);
  }
  return b;
}

/** The registered wasm backend, when this engine can run SeekLab's modules on its heap (WebAssembly SIMD, a non-shared memory). */
export function heapBackend(base64: string): WasmBackendLike | undefined {
  const backend = tf.findBackend("wasm") as unknown as WasmBackendLike | null;
  const memory = backend?.wasm?.asm?.memory;
  if (!WA || !backend || !memory || !(memory instanceof WA.Memory)) return undefined;
  if (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer) return undefined; // threaded build: leave it alone
  return WA.validate(bytes(base64)) ? backend : undefined;
}

/** The module's exports, linked to this backend's memory (re-linked if the backend was re-created). */
export function linkToHeap(base64: string, backend: WasmBackendLike): WasmExports | undefined {
  const memory = backend.wasm.asm?.memory;
  if (!WA || !memory) return undefined;
  const have = linked.get(base64);
  if (have && have.memory === memory) return have.exports;
  const instance = new WA.Instance(new WA.Module(bytes(base64)), { env: { memory } });
  linked.set(base64, { memory, exports: instance.exports as WasmExports });
  return instance.exports as WasmExports;
}

/** Byte offset of a tensor's data in the heap. */
export function heapOffset(backend: WasmBackendLike, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
