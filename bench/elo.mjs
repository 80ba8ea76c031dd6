// Lesson 4's claim, measured: on 1.7 million simulated battles among 130 models, lib/elo builds the
// win matrix, fits Bradley–Terry and runs 1,000 bootstrap rounds next to the NumPy reference
// (tests/reference/elo_reference.py) on the same battles in the same run, plus the per-battle
// logistic regression that FastChat's older elo_analysis.py ran (NumPy, L-BFGS). Goals: the fit
// in at most half NumPy's time; 1,000 bootstrap rounds in under a second.
//
// Sizes can be shrunk for a quick look: SEEKLAB_ELO_BATTLES=200000 SEEKLAB_ELO_ROUNDS=100.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { OUTCOMES, bootstrapSamples, fitBradleyTerry, ladderSkills, onlineEloArray, quantileSorted, readBattles, simulateBattles, winMatrix } from "seeklab";

const MODELS = 130;
const BATTLES = Number(process.env.SEEKLAB_ELO_BATTLES ?? 1_700_000);
const ROUNDS = Number(process.env.SEEKLAB_ELO_ROUNDS ?? 1000);

/** Battles as int32 header [models, battles], int32 a[], int32 b[], uint8 outcome[]. */
function writeBattles(path, t) {
  const header = new Int32Array([t.models.length, t.length]);
  const buf = Buffer.concat([Buffer.from(header.buffer), Buffer.from(t.a.buffer, t.a.byteOffset, t.a.byteLength), Buffer.from(t.b.buffer, t.b.byteOffset, t.b.byteLength), Buffer.from(t.outcome.buffer, t.outcome.byteOffset, t.outcome.byteLength)]);
  writeFileSync(path, buf);
}

export default {
  name: "elo",
  description: `win matrix, Bradley–Terry fit and ${ROUNDS} bootstrap rounds on ${BATTLES.toLocaleString("en")} battles among ${MODELS} models, vs NumPy (CPU ms, best of 5; both single-threaded)`,
  async run(ctx) {
    ctx.log(`simulating ${BATTLES} battles among ${MODELS} models (10% ties); load average ${loadavg()[0].toFixed(1)} on this machine`);
    const battles = simulateBattles(ladderSkills(MODELS, 1350, 850), BATTLES, { seed: 2025, tieRate: 0.1, bothBadShare: 0.3 });
    const dir = mkdtempSync(join(tmpdir(), "seeklab-elo-bench-"));
    const file = join(dir, "battles.bin");
    writeBattles(file, battles);

    ctx.log("TypeScript: win matrix, fit, bootstrap, online Elo");
    // CPU time, best of several runs, on both sides: both are single-threaded here (the NumPy child
    // runs with one BLAS thread), and on a shared machine CPU time is what load distorts least.
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const best = async (fn, opts = {}) => {
      const runs = opts.runs ?? 5;
      if (opts.warmup !== 0) fn();
      let min = Infinity;
      for (let r = 0; r < runs; r++) { const c0 = cpuMs(); fn(); min = Math.min(min, cpuMs() - c0); }
      return min;
    };
    const tsWin = await best(() => winMatrix(battles));
    const matrix = winMatrix(battles);
    const tsFitMs = await best(() => fitBradleyTerry(matrix, { method: "fast-newton" }));
    const fit = fitBradleyTerry(matrix, { method: "fast-newton" });
    const tsFitTotal = await best(() => fitBradleyTerry(winMatrix(battles), { method: "fast-newton" }));
    let samples;
    const tsBoot = await best(() => { samples = bootstrapSamples(battles, { rounds: ROUNDS, seed: 1 }); }, { warmup: 0, runs: 1 });
    const tsElo = await best(() => onlineEloArray(battles), { runs: 3 });
    // The streaming reader on the same battles as a CSV file (model names, Arena's outcome strings).
    const csv = join(dir, "battles.csv");
    const lines = ["model_a,model_b,winner"];
    for (let i = 0; i < battles.length; i++) lines.push(`${battles.models[battles.a[i]]},${battles.models[battles.b[i]]},${OUTCOMES[battles.outcome[i]]}`);
    writeFileSync(csv, lines.join("\n") + "\n");
    lines.length = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const read = await readBattles(csv);
    const used = process.cpuUsage(c0);
    const readCpu = (used.user + used.system) / 1000;
    const readWall = performance.now() - w0;
    if (read.battles.length !== battles.length) throw new Error(`read back ${read.battles.length} battles, wrote ${battles.length}`);

    const python = join(process.cwd(), ".venv", "bin", "python");
    let ref = null;
    if (existsSync(python)) {
      ctx.log("NumPy reference (same battles, this process's child): fit, bootstrap, per-battle logistic regression");
      const r = spawnSync(python, ["tests/reference/elo_reference.py", "bench", file, String(ROUNDS)], {
        encoding: "utf8", maxBuffer: 64 << 20,
        env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
      });
      if (r.status !== 0) throw new Error(`NumPy reference failed: ${r.stderr}`);
      ref = JSON.parse(r.stdout.trim().split("\n").pop());
    } else {
      ctx.log(`no ${python}: NumPy columns left empty (npm run setup creates the venv)`);
    }
    rmSync(dir, { recursive: true, force: true });
    ctx.log(`load average now ${loadavg()[0].toFixed(1)} (CPU times below are inflated on a busy machine, on both sides)`);

    // Agreement: ratings and bootstrap interval ends against NumPy's.
    const n = fit.models.length;
    let maxDiff = NaN, ciDiff = NaN;
    if (ref) {
      maxDiff = Math.max(...Array.from(fit.ratings, (r, i) => Math.abs(r - ref.ratings[i])));
      const col = new Float64Array(ROUNDS);
      ciDiff = 0;
      for (let i = 0; i < n; i++) {
        for (let r = 0; r < ROUNDS; r++) col[r] = samples.samples[r * n + i];
        col.sort();
        ciDiff = Math.max(ciDiff, Math.abs(quantileSorted(col, 0.025) - ref.bootstrap_lower[i]), Math.abs(quantileSorted(col, 0.975) - ref.bootstrap_upper[i]));
      }
    }
    const row = (step, tsMs, npMs, note) => ({ step, tsCpuMs: tsMs, numpyCpuMs: npMs ?? "n/a", numpyOverTs: npMs ? npMs / tsMs : "n/a", note });
    return [
      row("win matrix (1 pass over battles)", tsWin, ref?.win_matrix_ms, "np.bincount"),
      row("BT fit (Newton on win matrix)", tsFitMs, ref?.bt_fit_ms, `${fit.iterations} iterations (NumPy ${ref?.bt_iterations ?? "?"}); max |TS − NumPy| ${maxDiff.toExponential(1)} pts`),
      row("BT from battles (matrix + fit)", tsFitTotal, ref ? ref.win_matrix_ms + ref.bt_fit_ms : undefined, "what a leaderboard refresh costs"),
      row(`bootstrap, ${ROUNDS} rounds`, tsBoot, ref?.bootstrap_ms, `multinomial over unique outcomes; CI ends within ${ciDiff.toFixed(2)} pts of NumPy's`),
      row("per-battle logistic regression (NumPy) vs TS matrix + fit", tsFitTotal, ref?.logistic_per_battle_ms, ref ? `NumPy L-BFGS, ${ref.logistic_iterations} iterations, ${2 * BATTLES} rows; max diff ${ref.logistic_max_abs_diff.toFixed(3)} pts` : ""),
      row("online Elo, one pass", tsElo, undefined, "order-dependent; for the lesson"),
      row("read the battles from CSV (streaming)", readCpu, undefined, `${(readWall / 1000).toFixed(1)} s wall; ${battles.length} rows → typed arrays, every row checked`),
    ];
  },
};
