// Public API of lib/reasoning (re-exported by lib/index.ts). Lesson: notebooks/03_chain_of_thought.ipynb.
export {
  type ArithmeticOp, type ArithmeticProblem, type AnswerStyle, type ArithmeticSetOptions,
  randomWithDigits, multiplicationScratchpad, additionScratchpad, arithmeticProblem, arithmeticProblems,
  problemKey, problemStream, completionFor, checkScratchpad,
} from "./problems.js";
export { type WordProblem, wordProblem, wordProblems, WORD_PROBLEM_TEMPLATES } from "./wordProblems.js";
export { numbersIn, parseNumber, boxedContents, splitThinking, extractAnswer } from "./extract.js";
export {
  type ChatRole, type ChatMessage, type Prompt, type SampleOptions, type Completion, type LLM,
  asMessages, flattenPrompt, estimateTokens, PromptError,
} from "./llm.js";
export {
  type Exemplar, type PromptStyle, directPrompt, fewShotPrompt, fewShotCoTPrompt, zeroShotCoTPrompt,
  zeroShotCoTAnswerPrompt, zeroShotCoT, r1Prompt, hasR1Format, buildPrompt, answerOf, ZERO_SHOT_TRIGGER,
  ANSWER_TRIGGER,
} from "./prompts.js";
export {
  type Vote, type SelfConsistencyResult, type ConsistencyPoint, majorityVote, selfConsistency,
  selfConsistencyCurve, wilsonInterval,
} from "./vote.js";
export {
  type OpenAIClientOptions, type StreamDelta, openAIConfigured, LLMRequestError, OpenAIClient,
} from "./openai.js";
export { type ServerFaults, type ServeOptions, type RunningServer, serveOpenAI } from "./server.js";
export {
  type ArithmeticTask, type TaskSpec, type TrainTinyOptions, type TinyRun, type ArithmeticEval, taskOp,
  taskDigits, heldOutProblems, trainTinyModel, evaluateArithmetic, DEFAULT_TINY_CONFIG,
} from "./experiments.js";
export {
  type CotRunRecord, type CotRLRecord, type CotResults, loadCotResults, loadCotCheckpoint,
} from "./cotResults.js";
export {
  type GRPOLossOptions, type GRPOProblem, type GRPOStepInfo, type GRPOOptions, groupAdvantages,
  correctnessReward, scratchpadFormatReward, grpoLoss, tokenLogProbs, grpoTrain,
} from "./grpo.js";
export { TinyLLM } from "./tinyLLM.js";
export { isLoopback } from "./serverGuard.js";
export { stopCut, StopFilter } from "./stop.js";
export { numberTokens, type NumberToken } from "./numbers.js";
export {
  type DigitChainProblem, type DigitChainEval, digitChain, digitChainStream, digitChainProblems, evaluateDigitChain,
} from "./digitChain.js";
