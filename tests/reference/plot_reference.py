"""NumPy oracle for lib/plot/band.ts: the centred moving average with windows cut at the ends, and
the mean ± s.d. band of several runs (sample s.d., ddof=1) or of one run (s.d. inside the window).
Writes tests/reference/fixtures/plot_reference.json.

Run: .venv/bin/python tests/reference/plot_reference.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(14)


def moving_average(y, window):
    # centred: `left` points before, `right` after (an even window takes one more on the left)
    left = window // 2
    right = window - 1 - left
    out = []
    for i in range(len(y)):
        seg = y[max(0, i - left): min(len(y), i + right + 1)]
        out.append(float(np.mean(seg)))
    return np.array(out)


runs = (np.linspace(0, 1, 60)[None, :] + rng.normal(0, 0.3, size=(4, 60))).round(6)
single = runs[0]
cases = []
for window in [1, 4, 7]:
    smooth = np.stack([moving_average(r, window) for r in runs])
    mean = smooth.mean(axis=0)
    sd = smooth.std(axis=0, ddof=1)
    m1 = moving_average(single, window)
    sd1 = np.sqrt(np.maximum(0, moving_average(single ** 2, window) - m1 ** 2))
    cases.append({
        "window": window,
        "movingAverage": m1.tolist(),
        "multi": {"mean": mean.tolist(), "lower": (mean - sd).tolist(), "upper": (mean + sd).tolist()},
        "single": {"lower": (m1 - sd1).tolist(), "upper": (m1 + sd1).tolist()},
    })

out = {"runs": runs.tolist(), "cases": cases}
path = os.path.join(os.path.dirname(__file__), "fixtures", "plot_reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path)
