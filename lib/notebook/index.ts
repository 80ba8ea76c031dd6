// Public API of lib/notebook (re-exported by lib/index.ts): helpers for the lessons (Node/tslab only).
export { type MimeBundle, inNotebook, displayBundle, newDisplayId } from "./display.js";
export { versions, banner } from "./banner.js";
export { type Numeric, type CheckOptions, type CheckResult, checkClose } from "./check.js";
export { type Progress, progressLine, progress } from "./progress.js";
export {
  type ExerciseSlip, type ExerciseCheck, type ExerciseResult, gradeExercise, exercise, reveal,
  compareAnswer, formatValue, TRIES_BEFORE_REVEAL,
} from "./exercise.js";
export { type Timing, timeIt, matmulGflops } from "./measure.js";
export { type TensorScope, trackTensors } from "./tensors.js";
