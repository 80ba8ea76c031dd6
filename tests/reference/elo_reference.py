"""NumPy reference for lib/elo (online Elo, Bradley–Terry, bootstrap, sandwich intervals).

Written independently of the TypeScript library: it only shares the formulas. Two uses:

  .venv/bin/python tests/reference/elo_reference.py
      writes tests/reference/fixtures/elo_reference.json, which tests/elo/reference.test.ts
      compares against with the tolerances stated there;
  .venv/bin/python tests/reference/elo_reference.py bench FILE [ROUNDS]
      times the same algorithms (and a per-battle logistic regression in the style of
      FastChat's older elo_analysis.py) on battles stored by bench/elo.mjs, printing JSON.

Battles are integer arrays: a (model index of A), b (model index of B), outcome
(0 = "model_a", 1 = "model_b", 2 = "tie", 3 = "tie (bothbad)").
"""
import json
import math
import os
import sys
import time

import numpy as np

OUTCOMES = ["model_a", "model_b", "tie", "tie (bothbad)"]
SCORE_A = np.array([1.0, 0.0, 0.5, 0.5])


def online_elo(a, b, outcome, n_models, k=4.0, scale=400.0, base=10.0, init=1000.0):
    """The chess update in the given order, exactly as Chatbot Arena's notebook writes it."""
    r = [init] * n_models
    for i, j, o in zip(a.tolist(), b.tolist(), outcome.tolist()):
        ra, rb = r[i], r[j]
        ea = 1 / (1 + base ** ((rb - ra) / scale))
        eb = 1 / (1 + base ** ((ra - rb) / scale))
        sa = SCORE_A[o]
        r[i] = ra + k * (sa - ea)
        r[j] = rb + k * (1 - sa - eb)
    return np.array(r)


def win_matrix(a, b, outcome, n):
    """W[i, j] = wins of i over j, a tie counting half each way."""
    win_a = outcome == 0
    win_b = outcome == 1
    tie = outcome >= 2
    w = np.bincount(a[win_a] * n + b[win_a], minlength=n * n).astype(np.float64)
    w += np.bincount(b[win_b] * n + a[win_b], minlength=n * n)
    half = 0.5 * np.bincount(a[tie] * n + b[tie], minlength=n * n)
    w += half
    w = w.reshape(n, n)
    return w + half.reshape(n, n).T


def _loglik(w, theta, prior):
    d = theta[:, None] - theta[None, :]
    ll = float(np.sum(w * -np.logaddexp(0.0, -d)))
    if prior > 0:
        ll += 0.5 * prior * float(np.sum(-np.logaddexp(0.0, -theta) - np.logaddexp(0.0, theta)))
    return ll


def bt_newton(w, prior=0.0, tol=1e-10, max_iter=100, theta=None):
    """Newton's method on the win matrix; theta in natural-log units, centred."""
    n = w.shape[0]
    games = w + w.T
    theta = np.zeros(n) if theta is None else theta.copy()
    ll = _loglik(w, theta, prior)
    for it in range(1, max_iter + 1):
        p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # P(i beats j)
        g = w.sum(axis=1) - (games * p).sum(axis=1)
        h = games * p * (1 - p)
        a = np.diag(h.sum(axis=1)) - h
        if prior > 0:
            s = 1 / (1 + np.exp(-theta))
            g += prior * (0.5 - s)
            a += np.diag(prior * s * (1 - s))
        else:
            a += 1.0 / n
        step = np.linalg.solve(a, g)
        t = 1.0
        while True:
            trial = theta + t * step
            ll_trial = _loglik(w, trial, prior)
            if ll_trial >= ll - 1e-12 * abs(ll) or t * np.max(np.abs(step)) < tol:
                break
            t /= 2
        theta, ll = trial, ll_trial
        if t * np.max(np.abs(step)) < tol:
            return theta - theta.mean(), it
    raise RuntimeError("newton did not converge")


def bt_mm(w, tol=1e-12, max_iter=200000):
    """Hunter's MM iteration (no prior)."""
    n = w.shape[0]
    games = w + w.T
    wins = w.sum(axis=1)
    gamma = np.ones(n)
    for it in range(1, max_iter + 1):
        new = wins / (games / (gamma[:, None] + gamma[None, :])).sum(axis=1)
        new /= np.exp(np.mean(np.log(new)))
        if np.max(np.abs(np.log(new) - np.log(gamma))) < tol:
            theta = np.log(new)
            return theta - theta.mean(), it
        gamma = new
    raise RuntimeError("mm did not converge")


def to_ratings(theta, scale=400.0, base=10.0, init=1000.0, anchor=None):
    r = scale / math.log(base) * theta
    if anchor is None:
        return r - r.mean() + init
    idx, rating = anchor
    return r - r[idx] + rating


def pair_outcomes(a, b, outcome, n):
    """Unique outcomes per unordered pair: wins of lo, wins of hi, ties."""
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    lo_won = ((outcome == 0) & (a == lo)) | ((outcome == 1) & (b == lo))
    hi_won = ((outcome == 0) & (a == hi)) | ((outcome == 1) & (b == hi))
    tie = outcome >= 2
    key = lo * n + hi
    c = np.stack([np.bincount(key[m], minlength=n * n) for m in (lo_won, hi_won, tie)], axis=1).astype(np.float64)
    keep = c.sum(axis=1) > 0
    keys = np.nonzero(keep)[0]
    return keys // n, keys % n, c[keep]


def bootstrap_bt(a, b, outcome, n, rounds, seed=0, scale=400.0, base=10.0, init=1000.0):
    """Multinomial resampling of the unique outcomes, each resample refitted by Newton (warm start)."""
    i, j, counts = pair_outcomes(a, b, outcome, n)
    full, _ = bt_newton(win_matrix(a, b, outcome, n))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(a), counts.ravel() / counts.sum(), size=rounds).reshape(rounds, -1, 3)
    out = np.empty((rounds, n))
    for r in range(rounds):
        c = draws[r]
        w = np.zeros((n, n))
        w[i, j] = c[:, 0] + 0.5 * c[:, 2]
        w[j, i] = c[:, 1] + 0.5 * c[:, 2]
        theta, _ = bt_newton(w, tol=1e-2 / (scale / math.log(base)), theta=full)
        out[r] = to_ratings(theta, scale, base, init)
    return out


def sandwich(a, b, outcome, n, scale=400.0, base=10.0, z=1.959963984540054):
    """Half-widths of the 95% sandwich interval for centred ratings."""
    i, j, c = pair_outcomes(a, b, outcome, n)
    theta, _ = bt_newton(win_matrix(a, b, outcome, n))
    p = 1 / (1 + np.exp(theta[j] - theta[i]))
    h = (c.sum(axis=1)) * p * (1 - p)
    s = c[:, 0] * (1 - p) ** 2 + c[:, 1] * p ** 2 + c[:, 2] * (0.5 - p) ** 2

    def laplacian(weights):
        m = np.zeros((n, n))
        np.add.at(m, (i, j), -weights)
        np.add.at(m, (j, i), -weights)
        m[np.diag_indices(n)] = -m.sum(axis=1)
        return m

    bread = np.linalg.pinv(laplacian(h))
    cov = bread @ laplacian(s) @ bread
    centre = np.eye(n) - 1.0 / n
    cov = centre @ cov @ centre
    return z * scale / math.log(base) * np.sqrt(np.diag(cov))


def logistic_per_battle(a, b, outcome, n, scale=400.0, base=10.0, init=1000.0, tol=1e-6, max_iter=500):
    """The per-battle fit most people still run: FastChat's older compute_mle_elo duplicates the
    battles (a win counts twice; a tie once each way), builds one row per battle with +log(base)
    for A and -log(base) for B, and fits an unpenalised logistic regression with L-BFGS. Here the
    design matrix is applied implicitly (two index arrays) because a dense one would not fit in
    memory at benchmark size; the optimizer is a plain L-BFGS with backtracking."""
    lb = math.log(base)
    aa = np.concatenate([a, a])
    bb = np.concatenate([b, b])
    y = np.concatenate([(outcome == 0).astype(np.float64), (outcome == 0).astype(np.float64)])
    y[: len(a)][outcome >= 2] = 1.0  # the first copy of a tie counts for A, the second for B

    def loss_grad(beta):
        z = lb * (beta[aa] - beta[bb])
        loss = float(np.sum(np.logaddexp(0.0, z) - y * z))
        r = 1 / (1 + np.exp(-z)) - y
        g = lb * (np.bincount(aa, r, minlength=n) - np.bincount(bb, r, minlength=n))
        return loss, g

    beta = np.zeros(n)
    f, g = loss_grad(beta)
    s_hist, y_hist = [], []
    for it in range(1, max_iter + 1):
        q = g.copy()
        alphas = []
        for s, yv in reversed(list(zip(s_hist, y_hist))):
            al = s @ q / (yv @ s)
            alphas.append(al)
            q -= al * yv
        if s_hist:
            q *= (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1])
        else:
            q /= max(1.0, np.max(np.abs(g)))
        for (s, yv), al in zip(zip(s_hist, y_hist), reversed(alphas)):
            q += s * (al - yv @ q / (yv @ s))
        d = -q
        t = 1.0
        while True:
            f_new, g_new = loss_grad(beta + t * d)
            if f_new <= f + 1e-4 * t * (g @ d) or t < 1e-10:
                break
            t /= 2
        s_hist.append(t * d)
        y_hist.append(g_new - g)
        if len(s_hist) > 10:
            s_hist.pop(0)
            y_hist.pop(0)
        beta, f, g = beta + t * d, f_new, g_new
        if np.max(np.abs(g)) < tol * len(aa) / n:
            break
    return scale * (beta - beta.mean()) + init, it


# ------------------------------------------------------------------------------------------
def simulate(skills, count, tie_rate, seed):
    rng = np.random.default_rng(seed)
    m = len(skills)
    a = rng.integers(0, m, count)
    b = (a + rng.integers(1, m, count)) % m
    p = 1 / (1 + 10 ** ((skills[b] - skills[a]) / 400))
    u = rng.random(count)
    outcome = np.where(rng.random(count) < p, 0, 1)
    tie = u < tie_rate
    outcome[tie] = np.where(rng.random(count)[tie] < 0.3, 3, 2)
    return a, b, outcome


def fixtures():
    models = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    skills = np.array([1250.0, 1150.0, 1100.0, 1000.0, 950.0, 800.0])
    a, b, o = simulate(skills, 400, 0.2, seed=7)
    n = len(models)
    w = win_matrix(a, b, o, n)
    theta_n, it_n = bt_newton(w)
    theta_m, it_m = bt_mm(w)
    theta_p, _ = bt_newton(w, prior=2.0)
    boot = bootstrap_bt(a, b, o, n, rounds=2000, seed=1)
    # A second, larger set for bootstrap-versus-bootstrap comparison (less Monte Carlo noise).
    a2, b2, o2 = simulate(skills, 3000, 0.1, seed=11)
    boot2 = bootstrap_bt(a2, b2, o2, n, rounds=4000, seed=2)
    return {
        "generator": "tests/reference/elo_reference.py",
        "models": models,
        "battles": [[int(x), int(y), int(z)] for x, y, z in zip(a, b, o)],
        "online_elo": online_elo(a, b, o, n).tolist(),
        "online_elo_k32_scale200": online_elo(a, b, o, n, k=32, scale=200, init=1500).tolist(),
        "online_elo_reversed": online_elo(a[::-1], b[::-1], o[::-1], n).tolist(),
        "win_matrix": w.tolist(),
        "bt_ratings": to_ratings(theta_n).tolist(),
        "bt_mm_ratings": to_ratings(theta_m).tolist(),
        "bt_anchor_ratings": to_ratings(theta_n, anchor=(3, 1200.0)).tolist(),
        "bt_prior2_ratings": to_ratings(theta_p).tolist(),
        "bt_base_e_scale1": to_ratings(theta_n, scale=1.0, base=math.e, init=0.0).tolist(),
        "sandwich_halfwidth": sandwich(a, b, o, n).tolist(),
        "bootstrap": {
            "lower": np.quantile(boot, 0.025, axis=0).tolist(),
            "upper": np.quantile(boot, 0.975, axis=0).tolist(),
            "median": np.quantile(boot, 0.5, axis=0).tolist(),
        },
        "large": {
            "battles": [[int(x), int(y), int(z)] for x, y, z in zip(a2, b2, o2)],
            "lower": np.quantile(boot2, 0.025, axis=0).tolist(),
            "upper": np.quantile(boot2, 0.975, axis=0).tolist(),
            "sandwich_halfwidth": sandwich(a2, b2, o2, n).tolist(),
        },
        "iterations": {"newton": it_n, "mm": it_m},
    }


def bench(path, rounds):
    """Times each algorithm on battles written by bench/elo.mjs (header: n_models, n_battles as
    int32, then a int32[N], b int32[N], outcome uint8[N])."""
    with open(path, "rb") as f:
        n, count = np.frombuffer(f.read(8), dtype=np.int32)
        a = np.frombuffer(f.read(4 * count), dtype=np.int32).astype(np.int64)
        b = np.frombuffer(f.read(4 * count), dtype=np.int32).astype(np.int64)
        o = np.frombuffer(f.read(count), dtype=np.uint8)
    n = int(n)
    out = {}

    def timed(name, fn, repeat=5):
        # CPU time (this process, one BLAS thread when run from the bench), best of `repeat`.
        best = None
        fn()  # warm-up, as on the TypeScript side
        for _ in range(repeat):
            t0 = time.process_time()
            value = fn()
            dt = (time.process_time() - t0) * 1000
            best = dt if best is None else min(best, dt)
        out[name + "_ms"] = best
        return value

    def timed_once(name, fn):
        t0 = time.process_time()
        value = fn()
        out[name + "_ms"] = (time.process_time() - t0) * 1000
        return value

    w = timed("win_matrix", lambda: win_matrix(a, b, o, n))
    theta, it = timed("bt_fit", lambda: bt_newton(w, tol=1e-6 / (400 / math.log(10))))
    out["bt_iterations"] = it
    ratings = to_ratings(theta)
    boot = timed_once("bootstrap", lambda: bootstrap_bt(a, b, o, n, rounds))
    out["bootstrap_rounds"] = rounds
    lr, lr_it = timed_once("logistic_per_battle", lambda: logistic_per_battle(a, b, o, n))
    out["logistic_iterations"] = lr_it
    out["logistic_max_abs_diff"] = float(np.max(np.abs(lr - ratings)))
    out["ratings"] = ratings.tolist()
    out["bootstrap_lower"] = np.quantile(boot, 0.025, axis=0).tolist()
    out["bootstrap_upper"] = np.quantile(boot, 0.975, axis=0).tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        os.makedirs(os.path.join(here, "fixtures"), exist_ok=True)
        target = os.path.join(here, "fixtures", "elo_reference.json")
        with open(target, "w") as f:
            json.dump(fixtures(), f)
        print("wrote", target)
