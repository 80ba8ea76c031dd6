"""NumPy reference for lib/moe (gate, MoE layer, balance losses, parameter counts).

Writes tests/reference/fixtures/moe.json, read by tests/moe/reference.test.ts.
Run: .venv/bin/python tests/reference/moe_reference.py

Independent of the TypeScript code: it re-implements DeepSeek-V3's inference gate
(inference/model.py, Gate.forward) in float64 NumPy on float32-rounded inputs, the SwiGLU experts,
the Switch auxiliary loss, V3's sequence-wise balance loss and the bias update rule. Ties are
broken toward the lower index (np.argsort(-s, kind="stable")), the rule lib/moe/gate.ts documents.
Every case is drawn so that the selection has a clear margin (>= 1e-4) at every top-k cut, so
float32 vs float64 rounding cannot flip an index.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "fixtures", "moe.json")
MARGIN = 1e-4


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def topk_idx(s, k):
    """Indices of the k largest entries along the last axis; ties to the lower index."""
    return np.argsort(-s, axis=-1, kind="stable")[..., :k]


def cut_margin(s, k):
    """Gap between the k-th and (k+1)-th largest entries per row (inf if k = width)."""
    if k >= s.shape[-1]:
        return np.inf
    srt = -np.sort(-s, axis=-1)
    gap = srt[..., k - 1] - srt[..., k]
    return np.min(gap[np.isfinite(gap)]) if np.isfinite(gap).any() else np.inf


def gate(x, w, cfg, bias):
    logits = x @ w
    if cfg["scoreFunc"] == "softmax":
        e = np.exp(logits - logits.max(-1, keepdims=True))
        scores = e / e.sum(-1, keepdims=True)
    else:
        scores = 1.0 / (1.0 + np.exp(-logits))
    sel = scores + bias if bias is not None else scores.copy()
    margins = []
    g, kg = cfg.get("nGroups", 1), cfg.get("topKGroups", 1)
    T, E = scores.shape
    if g > 1:
        grouped = sel.reshape(T, g, E // g)
        if bias is None:
            gs = grouped.max(-1)
        else:
            gs = -np.sort(-grouped, -1)[..., : min(2, E // g)].sum(-1)
        margins.append(cut_margin(gs, kg))
        keep = topk_idx(gs, kg)
        mask = np.ones((T, g), dtype=bool)
        np.put_along_axis(mask, keep, False, axis=1)
        grouped = np.where(mask[..., None], -np.inf, grouped)
        sel = grouped.reshape(T, E)
    margins.append(cut_margin(sel, cfg["topK"]))
    idx = topk_idx(sel, cfg["topK"])
    wts = np.take_along_axis(scores, idx, axis=1)
    if cfg["scoreFunc"] == "sigmoid":
        wts = wts / wts.sum(-1, keepdims=True)
    wts = wts * cfg.get("routeScale", 1.0)
    return scores, idx, wts, min(margins)


def swiglu(x, e):
    g = x @ e["w1"]
    return ((g / (1 + np.exp(-g))) * (x @ e["w3"])) @ e["w2"]


def moe(x, experts, shared, idx, wts):
    y = np.zeros_like(x)
    for t in range(x.shape[0]):
        for k in range(idx.shape[1]):
            y[t] += wts[t, k] * swiglu(x[t : t + 1], experts[idx[t, k]])[0]
    if shared is not None:
        y += swiglu(x, shared)
    return y


def switch_aux(scores, idx, n):
    T, K = idx.shape
    f = np.bincount(idx.ravel(), minlength=n) / (T * K)
    p = (scores / scores.sum(-1, keepdims=True)).mean(0)
    return n * float((f * p).sum())


def seq_balance(scores, idx, n, batch):
    T, K = idx.shape
    seq = T // batch
    out = []
    for b in range(batch):
        s = scores[b * seq : (b + 1) * seq]
        i = idx[b * seq : (b + 1) * seq]
        f = n / (K * seq) * np.bincount(i.ravel(), minlength=n)
        p = (s / s.sum(-1, keepdims=True)).mean(0)
        out.append(float((f * p).sum()))
    return float(np.mean(out))


def make_case(name, cfg, tokens, d_model, inter, n_shared, with_bias, seed, gamma=0.01):
    for attempt in range(200):
        rng = np.random.default_rng(seed + 1000 * attempt)
        E = cfg["nExperts"]
        x = f32(rng.normal(size=(tokens, d_model)))
        w = f32(rng.normal(scale=1.0 / np.sqrt(d_model), size=(d_model, E)))
        bias = f32(rng.normal(scale=0.1, size=E)) if with_bias else None
        experts = [
            {k: f32(rng.normal(scale=1.0 / np.sqrt(a), size=(a, b))) for k, (a, b) in
             {"w1": (d_model, inter), "w3": (d_model, inter), "w2": (inter, d_model)}.items()}
            for _ in range(E)
        ]
        shared = None
        if n_shared:
            si = n_shared * inter
            shared = {k: f32(rng.normal(scale=1.0 / np.sqrt(a), size=(a, b))) for k, (a, b) in
                      {"w1": (d_model, si), "w3": (d_model, si), "w2": (si, d_model)}.items()}
        scores, idx, wts, margin = gate(x, w, cfg, bias)
        if margin >= MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no draw with a clear selection margin")
    y = moe(x, experts, shared, idx, wts)
    load = np.bincount(idx.ravel(), minlength=E).astype(float)
    b0 = bias if bias is not None else np.zeros(E)
    new_bias = b0 - gamma * np.sign(load - load.mean())
    lst = lambda a: np.asarray(a).tolist()
    return {
        "name": name,
        "cfg": cfg,
        "x": lst(x),
        "gate": lst(w),
        "bias": lst(bias) if bias is not None else None,
        "experts": [{k: lst(v) for k, v in e.items()} for e in experts],
        "shared": {k: lst(v) for k, v in shared.items()} if shared else None,
        "scores": lst(scores),
        "indices": lst(idx),
        "weights": lst(wts),
        "y": lst(y),
        "load": lst(load),
        "maxVio": float(load.max() / load.mean() - 1),
        "switchAux": switch_aux(scores, idx, E),
        "seqBatch": 2,
        "seqBalance": seq_balance(scores, idx, E, 2),
        "gamma": gamma,
        "newBias": lst(new_bias),
        "margin": float(margin),
    }


def param_counts(c):
    """Total / active parameters from a Hugging Face-style config (names as in config.json)."""
    d, L = c["hidden_size"], c["num_hidden_layers"]
    h = c["num_attention_heads"]
    qk = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
    attn = (d * c["q_lora_rank"] + c["q_lora_rank"] + c["q_lora_rank"] * h * qk  # q_a_proj, q_a_layernorm, q_b_proj
            + d * (c["kv_lora_rank"] + c["qk_rope_head_dim"]) + c["kv_lora_rank"]  # kv_a_proj_with_mqa, kv_a_layernorm
            + c["kv_lora_rank"] * h * (c["qk_nope_head_dim"] + c["v_head_dim"])  # kv_b_proj
            + h * c["v_head_dim"] * d)  # o_proj
    dense = c["first_k_dense_replace"]
    moe_layers = L - dense
    expert = 3 * d * c["moe_intermediate_size"]
    gate = d * c["n_routed_experts"] + (c["n_routed_experts"] if c["topk_method"] == "noaux_tc" else 0)
    common = (2 * c["vocab_size"] * d + L * attn + L * 2 * d + d
              + dense * 3 * d * c["intermediate_size"]
              + moe_layers * (c["n_shared_experts"] * expert + gate))
    total = common + moe_layers * c["n_routed_experts"] * expert
    active = common + moe_layers * c["num_experts_per_tok"] * expert
    return {"total": int(total), "active": int(active)}


V3 = dict(vocab_size=129280, hidden_size=7168, intermediate_size=18432, moe_intermediate_size=2048,
          num_hidden_layers=61, first_k_dense_replace=3, num_attention_heads=128, n_routed_experts=256,
          n_shared_experts=1, num_experts_per_tok=8, q_lora_rank=1536, kv_lora_rank=512,
          qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128, topk_method="noaux_tc")
V2 = dict(vocab_size=102400, hidden_size=5120, intermediate_size=12288, moe_intermediate_size=1536,
          num_hidden_layers=60, first_k_dense_replace=1, num_attention_heads=128, n_routed_experts=160,
          n_shared_experts=2, num_experts_per_tok=6, q_lora_rank=1536, kv_lora_rank=512,
          qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128, topk_method="group_limited_greedy")


def main():
    cases = [
        make_case("softmax top-2, shared expert", {"nExperts": 8, "topK": 2, "scoreFunc": "softmax"}, 12, 8, 6, 1, False, 1),
        make_case("sigmoid + bias, routeScale 2.5", {"nExperts": 8, "topK": 3, "scoreFunc": "sigmoid", "routeScale": 2.5}, 12, 8, 6, 0, True, 2),
        make_case("group-limited sigmoid + bias (V3 style)", {"nExperts": 16, "topK": 4, "scoreFunc": "sigmoid", "nGroups": 4, "topKGroups": 2, "routeScale": 2.5}, 16, 8, 4, 2, True, 3),
        make_case("group-limited softmax, no bias (V2 style)", {"nExperts": 16, "topK": 3, "scoreFunc": "softmax", "nGroups": 4, "topKGroups": 2}, 16, 8, 4, 0, False, 4),
        make_case("group-limited sigmoid, no bias", {"nExperts": 12, "topK": 2, "scoreFunc": "sigmoid", "nGroups": 3, "topKGroups": 1}, 10, 6, 4, 0, False, 5),
    ]
    out = {
        "generator": "tests/reference/moe_reference.py",
        "cases": cases,
        "params": {"DeepSeek-V3": param_counts(V3), "DeepSeek-V2": param_counts(V2)},
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    for c in cases:
        print(f"{c['name']}: margin {c['margin']:.2e}, maxVio {c['maxVio']:.3f}, aux {c['switchAux']:.4f}")
    print(out["params"])


if __name__ == "__main__":
    main()
