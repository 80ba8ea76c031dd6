"""PyTorch (CPU) timings on the same shapes as SeekLab's benchmarks, for the side-by-side rows of
`npm run bench -- mla|moe|train` (called by bench/torch.mjs). Prints one JSON list on its last line.

Usage: python bench/torch_bench.py mla|moe|train '<json args>'

Written for this comparison (not a port of SeekLab): plain eager PyTorch, float32, no compile,
torch's default thread count (all cores), the fastest of several runs.
"""
import json
import math
import sys
import time

import torch

torch.manual_seed(0)


def best_ms(fn, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def rms_norm(x, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def mla_decode(context):
    """One decode step (batch 1) of the bench/mla.mjs layer, naive and absorbed, and MHA."""
    d, H, qr, c, dn, dr, dv = 1024, 16, 384, 256, 64, 32, 64
    w = lambda i, o: torch.randn(i, o) / math.sqrt(i)
    wqA, wqB, wkvA, wkvB, wo = w(d, qr), w(qr, H * (dn + dr)), w(d, c + dr), w(c, H * (dn + dv)), w(H * dv, d)
    wUK, wUV = wkvB.view(c, H, dn + dv).split([dn, dv], -1)  # [c, H, dn], [c, H, dv]
    wUK = wUK.permute(1, 0, 2).contiguous()  # [H, c, dn]
    wUV = wUV.permute(1, 0, 2).contiguous()  # [H, c, dv]
    x = torch.randn(1, d)
    scale = 1 / math.sqrt(dn + dr)
    # caches preallocated and filled (what a PyTorch server does), read up to `context`
    kv_cache = torch.randn(context + 1, c)
    pe_cache = torch.randn(context + 1, dr)
    k_cache = torch.randn(H, context + 1, dn + dr)
    v_cache = torch.randn(H, context + 1, dv)

    def queries():
        q = (rms_norm(x @ wqA) @ wqB).view(H, dn + dr)
        kva = x @ wkvA
        return q[:, :dn], q[:, dn:], rms_norm(kva[:, :c]), kva[:, c:]

    def absorbed():
        q_nope, q_pe, ckv, kpe = queries()
        kv_cache[context] = ckv[0]
        pe_cache[context] = kpe[0]
        kv, pe = kv_cache[: context + 1], pe_cache[: context + 1]
        q_lat = torch.einsum("hd,hcd->hc", q_nope, wUK)  # [H, c]
        scores = (q_lat @ kv.T + q_pe @ pe.T) * scale  # [H, t]
        o_lat = scores.softmax(-1) @ kv  # [H, c]
        o = torch.einsum("hc,hcd->hd", o_lat, wUV)  # [H, dv]
        return o.reshape(1, H * dv) @ wo

    def naive():
        q_nope, q_pe, ckv, kpe = queries()
        kvb = (ckv @ wkvB).view(H, dn + dv)
        k_cache[:, context] = torch.cat([kvb[:, :dn], kpe.expand(H, dr)], -1)
        v_cache[:, context] = kvb[:, dn:]
        k, v = k_cache[:, : context + 1], v_cache[:, : context + 1]
        q = torch.cat([q_nope, q_pe], -1).unsqueeze(1)  # [H, 1, dn+dr]
        p = (q @ k.transpose(1, 2) * scale).softmax(-1)  # [H, 1, t]
        return (p @ v).reshape(1, H * dv) @ wo

    hd = 64
    wq, wk, wv, wo2 = w(d, H * hd), w(d, H * hd), w(d, H * hd), w(H * hd, d)
    mk = torch.randn(H, context + 1, hd)
    mv = torch.randn(H, context + 1, hd)

    def mha():
        q = (x @ wq).view(H, 1, hd)
        mk[:, context] = (x @ wk).view(H, hd)
        mv[:, context] = (x @ wv).view(H, hd)
        p = (q @ mk.transpose(1, 2) / math.sqrt(hd)).softmax(-1)
        return (p @ mv).reshape(1, H * hd) @ wo2

    with torch.no_grad():
        return [
            {"context": context, "mode": name, "ms": best_ms(fn), "threads": torch.get_num_threads()}
            for name, fn in (("mha", mha), ("naive", naive), ("absorbed", absorbed))
        ]


def moe_layer(tokens, d, ffn_hidden, n_experts, top_k):
    """A routed MoE layer (sigmoid gate, top-k, normalised weights, SwiGLU experts), grouped by expert."""
    x = torch.randn(tokens, d)
    gate = torch.randn(d, n_experts) / math.sqrt(d)
    w1 = torch.randn(n_experts, d, ffn_hidden) / math.sqrt(d)
    w3 = torch.randn(n_experts, d, ffn_hidden) / math.sqrt(d)
    w2 = torch.randn(n_experts, ffn_hidden, d) / math.sqrt(ffn_hidden)

    def layer():
        s = torch.sigmoid(x @ gate)
        wts, idx = s.topk(top_k, -1)
        wts = wts / wts.sum(-1, keepdim=True)
        out = torch.zeros_like(x)
        flat = idx.flatten()
        order = flat.argsort()
        counts = torch.bincount(flat, minlength=n_experts).tolist()
        tok = (order // top_k)
        start = 0
        for e, n in enumerate(counts):
            if n == 0:
                continue
            sel = order[start : start + n]
            t = tok[start : start + n]
            h = x[t]
            y = (torch.nn.functional.silu(h @ w1[e]) * (h @ w3[e])) @ w2[e]
            out.index_add_(0, t, y * wts.flatten()[sel].unsqueeze(1))
            start += n
        return out

    with torch.no_grad():
        return {"experts": n_experts, "topK": top_k, "ms": best_ms(layer, runs=10), "threads": torch.get_num_threads()}


def main():
    which = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if which == "mla":
        rows = [r for c in args.get("contexts", [2048]) for r in mla_decode(c)]
    elif which == "moe":
        rows = [moe_layer(args["tokens"], args["dModel"], args["ffnHidden"], e, k) for e, k in args["shapes"]]
    else:
        raise SystemExit(f"unknown benchmark {which}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
