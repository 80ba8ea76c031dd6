// lib/capstone/battles.ts: every pair, every problem, Arena's four outcomes, in a fixed order —
// against rows written by hand and against the NumPy reference (tests/reference/capstone_reference.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BATTLES_HEADER, battlesToCsv, buildBattles, judgeBattle, parseCapstoneBattles } from "../../lib/capstone/battles.js";

const ref = JSON.parse(readFileSync(new URL("../reference/fixtures/capstone_reference.json", import.meta.url), "utf8"));

describe("capstone battle builder", () => {
  it("judges Arena's four outcomes", () => {
    expect(judgeBattle(true, false)).toBe("model_a");
    expect(judgeBattle(false, true)).toBe("model_b");
    expect(judgeBattle(true, true)).toBe("tie");
    expect(judgeBattle(false, false)).toBe("tie (bothbad)");
  });

  it("three entrants on two problems give these six rows, in this order", () => {
    const rows = buildBattles(["dense", "mini-V3", "mini-R1"], [[true, false], [false, false], [true, true]], ["12*34=", "56*78="]);
    expect(rows).toEqual([
      { modelA: "dense", modelB: "mini-V3", winner: "model_a", problem: "12*34=" },
      { modelA: "dense", modelB: "mini-R1", winner: "tie", problem: "12*34=" },
      { modelA: "mini-V3", modelB: "mini-R1", winner: "model_b", problem: "12*34=" },
      { modelA: "dense", modelB: "mini-V3", winner: "tie (bothbad)", problem: "56*78=" },
      { modelA: "dense", modelB: "mini-R1", winner: "model_b", problem: "56*78=" },
      { modelA: "mini-V3", modelB: "mini-R1", winner: "model_b", problem: "56*78=" },
    ]);
    expect(battlesToCsv(rows)).toBe(
      [
        BATTLES_HEADER,
        "dense,mini-V3,model_a,12*34=",
        "dense,mini-R1,tie,12*34=",
        "mini-V3,mini-R1,model_b,12*34=",
        "dense,mini-V3,tie (bothbad),56*78=",
        "dense,mini-R1,model_b,56*78=",
        "mini-V3,mini-R1,model_b,56*78=",
      ].join("\n") + "\n",
    );
  });

  it("matches the NumPy reference on a seeded 5 × 40 correctness table", () => {
    const t = ref.table;
    const rows = buildBattles(t.names, t.correct, t.problems);
    expect(rows.map((b) => [b.modelA, b.modelB, b.winner, b.problem])).toEqual(t.battles);
  });

  it("CSV round trip, with quoting of a problem that holds a comma", () => {
    const rows = buildBattles(["a", "b"], [[true], [false]], ['Ana has 3 boxes, "big" ones.']);
    const text = battlesToCsv(rows);
    expect(text.split("\n")[1]).toBe('a,b,model_a,"Ana has 3 boxes, ""big"" ones."');
    expect(parseCapstoneBattles(text)).toEqual(rows);
  });

  it("rejects bad input, naming what is wrong", () => {
    expect(() => buildBattles(["a"], [[true]], ["p"])).toThrow(/at least 2 names/);
    expect(() => buildBattles(["a", "a"], [[true], [true]], ["p"])).toThrow(/distinct/);
    expect(() => buildBattles(["a", "b"], [[true], [true, false]], ["p"])).toThrow(/correct\[1\] \(b\) must have 1 entries/);
    expect(() => buildBattles(["a", "b"], [[true], [1 as unknown as boolean]], ["p"])).toThrow(/correct\[1\]\[0\] must be a boolean/);
    expect(() => parseCapstoneBattles("a,b,c\n")).toThrow(/line 1 must be "model_a,model_b,winner,problem"/);
    expect(() => parseCapstoneBattles(`${BATTLES_HEADER}\na,b,draw,p\n`)).toThrow(/line 2: unknown outcome "draw"/);
    expect(() => parseCapstoneBattles(`${BATTLES_HEADER}\na,b,tie\n`)).toThrow(/line 2: expected 4 fields/);
  });
});
