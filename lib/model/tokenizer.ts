/**
 * A character tokenizer: one token per character of a fixed alphabet, plus three specials.
 * Arithmetic is where sub-word tokenizers hurt most ("3901" may be one token or three), so the
 * tiny model of notebooks/03_chain_of_thought.ipynb sees every digit on its own.
 *
 *   id 0 = <pad>   (never predicted; padded positions carry no loss)
 *   id 1 = <bos>   (starts every sequence)
 *   id 2 = <eos>   (ends every completion; generation stops at it)
 *   id 3… = the alphabet's characters, in order
 */

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
const SPECIALS = ["<pad>", "<bos>", "<eos>"];

/** Digits and the symbols the arithmetic scratchpads use. */
export const ARITHMETIC_ALPHABET = "0123456789+*=;";

export interface TokenizerJSON {
  kind: "char";
  alphabet: string;
}

export class CharTokenizer {
  readonly alphabet: string;
  private readonly index = new Map<string, number>();

  constructor(alphabet: string = ARITHMETIC_ALPHABET) {
    const chars = Array.from(alphabet);
    if (chars.length === 0) throw new Error("CharTokenizer: the alphabet is empty");
    chars.forEach((c, i) => {
      if (this.index.has(c)) throw new Error(`CharTokenizer: ${JSON.stringify(c)} appears twice in the alphabet`);
      this.index.set(c, i + SPECIALS.length);
    });
    this.alphabet = alphabet;
  }

  /** Specials plus characters. */
  get vocabSize(): number {
    return SPECIALS.length + this.index.size;
  }

  /**
   * Text → ids. Throws on a character outside the alphabet (naming it and where it is).
   * @param opts.bos prepend <bos>; opts.eos append <eos>
   */
  encode(text: string, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
    const ids: number[] = opts.bos ? [BOS_ID] : [];
    let pos = 0;
    for (const c of text) {
      const id = this.index.get(c);
      if (id === undefined) {
        throw new Error(`CharTokenizer.encode: ${JSON.stringify(c)} at position ${pos} of ${JSON.stringify(text.slice(0, 40))} is not in the alphabet ${JSON.stringify(this.alphabet)}`);
      }
      ids.push(id);
      pos++;
    }
    if (opts.eos) ids.push(EOS_ID);
    return ids;
  }

  /** Ids → text. Stops at the first <eos> unless `stopAtEos` is false; <pad>/<bos> are skipped. */
  decode(ids: ArrayLike<number>, opts: { stopAtEos?: boolean } = {}): string {
    const stop = opts.stopAtEos ?? true;
    let out = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === EOS_ID) {
        if (stop) break;
        continue;
      }
      if (id === PAD_ID || id === BOS_ID) continue;
      const c = Array.from(this.alphabet)[id - SPECIALS.length];
      if (c === undefined) throw new Error(`CharTokenizer.decode: id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      out += c;
    }
    return out;
  }

  /** The token's text, specials as "<eos>" etc. */
  tokenText(id: number): string {
    return id < SPECIALS.length ? SPECIALS[id]! : (Array.from(this.alphabet)[id - SPECIALS.length] ?? `<${id}?>`);
  }

  /** Whether every character of `text` is in the alphabet. */
  canEncode(text: string): boolean {
    for (const c of text) if (!this.index.has(c)) return false;
    return true;
  }

  toJSON(): TokenizerJSON {
    return { kind: "char", alphabet: this.alphabet };
  }

  static fromJSON(json: TokenizerJSON): CharTokenizer {
    if (!json || json.kind !== "char" || typeof json.alphabet !== "string") {
      throw new Error(`CharTokenizer.fromJSON: expected { kind: "char", alphabet }; got ${JSON.stringify(json)?.slice(0, 80)}`);
    }
    return new CharTokenizer(json.alphabet);
  }
}
