// Public API of lib/hardware (re-exported by lib/core.ts). Lessons: notebooks/05a_hardware_and_cost.ipynb,
// notebooks/05b_scaling_and_jevons.ipynb.
export {
  type Gpu, type GpuSource, type GpuTable, type Precision, validateGpuTable, loadGpuTable, gpuById,
  peakTFLOPS, GPU_NUMERIC_FIELDS,
} from "./gpus.js";
export {
  type Operation, type RooflineMachine, type RooflinePoint, arithmeticIntensity, ridgePoint,
  attainableTFLOPS, roofline, matmulOp, attentionDecodeFlopsPerLayer, attentionDecodeOp,
  expectedDistinctExperts, moeExpertsOp,
} from "./roofline.js";
export {
  type ServingModel, type GpuGroup, type DecodeBound, type CapacityPlan, type ServingConfigFields,
  weightBytes, weightBytesReadPerStep, decodeBound, planKvCapacity, servingModelFromConfig,
  loadDeepSeekV3Serving,
} from "./serving.js";
export {
  type TrainingEstimate, trainingFlops, attentionTrainingFlopsPerToken, gpuHoursFor, trainingCostUSD,
  wallClockDays, impliedMfu, estimateTraining, DEEPSEEK_V3_REPORTED, LLAMA_31_405B_REPORTED,
} from "./training.js";
export {
  type ChinchillaFit, type ComputeOptimal, type ComputeMultiplierEffect, type PowerLawFit,
  chinchillaLoss, computeOptimal, computeMultiplierEffect, fitPowerLaw, fitPowerLawWithOffset,
  evalPowerLaw, CHINCHILLA_HOFFMANN_2022, CHINCHILLA_BESIROGLU_2024,
} from "./scaling.js";
export { type JevonsOutcome, jevonsOutcome, jevonsScenarios, jevonsThreshold } from "./jevons.js";
export {
  type ClaimSource, type ApiPriceRow, type RentalPoint, type ComputeKind, type ArenaComputeRow,
  type Announcements, type ClaimsData, validateClaimsData, loadClaimsData, rowComputeFLOP,
  requestCostUSD, eloWinProbability, fitLogLinear, fractionalYear,
} from "./claims.js";
export { type ClaimFigures, claimFigures, EXAMPLE_REASONING_REQUEST } from "./claimFigures.js";
export {
  type ScalingStudySpec, type ScalingRun, type ScalingStudy, heldOutLoss, runScalingStudy,
  writeScalingStudy, DEFAULT_SCALING_STUDY,
} from "./scalingStudy.js";
