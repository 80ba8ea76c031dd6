// Public API of lib/capstone (re-exported by lib/core.ts). Lesson: notebooks/06_mini_deepseek.ipynb.
export {
  type ParamBreakdown, CAPSTONE_VOCAB, CAPSTONE_MAX_SEQ, DENSE_CONFIG, MINI_V3_CONFIG, STUDENT_CONFIG,
  paramBreakdown, totalParams, activeParams, kvElementsPerToken,
} from "./entrants.js";
export { type BalancePoint, type EntrantTrainOptions, type EntrantTrainResult, trainEntrant } from "./train.js";
export { type ArenaProblem, type Verdict, verify, wellFormedScratchpad, ruleReward } from "./verifier.js";
export { type CapstoneBattle, BATTLES_HEADER, judgeBattle, buildBattles, battlesToCsv, parseCapstoneBattles } from "./battles.js";
export {
  type CapstoneKind, type CapstoneEntrant, type CapstoneResults, type EntrantRating, type RateOptions, CAPSTONE_RATING,
  rateEntrants, loadCapstoneResults, loadCapstoneBattles,
} from "./results.js";
