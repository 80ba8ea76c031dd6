// The report: device-report.md from the JSON report.
import { fmt, markdownTable } from "./numbers.mjs";

export function reportMarkdown(r) {
  const lines = [`# SeekLab device check — ${r.date?.slice(0, 10)}`, ""];
  lines.push(`- verdict: **${r.verdict ?? "(incomplete)"}**${r.seconds ? ` (${r.seconds} s)` : ""}`);
  lines.push(`- GPU (nvidia-smi): ${r.gpu ?? "none"}`);
  lines.push(`- WebGPU adapter: ${r.adapter?.detail ?? "none"}${r.adapter?.error ? ` — ${r.adapter.error}` : ""}`);
  if (r.adapter?.limits) lines.push(`- adapter limits: ${Object.entries(r.adapter.limits).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push(`- host: node ${r.node}, ${r.cores} × ${r.cpu}, ${r.memGiB} GiB`);
  if (r.manifest) lines.push(`- pack: commit ${r.manifest.commit}, ${r.manifest.files} files, ${(r.manifest.bytes / 2 ** 20).toFixed(1)} MiB`);
  lines.push("");
  if (r.correctness) {
    lines.push(`## Correctness: webgpu against cpu (${r.correctness.passed ?? 0} passed, ${r.correctness.failed ?? 0} failed)`, "");
    lines.push(`${r.correctness.tolerance}. wasmRel: the same measure for wasm against cpu, for scale.`, "");
    lines.push(markdownTable(r.correctness.rows, ["op", "output", "shape", "against", "maxAbs", "rel", "tol", "wasmRel", "result", "error"]));
    lines.push("");
  }
  if (r.bench) {
    lines.push("## Backends benchmark (each backend in its own process; vsWasm = rate / wasm's rate at the same shape)", "");
    lines.push(markdownTable(r.bench.rows, ["backend", "workload", "shape", "ms", "rate", "unit", "vsWasm"]));
    lines.push("");
    for (const b of r.bench.backends) lines.push(`- ${b.name}: ${b.detail ?? ""} (${b.shapes} shapes, ${fmt(b.seconds)} s)${b.error ? ` — FAILED: ${b.error}` : ""}`);
    lines.push("");
  }
  if (r.torch) {
    lines.push("## PyTorch, same float32 matmul", "");
    if (r.torch.rows) {
      lines.push(`PyTorch ${r.torch.torch} on ${r.torch.device}. fp32: TF32 off (what WebGPU computes); readback: product + copy to host, as SeekLab's matmulGflops times it; torch/webgpu compares those two.`, "");
      lines.push(markdownTable(r.torch.rows, ["n", "fp32_gflops", "fp32_readback_gflops", "tf32_gflops", "webgpu_gflops", "torch_over_webgpu"]));
    } else lines.push(`not run: ${r.torch.reason ?? r.torch.error ?? "CUDA not available"}`);
    lines.push("");
  }
  return lines.join("\n");
}
