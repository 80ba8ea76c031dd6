"""Independent NumPy reference for lib/capstone (notebooks/06_mini_deepseek.ipynb).

    python tests/reference/capstone_reference.py
      writes tests/reference/fixtures/capstone_reference.json, which tests/capstone/reference.test.ts
      compares with the library:
        - parameter counts of the three entrant configs, counted here from the weight shapes;
        - the battles of a seeded correctness table (every pair, every problem, Arena outcomes);
        - Bradley-Terry ratings (scale 400, base 10, mean 1000, no prior; ties half a win each way)
          of those battles and of the committed datasets/capstone/battles.csv, by Hunter's MM
          iteration — a different solver from the library's Newton method.
    Re-run it after regenerating datasets/capstone/ (scripts/capstone.mjs).
"""
import csv
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VOCAB = 17  # 3 specials + "0123456789+*=;"


def swiglu(d, h):
    return {"w1": (d, h), "w3": (d, h), "w2": (h, d)}


def weight_shapes(cfg):
    """Every weight's shape, by name, as the library's TinyTransformer builds them."""
    d, heads = cfg["dModel"], cfg["nHeads"]
    hd = d // heads
    shapes = {"embed": (VOCAB, d), "finalNorm": (d,), "head": (d, VOCAB)}
    for l in range(cfg["nLayers"]):
        p = f"layers.{l}."
        shapes[p + "attnNorm"] = (d,)
        shapes[p + "ffnNorm"] = (d,)
        if cfg["attention"] == "mha":
            for w in ("wq", "wk", "wv"):
                shapes[p + "attn." + w] = (d, heads * hd)
            shapes[p + "attn.wo"] = (heads * hd, d)
        else:
            m = cfg["mla"]
            qk = m["nope"] + m["rope"]
            shapes[p + "attn.wqA"] = (d, m["q"])
            shapes[p + "attn.qNorm"] = (m["q"],)
            shapes[p + "attn.wqB"] = (m["q"], heads * qk)
            shapes[p + "attn.wkvA"] = (d, m["kv"] + m["rope"])
            shapes[p + "attn.kvNorm"] = (m["kv"],)
            shapes[p + "attn.wkvB"] = (m["kv"], heads * (m["nope"] + m["v"]))
            shapes[p + "attn.wo"] = (heads * m["v"], d)
        if cfg["ffn"] == "swiglu":
            for k, s in swiglu(d, cfg["ffnHidden"]).items():
                shapes[p + "ffn." + k] = s
        else:
            e = cfg["moe"]
            shapes[p + "ffn.gate"] = (d, e["nExperts"])
            for i in range(e["nExperts"]):
                for k, s in swiglu(d, cfg["ffnHidden"]).items():
                    shapes[p + f"ffn.experts.{i}.{k}"] = s
            for k, s in swiglu(d, e["nShared"] * cfg["ffnHidden"]).items():
                shapes[p + "ffn.shared." + k] = s
    return shapes


def counts(cfg):
    shapes = weight_shapes(cfg)
    total = sum(int(np.prod(s)) for s in shapes.values())
    unused = 0
    if cfg["ffn"] == "moe":
        e = cfg["moe"]
        per_expert = 3 * cfg["dModel"] * cfg["ffnHidden"]
        unused = cfg["nLayers"] * (e["nExperts"] - e["topK"]) * per_expert
    if cfg["attention"] == "mha":
        kv = cfg["nLayers"] * 2 * cfg["nHeads"] * (cfg["dModel"] // cfg["nHeads"])
    else:
        kv = cfg["nLayers"] * (cfg["mla"]["kv"] + cfg["mla"]["rope"])
    return {"total": total, "active": total - unused, "kv": kv}


CONFIGS = {
    "dense": {"dModel": 64, "nLayers": 2, "nHeads": 4, "ffnHidden": 128, "attention": "mha", "ffn": "swiglu"},
    "miniV3": {"dModel": 64, "nLayers": 2, "nHeads": 4, "ffnHidden": 32, "attention": "mla",
               "mla": {"q": 32, "kv": 32, "nope": 16, "rope": 8, "v": 16}, "ffn": "moe",
               "moe": {"nExperts": 7, "topK": 3, "nShared": 1}},
    "student": {"dModel": 32, "nLayers": 2, "nHeads": 4, "ffnHidden": 64, "attention": "mha", "ffn": "swiglu"},
}


def outcome(a_right, b_right):
    if a_right and not b_right:
        return "model_a"
    if b_right and not a_right:
        return "model_b"
    return "tie" if a_right else "tie (bothbad)"


def battles_of(names, correct, problems):
    rows = []
    for p, label in enumerate(problems):
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append([names[i], names[j], outcome(correct[i][p], correct[j][p]), label])
    return rows


def bt_mm(rows, tol=1e-13, max_iter=200000):
    """Bradley-Terry by minorization-maximization (Hunter 2004); a tie is half a win each way."""
    names = []
    for a, b, _, _ in rows:
        for m in (a, b):
            if m not in names:
                names.append(m)
    idx = {m: i for i, m in enumerate(names)}
    n = len(names)
    w = np.zeros((n, n))
    for a, b, o, _ in rows:
        i, j = idx[a], idx[b]
        if o == "model_a":
            w[i, j] += 1
        elif o == "model_b":
            w[j, i] += 1
        else:
            w[i, j] += 0.5
            w[j, i] += 0.5
    games = w + w.T
    wins = w.sum(axis=1)
    p = np.ones(n)
    for _ in range(max_iter):
        denom = (games / (p[:, None] + p[None, :])).sum(axis=1)
        new = wins / denom
        new /= np.exp(np.mean(np.log(new)))
        if np.max(np.abs(np.log(new) - np.log(p))) < tol:
            p = new
            break
        p = new
    r = 400.0 * np.log10(p)
    r += 1000.0 - r.mean()
    return names, r.tolist()


def fixtures():
    rng = np.random.default_rng(16)
    names = ["alpha", "beta", "gamma", "delta", "eps"]
    skill = [0.2, 0.4, 0.5, 0.7, 0.9]
    problems = [f"{10 + k}*{20 + k}=" for k in range(40)]
    correct = [[bool(rng.random() < s) for _ in problems] for s in skill]
    rows = battles_of(names, correct, problems)
    order, ratings = bt_mm(rows)
    out = {
        "params": {k: counts(c) for k, c in CONFIGS.items()},
        "table": {"names": names, "problems": problems, "correct": correct, "battles": rows, "bt": dict(zip(order, ratings))},
    }
    committed = os.path.join(ROOT, "datasets", "capstone", "battles.csv")
    if os.path.exists(committed):
        with open(committed, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            assert header == ["model_a", "model_b", "winner", "problem"], header
            crows = [r for r in reader]
        order, ratings = bt_mm(crows)
        out["committed"] = {"battles": len(crows), "bt": dict(zip(order, ratings))}
    return out


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    with open(os.path.join(HERE, "fixtures", "capstone_reference.json"), "w") as f:
        json.dump(fixtures(), f, indent=1)
    print("wrote tests/reference/fixtures/capstone_reference.json")
