// scripts/capstone.mjs --quick: the whole pipeline end to end on tiny budgets, into a temporary
// folder (never datasets/), then resumed: a second run skips every finished stage.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCapstoneBattles } from "../../lib/capstone/battles.js";
import { rateEntrants } from "../../lib/capstone/results.js";

const dir = mkdtempSync(join(tmpdir(), "capstone-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = new URL("../../scripts/capstone.mjs", import.meta.url).pathname;

describe("scripts/capstone.mjs --quick", () => {
  it("writes battles.csv and results.json of the right shape, and resumes", () => {
    const run = () => spawnSync(process.execPath, [script, "--quick", "--held-out", "12", "--jobs", "1", "--work", dir, "--out", dir], { encoding: "utf8", timeout: 300_000, env: { ...process.env, SEEKLAB_BACKEND: "wasm" } });
    const first = run();
    expect(first.status, first.stderr + first.stdout.slice(-2000)).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(results.command).toMatch(/^PROVISIONAL/);
    expect(results.heldOut).toBe(12);
    const n = results.entrants.length;
    expect(n).toBe(16);
    const battles = parseCapstoneBattles(readFileSync(join(dir, "battles.csv"), "utf8"));
    expect(battles.length).toBe(((n * (n - 1)) / 2) * 12);
    const rated = new Map(rateEntrants(battles).map((r) => [r.name, r.elo]));
    for (const e of results.entrants) expect(rated.get(e.name)).toBeCloseTo(e.elo, 9);
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/SFT \[/); // no training bar: every stage was skipped
  }, 600_000);
});
