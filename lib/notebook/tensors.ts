/**
 * `trackTensors`: free every tensor a lesson made, in its last cell.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb. A lesson creates tensors in dozens
 * of cells to look at them; disposing each by hand would bury the idea under bookkeeping. The first
 * cell opens a scope (`const lessonTensors = trackTensors("Lesson 1")`) and the last closes it
 * (`lessonTensors.release()`): like one big `tf.tidy` around the whole notebook, it frees every
 * tensor created in between that was not kept (`tf.keep`, variables) — what is kept, its owner
 * disposes (a KV cache's `dispose()`). It prints the count left, which should be 0.
 */
import * as tf from "@tensorflow/tfjs";

export interface TensorScope {
  /** Free what the scope tracked, print and return how many tensors are still alive. */
  release(): number;
}

/** Start tracking the tensors created from now on (across cells). */
export function trackTensors(label = "this lesson"): TensorScope {
  tf.engine().startScope(label);
  let open = true;
  return {
    release() {
      if (open) {
        tf.engine().endScope();
        open = false;
      }
      const alive = tf.memory().numTensors;
      console.log(`${label}: tensors still alive: ${alive}`);
      return alive;
    },
  };
}
