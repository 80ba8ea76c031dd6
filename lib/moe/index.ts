// Public API of lib/moe (re-exported by lib/core.ts). Lesson: notebooks/02_mixture_of_experts.ipynb.
export {
  type GateConfig, type RouteResult, validateGateConfig, gateScores, selectExperts, combineWeights,
  route, disposeRoute,
} from "./gate.js";
export {
  type MoEWeights, type DispatchPlan, type MoEForwardOptions, type MoEOutput, type MoEInitOptions,
  expertCapacity, planDispatch, dispatchCombine, moeForwardWithStats, moeForward, denseCombine,
  moeForwardDense, initMoEWeights, disposeMoEWeights,
} from "./moe.js";
export {
  expertLoad, expertLoadOf, maxVio, switchAuxLoss, sequenceBalanceLoss, updateRoutingBias,
} from "./balance.js";
export {
  type MoEModelShape, type ParamCounts, mlaParamCount, moeParamCounts, moeModelShape,
} from "./params.js";
export {
  type BalanceMode, type BalanceExperimentConfig, arithmeticTable, trainBalanceRun,
  runBalanceExperiment, BALANCE_MODES, ARITH_FAMILIES, DEFAULT_BALANCE_EXPERIMENT,
} from "./experiment.js";
export {
  type BalanceRunResult, type BalanceExperimentResult, loadBalanceExperiment, saveBalanceExperiment,
} from "./balanceResults.js";
