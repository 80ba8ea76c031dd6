/**
 * The tiny trained transformer behind the `LLM` interface, so self-consistency, the HTTP server
 * (`npm run serve`) and the notebook's prompting code treat it like any other model
 * (notebooks/03_chain_of_thought.ipynb).
 *
 * The tiny model has no chat template: the prompt is the last user message's text, verbatim
 * (e.g. "47*83="), and characters outside its alphabet are an error that says so.
 */
import { generate } from "../model/sample.js";
import { deriveSeed } from "../random.js";
import type { CharTokenizer } from "../model/tokenizer.js";
import type { TinyTransformer } from "../model/transformer.js";
import { asMessages, PromptError, type Completion, type LLM, type Prompt, type SampleOptions } from "./llm.js";

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
    const n = opts.n ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new Error(`TinyLLM.complete: n must be a positive integer; got ${n}`);
    const text = this.promptText(prompt);
    const gens = await generate(this.model, this.tokenizer, Array<string>(n).fill(text), {
      temperature: opts.temperature ?? (n > 1 ? 1 : 0),
      topK: opts.topK ?? 0,
      maxNewTokens: opts.maxTokens,
      seed: opts.seed ?? deriveSeed(0, `complete ${++this.calls}`), // a fresh draw per call, reproducible per process
    });
    return gens.map((g) => {
      let out = g.text;
      let finishReason = g.finished ? "stop" : "length";
      for (const s of opts.stop ?? []) {
        const i = s ? out.indexOf(s) : -1;
        if (i >= 0) {
          out = out.slice(0, i);
          finishReason = "stop";
        }
      }
      return { text: out, completionTokens: g.ids.length, finishReason };
    });
  }
}
