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


def train_step(vocab, d, n_layers, n_heads, ffn_hidden, batch, seq, tokens, theta=10000.0, eps=1e-6):
    """One AdamW step (forward, backward, update, loss read) of a pre-norm transformer shaped like
    lesson 3's TinyTransformer: token embedding, per layer RMSNorm + causal multi-head attention
    with RoPE + RMSNorm + SwiGLU, final RMSNorm and an output head; masked cross-entropy on
    `tokens` of the batch's positions. The same shapes as bench/train.mjs, not the same code."""
    hd = d // n_heads
    nn = torch.nn
    lin = lambda i, o: nn.Parameter(torch.randn(i, o) / math.sqrt(i))
    embed = nn.Parameter(torch.randn(vocab, d))
    layers = [
        {"n1": nn.Parameter(torch.ones(d)), "wq": lin(d, d), "wk": lin(d, d), "wv": lin(d, d), "wo": lin(d, d),
         "n2": nn.Parameter(torch.ones(d)), "w1": lin(d, ffn_hidden), "w3": lin(d, ffn_hidden), "w2": lin(ffn_hidden, d)}
        for _ in range(n_layers)
    ]
    norm = nn.Parameter(torch.ones(d))
    head = lin(d, vocab)
    params = [embed, norm, head] + [p for layer in layers for p in layer.values()]
    opt = torch.optim.AdamW(params, lr=1e-3)
    inv = theta ** (-torch.arange(0, hd, 2).float() / hd)
    ang = torch.arange(seq).float()[:, None] * inv[None, :]
    cos, sin = ang.cos(), ang.sin()  # [seq, hd/2]

    def rope(x):  # x [b, h, seq, hd], interleaved pairs
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)

    def norm_(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g

    inputs = torch.randint(0, vocab, (batch, seq))
    targets = torch.randint(0, vocab, (batch, seq))
    mask = torch.zeros(batch * seq)
    mask[torch.randperm(batch * seq)[:tokens]] = 1
    mask = mask.view(batch, seq)

    def forward():
        x = embed[inputs]
        for L in layers:
            h = norm_(x, L["n1"])
            q, k, v = ((h @ L[w]).view(batch, seq, n_heads, hd).transpose(1, 2) for w in ("wq", "wk", "wv"))
            a = torch.nn.functional.scaled_dot_product_attention(rope(q), rope(k), v, is_causal=True)
            x = x + a.transpose(1, 2).reshape(batch, seq, d) @ L["wo"]
            h = norm_(x, L["n2"])
            x = x + (torch.nn.functional.silu(h @ L["w1"]) * (h @ L["w3"])) @ L["w2"]
        logits = norm_(x, norm) @ head
        ce = torch.nn.functional.cross_entropy(logits.view(-1, vocab), targets.view(-1), reduction="none")
        return (ce * mask.view(-1)).sum() / mask.sum()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = forward()
        loss.backward()
        opt.step()
        return loss.item()

    ms = best_ms(step, runs=20)
    return [{"ms": ms, "tokensPerSec": tokens / ms * 1000, "params": sum(p.numel() for p in params), "threads": torch.get_num_threads()}]


def main():
    which = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if which == "mla":
        rows = [r for c in args.get("contexts", [2048]) for r in mla_decode(c)]
    elif which == "moe":
        rows = [moe_layer(args["tokens"], args["dModel"], args["ffnHidden"], e, k) for e, k in args["shapes"]]
    elif which == "train":
        rows = train_step(args["vocabSize"], args["dModel"], args["nLayers"], args["nHeads"], args["ffnHidden"], args["batch"], args["seq"], args["tokens"])
    else:
        raise SystemExit(f"unknown benchmark {which}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
