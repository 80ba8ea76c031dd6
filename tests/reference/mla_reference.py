"""NumPy (float64) reference for Multi-head Latent Attention, written from the DeepSeek-V2 paper
(arXiv 2405.04434, section 2.1, eq. 37-47) and DeepSeek-V3's inference semantics
(inference/model.py: interleaved RoPE via complex multiplication, RMSNorm eps 1e-6 on the query
and KV latents, one rope key shared by all heads, softmax scale 1/sqrt(nope + rope)).

It computes attention head by head with explicit loops over queries, independently of
lib/attention/mla.ts, and writes tests/reference/fixtures/mla_cases.json:
weights (input-major: y = x @ W), the input, the output for a causal prefill of the whole input,
and what each cache mode must hold afterwards (naive: per-head keys and values; absorbed: the
normalised latent c_kv and the roped k_pe).

Run: .venv/bin/python tests/reference/mla_reference.py
"""
import json
import os

import numpy as np

EPS = 1e-6


def rms_norm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * w


def rope_interleaved(x, positions, theta):
    """x [..., seq, d] with the sequence on axis -2 (or [seq, heads, d] handled by the caller)."""
    d = x.shape[-1]
    freqs = theta ** (-np.arange(0, d, 2) / d)  # theta^(-2i/d)
    angles = np.outer(positions, freqs)  # [seq, d/2]
    rot = np.exp(1j * angles)
    z = x[..., 0::2] + 1j * x[..., 1::2]
    z = z * rot
    out = np.empty_like(x)
    out[..., 0::2] = z.real
    out[..., 1::2] = z.imag
    return out


def mla_reference(x, w, cfg):
    """x [b, s, dModel] at positions 0..s-1, causal. Returns output and both caches' contents."""
    b, s, _ = x.shape
    H, dn, dr, dv, c = cfg["nHeads"], cfg["qkNopeHeadDim"], cfg["qkRopeHeadDim"], cfg["vHeadDim"], cfg["kvLoraRank"]
    theta = cfg.get("ropeTheta", 10000.0)
    pos = np.arange(s)
    if cfg["qLoraRank"] > 0:
        q = rms_norm(x @ w["wqA"], w["qNorm"]) @ w["wqB"]  # eq. 37-38
    else:
        q = x @ w["wq"]
    q = q.reshape(b, s, H, dn + dr)
    q_nope, q_pe = q[..., :dn], q[..., dn:]
    q_pe = np.stack([rope_interleaved(q_pe[:, :, h, :], pos, theta) for h in range(H)], axis=2)  # eq. 39
    kv = x @ w["wkvA"]
    c_kv = rms_norm(kv[..., :c], w["kvNorm"])  # eq. 41 (+ the latent norm of DeepSeek's code)
    k_pe = rope_interleaved(kv[..., c:], pos, theta)  # eq. 43, [b, s, dr]
    up = (c_kv @ w["wkvB"]).reshape(b, s, H, dn + dv)
    k_nope, v = up[..., :dn], up[..., dn:]  # eq. 42, 45
    k = np.concatenate([k_nope, np.broadcast_to(k_pe[:, :, None, :], (b, s, H, dr))], axis=-1)  # eq. 44
    qf = np.concatenate([q_nope, q_pe], axis=-1)
    scale = 1.0 / np.sqrt(dn + dr)
    o = np.zeros((b, s, H, dv))
    for bi in range(b):
        for h in range(H):
            for i in range(s):
                scores = np.array([qf[bi, i, h] @ k[bi, j, h] for j in range(i + 1)]) * scale
                p = np.exp(scores - scores.max())
                p /= p.sum()
                o[bi, i, h] = p @ v[bi, : i + 1, h]  # eq. 46
    out = o.reshape(b, s, H * dv) @ w["wo"]  # eq. 47
    return out, {"k": k, "v": v, "kv": c_kv, "pe": k_pe}


def make_case(name, cfg, b, s, seed):
    rng = np.random.default_rng(seed)
    H, dn, dr, dv, c, d = (cfg[k] for k in ("nHeads", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim", "kvLoraRank", "dModel"))
    w = {}
    if cfg["qLoraRank"] > 0:
        w["wqA"] = rng.normal(0, 1 / np.sqrt(d), (d, cfg["qLoraRank"]))
        w["qNorm"] = rng.uniform(0.5, 1.5, cfg["qLoraRank"])
        w["wqB"] = rng.normal(0, 1 / np.sqrt(cfg["qLoraRank"]), (cfg["qLoraRank"], H * (dn + dr)))
    else:
        w["wq"] = rng.normal(0, 1 / np.sqrt(d), (d, H * (dn + dr)))
    w["wkvA"] = rng.normal(0, 1 / np.sqrt(d), (d, c + dr))
    w["kvNorm"] = rng.uniform(0.5, 1.5, c)
    w["wkvB"] = rng.normal(0, 1 / np.sqrt(c), (c, H * (dn + dv)))
    w["wo"] = rng.normal(0, 1 / np.sqrt(H * dv), (H * dv, d))
    # Round to float32 first so that both sides start from identical inputs.
    w = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}
    x = rng.normal(0, 1, (b, s, d)).astype(np.float32).astype(np.float64)
    out, caches = mla_reference(x, w, cfg)
    tolist = lambda a: np.asarray(a).round(12).tolist()
    return {
        "name": name,
        "config": cfg,
        "x": tolist(x),
        "weights": {k: tolist(v) for k, v in w.items()},
        "out": tolist(out),
        "cache": {k: tolist(v) for k, v in caches.items()},
    }


def main():
    base = {"dModel": 16, "nHeads": 3, "kvLoraRank": 8, "qkNopeHeadDim": 4, "qkRopeHeadDim": 4, "vHeadDim": 6,
            "ropeTheta": 10000.0, "maxSeqLen": 12}
    cases = [
        make_case("query compression (qLoraRank 6)", {**base, "qLoraRank": 6}, b=2, s=7, seed=1),
        make_case("no query compression (qLoraRank 0)", {**base, "qLoraRank": 0, "ropeTheta": 500.0}, b=1, s=9, seed=2),
    ]
    doc = {
        "generator": "tests/reference/mla_reference.py",
        "note": "float64 NumPy reference; inputs rounded to float32; causal prefill at positions 0..s-1",
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(__file__), "fixtures", "mla_cases.json")
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
