/**
 * The tiny trained transformer behind the `LLM` interface, so self-consistency, the HTTP server
 * (`npm run serve`) and the notebook's prompting code treat it like any other model
 * (notebooks/03_chain_of_thought.ipynb).
 *
 * The tiny model has no chat template: the prompt is the last user message's text, verbatim
 * (e.g. "47*83="), and characters outside its alphabet are an error that says so.
 * Sample i of a call uses seed + i, whatever n is; text streams through `onText` token by token,
 * and between tokens the event loop gets a turn (a server stays responsive while it generates).
 */
import { generate } from "../model/sample.js";
import { checkSampleOptions } from "../model/sampleOptions.js";
import { EOS_ID, type CharTokenizer } from "../model/tokenizer.js";
import { deriveSeed } from "../random.js";
import type { TinyTransformer } from "../model/transformer.js";
import { asMessages, PromptError, type Completion, type LLM, type Prompt, type SampleOptions } from "./llm.js";
import { StopFilter } from "./stop.js";

export class TinyLLM implements LLM {
  readonly name: string;
  /** Every call's seed advances, so repeated unseeded calls give different samples. */
  private calls = 0;

  constructor(
    readonly model: TinyTransformer,
    readonly tokenizer: CharTokenizer,
    name = "seeklab-tiny",
  ) {
    this.name = name;
  }

  /** The text the tiny model is fed: the last user message. */
  promptText(prompt: Prompt): string {
    const msgs = asMessages(prompt);
    const user = [...msgs].reverse().find((m) => m.role === "user");
    if (!user) throw new PromptError("TinyLLM: the prompt has no user message");
    const text = user.content.trim();
    if (!this.tokenizer.canEncode(text)) {
      throw new PromptError(`TinyLLM: the tiny model reads only ${JSON.stringify(this.tokenizer.alphabet)}; got ${JSON.stringify(text.slice(0, 60))} (ask it like "47*83=")`);
    }
    return text;
  }

  async complete(prompt: Prompt, opts: SampleOptions = {}): Promise<Completion[]> {
    checkSampleOptions("TinyLLM.complete", opts);
    const n = opts.n ?? 1;
    const text = this.promptText(prompt);
    const room = this.model.config.maxSeqLen - this.tokenizer.encode(text, { bos: true }).length;
    if (room <= 0) throw new PromptError(`TinyLLM: the prompt is ${text.length} characters; this model's context (maxSeqLen ${this.model.config.maxSeqLen}) leaves no room to answer`);
    const onText = opts.onText;
    const filters = Array.from({ length: n }, (_, i) => new StopFilter(opts.stop ?? [], (d) => onText?.(i, d)));
    const gens = await generate(this.model, this.tokenizer, Array<string>(n).fill(text), {
      temperature: opts.temperature ?? (n > 1 ? 1 : 0),
      topK: opts.topK ?? 0,
      topP: opts.topP ?? 1,
      maxNewTokens: opts.maxTokens,
      seed: opts.seed ?? deriveSeed(0, `complete ${++this.calls}`), // a fresh draw per call, reproducible per process
      signal: opts.signal,
      onTokens: async (tokens) => {
        for (const t of tokens) if (t.id !== EOS_ID) filters[t.prompt]!.push(this.tokenizer.decode([t.id]));
        // One turn of the event loop per decode step: other requests (and disconnects) are heard.
        await nextTurn();
      },
    });
    return gens.map((g, i) => {
      const filter = filters[i]!;
      const out = filter.finish();
      return { text: out, completionTokens: g.ids.length, finishReason: filter.stopped || g.finished ? "stop" : "length" };
    });
  }
}

/** Resolves after the event loop has run once (setImmediate in Node, a zero timeout elsewhere). */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
