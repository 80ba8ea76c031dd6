import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { checkClose } from "../../lib/notebook/check.js";
import { progress, progressLine } from "../../lib/notebook/progress.js";
import { timeIt, matmulGflops } from "../../lib/notebook/measure.js";
import { trackTensors } from "../../lib/notebook/tensors.js";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";

function quietly<T>(fn: () => T): { value: T; lines: string[] } {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...m: unknown[]) => lines.push(m.join(" "));
  try {
    return { value: fn(), lines };
  } finally {
    console.log = orig;
  }
}

describe("checkClose", () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it("accepts equal tensors, arrays and numbers and reports the largest difference", async () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const r = await checkClose(a, [[1, 2], [3, 4.00001]], { name: "m", rtol: 1e-5, verbose: false });
    expect(r.count).toBe(4);
    expect(r.maxAbsDiff).toBeCloseTo(1e-5, 6);
    await checkClose(3, 3, { verbose: false });
    a.dispose();
  });

  it("says where and by how much two results differ", async () => {
    await expect(checkClose([[1, 2], [3, 4]], [[1, 2], [3, 5]], { name: "scores", verbose: false })).rejects.toThrow(
      "checkClose(scores): 1 of 4 values differ (rtol=0.00001, atol=0.000001). Worst at [1, 1]: actual 4, expected 5, |diff| 1 (relative 0.2000000).",
    );
  });

  it("catches shape mismatches, NaN and ragged arrays", async () => {
    await expect(checkClose([1, 2, 3], [[1, 2, 3]], { name: "s", verbose: false })).rejects.toThrow("shapes differ: actual [3] vs expected [1, 3]");
    await expect(checkClose([NaN], [1], { verbose: false })).rejects.toThrow("1 of 1 values differ");
    await checkClose([NaN], [NaN], { verbose: false });
    await expect(checkClose([[1, 2], [3]], [[1, 2], [3, 4]], { verbose: false })).rejects.toThrow("actual is ragged");
  });

  it("uses numpy.allclose's rule |a - e| <= atol + rtol·|e|", async () => {
    await checkClose([100.0009], [100], { rtol: 1e-5, atol: 0, verbose: false });
    await expect(checkClose([100.0011], [100], { rtol: 1e-5, atol: 0, verbose: false })).rejects.toThrow("differ");
  });

  it("leaks no tensors", async () => {
    const t = tf.ones([3]);
    await expectNoLeaks(() => checkClose(t, [1, 1, 1], { verbose: false }));
    t.dispose();
  });
});

describe("progress", () => {
  it("formats count, percentage, rate and ETA", () => {
    expect(progressLine("train", 50, 200, 10, "loss 1.50")).toBe(
      "train [██████··················] 50/200 (25%, 5.00/s, 10s elapsed, ETA 30s) — loss 1.50",
    );
    expect(progressLine("train", 200, 200, 125, undefined, true)).toBe("train [████████████████████████] 200/200 (100%, 1.60/s, in 2m05s)");
  });

  it("prints on stdout outside a notebook and counts ticks", () => {
    const { value, lines } = quietly(() => {
      const p = progress(3, { label: "steps", minIntervalMs: 0 });
      p.tick();
      p.tick(2, "done soon");
      p.done();
      return p.count;
    });
    expect(value).toBe(3);
    expect(lines.length).toBe(2);
    expect(lines.at(-1)).toMatch(/^steps \[█+\] 3\/3 \(100%.*— done soon$/);
    expect(() => progress(0)).toThrow("progress(total): expected a positive number of steps; got 0");
  });
});

describe("measurement", () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it("timeIt runs at least minRuns times and reports consistent statistics", async () => {
    let calls = 0;
    const t = await timeIt(() => void calls++, { minMs: 0, warmup: 2, minRuns: 5 });
    expect(calls).toBe(7);
    expect(t.runs).toBe(5);
    expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
  });

  it("matmulGflops measures without leaking and rejects bad sizes", async () => {
    await expectNoLeaks(async () => {
      const r = await matmulGflops(16, { minMs: 0 });
      expect(r.n).toBe(16);
      expect(r.gflops).toBeGreaterThan(0);
    });
    await expect(matmulGflops(0)).rejects.toThrow("matmulGflops(n): expected a positive integer size; got 0");
  });
});

describe("trackTensors", () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it("frees what was made after it started, across async steps, and keeps what was kept", async () => {
    const before = tf.memory().numTensors;
    const outside = tf.ones([2]);
    let printed = "";
    const orig = console.log;
    const scope = trackTensors("test lesson");
    const a = tf.ones([3]);
    await a.data();
    const b = tf.tidy(() => tf.add(a, 1));
    const kept = tf.keep(tf.zeros([1]));
    expect(tf.memory().numTensors).toBe(before + 4);
    console.log = (...m: unknown[]) => (printed = m.join(" "));
    try {
      expect(scope.release()).toBe(before + 2); // `outside` and `kept` survive
    } finally {
      console.log = orig;
    }
    expect(printed).toBe(`test lesson: tensors still alive: ${before + 2}`);
    expect(b.isDisposed).toBe(true);
    tf.dispose([outside, kept]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
