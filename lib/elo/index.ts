// Public API of lib/elo (re-exported by lib/core.ts). Lesson: notebooks/04_elo_rankings.ipynb.
// Reading battle files (io.ts) needs Node: lib/index.ts exports it. Solver internals
// (bradleyTerrySolvers.ts, linalg.ts) stay inside lib/elo.
export { type Outcome, type Battle, type Battles, OUTCOMES, SCORE_A, isOutcome, outcomeCode, BattleTable, BattleTableBuilder, toBattleTable } from "./battles.js";
export { type EloOptions, expectedScore, eloUpdate, onlineElo, onlineEloArray } from "./online.js";
export { type WinMatrix, winMatrix, gamesMatrix, winMatrixRows } from "./winMatrix.js";
export {
  type RatingScale, type BradleyTerryOptions, type BradleyTerryFit, type MleProblem, NoMleError,
  bradleyTerry, fitBradleyTerry, mleProblem, pointsPerNat, toRatings,
} from "./bradleyTerry.js";
export {
  type LeaderboardRow, type BootstrapOptions, type BootstrapSamples, type PairOutcomes,
  bootstrapRatings, bootstrapSamples, sandwichRatings, arenaRanks, pairOutcomes, quantileSorted, normalQuantile,
} from "./uncertainty.js";
export { predictedWinRate, leaderboardTable, tiers } from "./leaderboard.js";
export { type SimulateOptions, simulateBattles, ladderSkills } from "./simulate.js";
export { binomial, multinomial, MultinomialSampler } from "./sampling.js";
