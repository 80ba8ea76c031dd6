/**
 * WebGPU workaround, installed by initBackend when it activates webgpu (lib/backend/dawn.ts).
 *
 * tfjs-backend-webgpu's AddN binds one storage buffer per input plus the output, and the device it
 * requests allows 8 per shader stage. With 8 or more inputs the pipeline is invalid and Dawn
 * returns the sum of the first 7 — a silently wrong answer (found by the backend test matrix:
 * AdamW's gradient norm adds one term per weight). This re-registers AddN for webgpu to add at
 * most 7 tensors per kernel call, in a tree.
 */
import * as tf from "@tensorflow/tfjs";

const MAX_INPUTS = 7;
let patched = false;

/** Re-registers webgpu's AddN to add at most 7 inputs per kernel call (idempotent). */
export function limitAddNInputs(): void {
  if (patched) return;
  const original = tf.getKernel("AddN", "webgpu");
  if (!original) return;
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({
    kernelName: "AddN",
    backendName: "webgpu",
    kernelFunc: (args) => {
      let inputs = args.inputs as unknown as tf.TensorInfo[];
      const partials: tf.TensorInfo[] = [];
      while (inputs.length > MAX_INPUTS) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += MAX_INPUTS) {
          const chunk = inputs.slice(i, i + MAX_INPUTS);
          if (chunk.length === 1) {
            next.push(chunk[0]!);
            continue;
          }
          const partial = original.kernelFunc({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(partial);
          next.push(partial);
        }
        inputs = next;
      }
      const out = original.kernelFunc({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      const backend = args.backend as { disposeData(dataId: object): void };
      for (const p of partials) backend.disposeData(p.dataId);
      return out;
    },
  });
  patched = true;
}
