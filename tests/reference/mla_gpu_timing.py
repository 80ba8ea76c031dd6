"""Decode-step time of MLA (naive vs absorbed) and MHA on a CUDA GPU with PyTorch, at DeepSeek-V3's
real attention shape, to show what the wasm numbers of `npm run bench -- mla` cannot: decoding on a
GPU is limited by memory bandwidth, and absorbed MLA reads ~9x less cache per step.

Independent of the TypeScript library: the two MLA paths follow DeepSeek-V3's inference/model.py
(`attn_impl = "naive"` and `"absorb"`), written here from the paper's equations (DeepSeek-V2,
Appendix C, eq. 37-47) with input-major weights (y = x @ W). One attention layer, BF16 weights and
caches, softmax in float32, batch rows decoding in parallel; timed with CUDA events (median of
ITERS steps after WARMUP). Before timing, the script checks naive == absorbed in float32.

Run on a machine with a CUDA GPU:  python3 tests/reference/mla_gpu_timing.py --out datasets/mla_decode_gpu.json
The notebook (notebooks/01_multi_head_latent_attention.ipynb) plots the committed result.
"""
import argparse
import datetime
import json
import math

import torch

V3 = dict(dModel=7168, nHeads=128, qLoraRank=1536, kvLoraRank=512, qkNopeHeadDim=128, qkRopeHeadDim=64, vHeadDim=128)
WARMUP, ITERS = 5, 30


def rms_norm(x, w, eps=1e-6):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def rope(x, pos, theta=10000.0):
    """Interleaved RoPE; x [..., seq, (heads,) d] with the sequence at dim 1."""
    d = x.shape[-1]
    freqs = theta ** (-torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    ang = torch.outer(torch.arange(pos, pos + x.shape[1], device=x.device, dtype=torch.float32), freqs)  # [s, d/2]
    shape = [1, x.shape[1]] + [1] * (x.dim() - 3) + [d // 2]
    cos, sin = ang.cos().view(shape), ang.sin().view(shape)
    xf = x.float().reshape(*x.shape[:-1], d // 2, 2)
    a, b = xf[..., 0], xf[..., 1]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2).to(x.dtype)


def make_weights(cfg, dtype, device, seed=0):
    g = torch.Generator(device=device).manual_seed(seed)
    H, dn, dr, dv, c, d, qr = (cfg[k] for k in ("nHeads", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim", "kvLoraRank", "dModel", "qLoraRank"))
    w = lambda i, o: (torch.randn(i, o, generator=g, device=device) / math.sqrt(i)).to(dtype)
    return dict(wqA=w(d, qr), qNorm=torch.ones(qr, device=device, dtype=dtype), wqB=w(qr, H * (dn + dr)),
                wkvA=w(d, c + dr), kvNorm=torch.ones(c, device=device, dtype=dtype), wkvB=w(c, H * (dn + dv)), wo=w(H * dv, d))


class MLA:
    def __init__(self, cfg, w, batch, max_len, mode, dtype, device):
        self.cfg, self.w, self.mode = cfg, w, mode
        H, dn, dr, dv, c = (cfg[k] for k in ("nHeads", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim", "kvLoraRank"))
        if mode == "naive":
            self.k = torch.zeros(batch, max_len, H, dn + dr, device=device, dtype=dtype)
            self.v = torch.zeros(batch, max_len, H, dv, device=device, dtype=dtype)
        else:
            self.kv = torch.zeros(batch, max_len, c, device=device, dtype=dtype)
            self.pe = torch.zeros(batch, max_len, dr, device=device, dtype=dtype)
            w3 = w["wkvB"].view(c, H, dn + dv)
            self.wUK = w3[:, :, :dn].permute(1, 2, 0).contiguous()  # [H, dn, c], made once (as at load time)
            self.wUV = w3[:, :, dn:].permute(1, 0, 2).contiguous()  # [H, c, dv]

    def fill(self, n):
        """Random cache contents for positions [0, n): a decode step costs the same whatever they are."""
        for t in (self.k, self.v) if self.mode == "naive" else (self.kv, self.pe):
            t[:, :n].normal_()

    def forward(self, x, start):
        cfg, w = self.cfg, self.w
        H, dn, dr, dv, c = (cfg[k] for k in ("nHeads", "qkNopeHeadDim", "qkRopeHeadDim", "vHeadDim", "kvLoraRank"))
        b, s, _ = x.shape
        end = start + s
        q = (rms_norm(x @ w["wqA"], w["qNorm"]) @ w["wqB"]).view(b, s, H, dn + dr)
        q_nope, q_pe = q[..., :dn], rope(q[..., dn:], start)
        kv = x @ w["wkvA"]
        ckv, k_pe = rms_norm(kv[..., :c], w["kvNorm"]), rope(kv[..., c:], start)  # [b, s, c], [b, s, dr]
        scale = 1.0 / math.sqrt(dn + dr)
        if self.mode == "naive":
            up = (ckv @ w["wkvB"]).view(b, s, H, dn + dv)
            self.k[:b, start:end] = torch.cat([up[..., :dn], k_pe.unsqueeze(2).expand(b, s, H, dr)], -1)
            self.v[:b, start:end] = up[..., dn:]
            qf = torch.cat([q_nope, q_pe], -1)
            scores = torch.einsum("bshd,bthd->bsht", qf, self.k[:b, :end]) * scale
        else:
            self.kv[:b, start:end] = ckv
            self.pe[:b, start:end] = k_pe
            q_lat = torch.einsum("bshd,hdc->bshc", q_nope, self.wUK)
            scores = (torch.einsum("bshc,btc->bsht", q_lat, self.kv[:b, :end]) +
                      torch.einsum("bshr,btr->bsht", q_pe, self.pe[:b, :end])) * scale
        if s > 1:
            mask = torch.full((s, end), float("-inf"), device=x.device).triu_(start + 1)
            scores = scores + mask.unsqueeze(1)
        p = scores.softmax(-1, dtype=torch.float32).to(x.dtype)
        if self.mode == "naive":
            o = torch.einsum("bsht,bthd->bshd", p, self.v[:b, :end])
        else:
            o = torch.einsum("bshc,hcd->bshd", torch.einsum("bsht,btc->bshc", p, self.kv[:b, :end]), self.wUV)
        return o.flatten(2) @ w["wo"]


class MHA:
    def __init__(self, cfg, batch, max_len, dtype, device, seed=1):
        g = torch.Generator(device=device).manual_seed(seed)
        d, H, hd = cfg["dModel"], cfg["nHeads"], cfg["vHeadDim"]
        w = lambda i, o: (torch.randn(i, o, generator=g, device=device) / math.sqrt(i)).to(dtype)
        self.H, self.hd = H, hd
        self.wq, self.wk, self.wv, self.wo = w(d, H * hd), w(d, H * hd), w(d, H * hd), w(H * hd, d)
        self.k = torch.zeros(batch, max_len, H, hd, device=device, dtype=dtype)
        self.v = torch.zeros(batch, max_len, H, hd, device=device, dtype=dtype)

    def fill(self, n):
        self.k[:, :n].normal_()
        self.v[:, :n].normal_()

    def forward(self, x, start):
        b, s, _ = x.shape
        end = start + s
        q = rope((x @ self.wq).view(b, s, self.H, self.hd), start)
        self.k[:b, start:end] = rope((x @ self.wk).view(b, s, self.H, self.hd), start)
        self.v[:b, start:end] = (x @ self.wv).view(b, s, self.H, self.hd)
        scores = torch.einsum("bshd,bthd->bsht", q, self.k[:b, :end]) / math.sqrt(self.hd)
        p = scores.softmax(-1, dtype=torch.float32).to(x.dtype)
        return torch.einsum("bsht,bthd->bshd", p, self.v[:b, :end]).flatten(2) @ self.wo


def check_equal(device):
    """naive == absorbed (float32, small shape, prefill in two chunks then decode)."""
    cfg = dict(dModel=64, nHeads=4, qLoraRank=32, kvLoraRank=32, qkNopeHeadDim=16, qkRopeHeadDim=8, vHeadDim=16)
    w = make_weights(cfg, torch.float32, device, seed=3)
    x = torch.randn(2, 9, 64, generator=torch.Generator(device="cpu").manual_seed(4)).to(device)
    outs = {}
    for mode in ("naive", "absorbed"):
        m = MLA(cfg, w, 2, 16, mode, torch.float32, device)
        outs[mode] = torch.cat([m.forward(x[:, :5], 0), m.forward(x[:, 5:8], 5), m.forward(x[:, 8:], 8)], 1)
    err = (outs["naive"] - outs["absorbed"]).abs().max().item()
    assert err < 1e-4, f"naive and absorbed differ by {err}"
    return err


@torch.inference_mode()
def time_step(layer, x, start):
    for i in range(WARMUP):
        layer.forward(x, start)
    torch.cuda.synchronize()
    times = []
    for i in range(ITERS):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        layer.forward(x, start)
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--contexts", default="1024,4096,16384,32768")
    ap.add_argument("--batches", default="1,8")
    args = ap.parse_args()
    device = "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.inference_mode():
        err = check_equal(device)
    print(f"naive vs absorbed (float32, chunked prefill + decode): max |diff| {err:.2e}", flush=True)
    dtype = torch.bfloat16
    contexts = [int(c) for c in args.contexts.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    w = make_weights(V3, dtype, device)
    rows = []
    for batch in batches:
        max_len = max(contexts) + 1
        layers = {"MHA": MHA(V3, batch, max_len, dtype, device), "MLA naive": MLA(V3, w, batch, max_len, "naive", dtype, device),
                  "MLA absorbed": MLA(V3, w, batch, max_len, "absorbed", dtype, device)}
        x = torch.randn(batch, 1, V3["dModel"], device=device, dtype=dtype)
        for ctx in contexts:
            row = {"batch": batch, "context": ctx}
            for name, layer in layers.items():
                layer.fill(ctx)
                row[name] = time_step(layer, x, ctx)
            print(json.dumps(row), flush=True)
            rows.append(row)
        del layers
        torch.cuda.empty_cache()
    doc = {
        "description": "Decode-step time (ms, median of %d CUDA-event-timed steps) of ONE attention layer at DeepSeek-V3's shape "
                       "(128 heads, d_h 128, d_h^R 64, d_c 512, d_c' 1536, dModel 7168), BF16, PyTorch eager; MLA naive and absorbed "
                       "follow DeepSeek-V3's inference/model.py; MHA is the same width with 128 KV heads of 128." % ITERS,
        "generator": "tests/reference/mla_gpu_timing.py",
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "date": datetime.date.today().isoformat(),
        "cacheNumbersPerTokenPerLayer": {"MHA": 2 * 128 * 128, "MLA naive": 128 * (192 + 128), "MLA absorbed": 512 + 64},
        "naiveVsAbsorbedMaxAbsDiffFloat32": err,
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
