// PyTorch on CUDA, where present: the same float32 matmul (torch_matmul.py beside this file).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

export function runTorch(sizes, log) {
  const probe = spawnSync("python3", ["-c", "import torch"], { encoding: "utf8", timeout: 120_000 });
  if (probe.error || probe.status !== 0) return { available: false, reason: (probe.error?.message ?? probe.stderr ?? "").trim().split("\n").pop() };
  log("PyTorch found: timing the same matmul on CUDA …");
  const r = spawnSync("python3", [join(HERE, "torch_matmul.py"), JSON.stringify(sizes)], { encoding: "utf8", timeout: 180_000 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("@@torch "));
  if (!line) return { available: true, error: `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}` };
  return { available: true, ...JSON.parse(line.slice(8)) };
}
