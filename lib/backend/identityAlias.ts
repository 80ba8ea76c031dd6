/**
 * tfjs-wasm's Identity (and same-dtype Cast) share the input's memory instead of copying it,
 * installed by `initBackend` when it activates wasm.
 *
 * Why: while a gradient tape records, TensorFlow.js keeps every tensor a gradient will need by
 * running Identity on it (engine.saveTensorsForBackwardMode → clone), and the clone's own gradient
 * is a float32 → float32 Cast. tfjs-wasm implements both as full copies, so one training step of
 * lesson 3's model copies ~260 activations it never changes. tfjs's own cpu backend already
 * implements both as a reference-counted alias (incRef), which is safe because no kernel writes
 * into its inputs and a variable's `assign` swaps its data instead of overwriting it. This makes
 * wasm do the same. Casts to another dtype still convert.
 */
import * as tf from "@tensorflow/tfjs";

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;

const originals = new Map<string, KernelConfig>();

interface RefCounting {
  incRef(dataId: object): void;
}

function alias(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Re-registers wasm's Identity, and Cast to the same dtype, as aliases (idempotent). */
export function useAliasingIdentity(): void {
  if (originals.size > 0) return;
  const identity = tf.getKernel("Identity", "wasm");
  const cast = tf.getKernel("Cast", "wasm");
  const backend = tf.findBackend("wasm") as unknown as Partial<RefCounting> | null;
  if (!identity || !cast || typeof backend?.incRef !== "function") return;
  originals.set("Identity", identity);
  originals.set("Cast", cast);
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: (args) => {
      const x = (args.inputs as unknown as { x: tf.TensorInfo }).x;
      return x.dtype === "string" ? identity.kernelFunc(args) : alias(x, args.backend);
    },
  });
  tf.unregisterKernel("Cast", "wasm");
  tf.registerKernel({
    kernelName: "Cast",
    backendName: "wasm",
    kernelFunc: (args) => {
      const x = (args.inputs as unknown as { x: tf.TensorInfo }).x;
      const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
      return dtype === x.dtype && dtype !== "string" ? alias(x, args.backend) : cast.kernelFunc(args);
    },
  });
}

/** Puts tfjs-wasm's copying Identity and Cast back (for A/B measurements). */
export function restoreIdentityKernels(): void {
  for (const [name, config] of originals) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(config);
  }
  originals.clear();
}
