"""NumPy oracle for lib/model: AdamW (decoupled weight decay, bias correction, global-norm
clipping) and the masked next-token cross-entropy. Writes tests/reference/fixtures/model_reference.json.

Run: .venv/bin/python tests/reference/model_reference.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(3)

# --- AdamW: two steps on a [3, 4] matrix and a [4] gain (the gain is not decayed) ---------------
w0 = rng.normal(size=(3, 4))
g0 = rng.normal(size=(4,))
grads = [(rng.normal(size=(3, 4)), rng.normal(size=(4,))) for _ in range(2)]
lr, b1, b2, eps, wd, clip = 0.01, 0.9, 0.95, 1e-8, 0.1, 1.5

w, g = w0.copy(), g0.copy()
m = [np.zeros_like(w), np.zeros_like(g)]
v = [np.zeros_like(w), np.zeros_like(g)]
for t, (dw, dg) in enumerate(grads, start=1):
    norm = np.sqrt((dw ** 2).sum() + (dg ** 2).sum())
    scale = min(1.0, clip / (norm + 1e-6))
    new = []
    for i, (p, d, decay) in enumerate([(w, dw, True), (g, dg, False)]):
        d = d * scale
        m[i] = b1 * m[i] + (1 - b1) * d
        v[i] = b2 * v[i] + (1 - b2) * d * d
        mh = m[i] / (1 - b1 ** t)
        vh = v[i] / (1 - b2 ** t)
        upd = mh / (np.sqrt(vh) + eps) + (wd * p if decay else 0)
        new.append(p - lr * upd)
    w, g = new

# --- masked cross-entropy ------------------------------------------------------------------------
logits = rng.normal(size=(2, 3, 5))
targets = rng.integers(0, 5, size=(2, 3))
mask = np.array([[0, 1, 1], [1, 0, 0]], dtype=float)
logp = logits - logits.max(-1, keepdims=True)
logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
picked = np.take_along_axis(logp, targets[..., None], -1)[..., 0]
ce = -(picked * mask).sum() / mask.sum()

out = {
    "adamw": {
        "lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weightDecay": wd, "clipNorm": clip,
        "w0": w0.tolist(), "g0": g0.tolist(),
        "grads": [[dw.tolist(), dg.tolist()] for dw, dg in grads],
        "w2": w.tolist(), "g2": g.tolist(),
    },
    "crossEntropy": {"logits": logits.tolist(), "targets": targets.tolist(), "mask": mask.tolist(), "loss": ce},
}
path = os.path.join(os.path.dirname(__file__), "fixtures", "model_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
