/**
 * Multi-step arithmetic word problems from SeekLab's own templates, each with a worked solution
 * in the GSM8K style (steps, then "#### N"). They are what the lesson asks a *real* model
 * (notebooks/03_chain_of_thought.ipynb, optional section): generated fresh from a seed, so they
 * cannot be in anyone's training data verbatim, and their answers are exact.
 */
import { Rng } from "../random.js";

export interface WordProblem {
  /** The template's name, e.g. "shopping". */
  template: string;
  question: string;
  /** The worked solution, one sentence per step. */
  steps: string[];
  /** Steps joined, then "#### N" (GSM8K's answer line). */
  solution: string;
  answer: number;
}

type Template = (rng: Rng) => { question: string; steps: string[]; answer: number };

const NAMES = ["Ana", "Bao", "Chidi", "Dara", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Mira", "Nadia", "Omar", "Priya"];
const FRUITS = ["apples", "oranges", "pears", "lemons", "plums", "mangoes"];

function money(x: number): string {
  return Number.isInteger(x) ? `$${x}` : `$${x.toFixed(2)}`;
}

const TEMPLATES: Record<string, Template> = {
  boxes(rng) {
    const name = rng.pick(NAMES);
    const boxes = rng.intBetween(3, 19);
    const per = rng.intBetween(4, 24);
    const total = boxes * per;
    const given = rng.intBetween(1, total - 1);
    const left = total - given;
    return {
      question: `${name} has ${boxes} boxes with ${per} pencils in each box. ${name} gives away ${given} pencils. How many pencils does ${name} have left?`,
      steps: [`${name} starts with ${boxes} × ${per} = ${total} pencils.`, `After giving away ${given}, ${name} has ${total} − ${given} = ${left} pencils.`],
      answer: left,
    };
  },
  shopping(rng) {
    const name = rng.pick(NAMES);
    const fruit = rng.pick(FRUITS);
    const kilos = rng.intBetween(2, 9);
    const price = rng.intBetween(2, 12);
    const bread = rng.intBetween(2, 6);
    const breadPrice = rng.intBetween(1, 5);
    const paid = 10 * Math.ceil((kilos * price + bread * breadPrice + 1) / 10) + 10 * rng.intBetween(0, 3);
    const cost1 = kilos * price;
    const cost2 = bread * breadPrice;
    const total = cost1 + cost2;
    const change = paid - total;
    return {
      question: `${name} buys ${kilos} kg of ${fruit} at ${money(price)} per kg and ${bread} loaves of bread at ${money(breadPrice)} each. ${name} pays with ${money(paid)}. How much change, in dollars, does ${name} get?`,
      steps: [
        `The ${fruit} cost ${kilos} × ${money(price)} = ${money(cost1)}.`,
        `The bread costs ${bread} × ${money(breadPrice)} = ${money(cost2)}.`,
        `Together that is ${money(cost1)} + ${money(cost2)} = ${money(total)}.`,
        `The change is ${money(paid)} − ${money(total)} = ${money(change)}.`,
      ],
      answer: change,
    };
  },
  speed(rng) {
    const name = rng.pick(NAMES);
    const v1 = 5 * rng.intBetween(8, 20);
    const t1 = rng.intBetween(2, 5);
    const v2 = 5 * rng.intBetween(6, 16);
    const t2 = rng.intBetween(1, 4);
    const d1 = v1 * t1;
    const d2 = v2 * t2;
    return {
      question: `${name} drives for ${t1} hours at ${v1} km per hour, then for ${t2} hours at ${v2} km per hour. How many kilometres does ${name} drive in total?`,
      steps: [`First part: ${t1} × ${v1} = ${d1} km.`, `Second part: ${t2} × ${v2} = ${d2} km.`, `Total: ${d1} + ${d2} = ${d1 + d2} km.`],
      answer: d1 + d2,
    };
  },
  savings(rng) {
    const name = rng.pick(NAMES);
    const weekly = rng.intBetween(5, 40);
    const weeks = rng.intBetween(4, 20);
    const start = rng.intBetween(0, 200);
    const spent = rng.intBetween(1, start + weekly * weeks - 1);
    const saved = start + weekly * weeks;
    return {
      question: `${name} has ${money(start)} and saves ${money(weekly)} every week for ${weeks} weeks, then spends ${money(spent)} on a bicycle. How many dollars does ${name} have now?`,
      steps: [
        `Savings: ${weeks} × ${money(weekly)} = ${money(weekly * weeks)}.`,
        `With the starting money: ${money(start)} + ${money(weekly * weeks)} = ${money(saved)}.`,
        `After the bicycle: ${money(saved)} − ${money(spent)} = ${money(saved - spent)}.`,
      ],
      answer: saved - spent,
    };
  },
  garden(rng) {
    const name = rng.pick(NAMES);
    const rows = rng.intBetween(3, 15);
    const perRow = rng.intBetween(4, 18);
    const eaten = rng.intBetween(1, 9);
    const total = rows * perRow;
    const perPlant = rng.intBetween(2, 6);
    const alive = total - eaten;
    return {
      question: `${name} plants ${rows} rows of tomato plants with ${perRow} plants in each row. Snails eat ${eaten} plants. Each remaining plant gives ${perPlant} tomatoes. How many tomatoes does ${name} harvest?`,
      steps: [
        `${name} plants ${rows} × ${perRow} = ${total} plants.`,
        `${total} − ${eaten} = ${alive} plants survive.`,
        `They give ${alive} × ${perPlant} = ${alive * perPlant} tomatoes.`,
      ],
      answer: alive * perPlant,
    };
  },
  sharing(rng) {
    const friends = rng.intBetween(2, 9);
    const each = rng.intBetween(3, 25);
    const extra = rng.intBetween(0, friends - 1);
    const total = friends * each + extra;
    const name = rng.pick(NAMES);
    return {
      question: `${name} shares ${total} stickers equally among ${friends} friends and keeps whatever is left over. How many stickers does each friend get?`,
      steps: [`${total} ÷ ${friends} = ${each} remainder ${extra}.`, `Each friend gets ${each} stickers.`],
      answer: each,
    };
  },
  discount(rng) {
    const price = 20 * rng.intBetween(2, 30);
    const pct = 5 * rng.intBetween(1, 9);
    const qty = rng.intBetween(2, 6);
    const name = rng.pick(NAMES);
    const off = (price * pct) / 100;
    const unit = price - off;
    return {
      question: `A jacket costs ${money(price)}. It is on sale for ${pct}% off. ${name} buys ${qty} jackets. How much, in dollars, does ${name} pay?`,
      steps: [
        `The discount is ${pct}% of ${money(price)} = ${money(off)}.`,
        `One jacket costs ${money(price)} − ${money(off)} = ${money(unit)}.`,
        `${qty} jackets cost ${qty} × ${money(unit)} = ${money(unit * qty)}.`,
      ],
      answer: Math.round(unit * qty * 100) / 100,
    };
  },
  ages(rng) {
    const a = rng.pick(NAMES);
    let b = rng.pick(NAMES);
    while (b === a) b = rng.pick(NAMES);
    const ageB = rng.intBetween(3, 20);
    const mult = rng.intBetween(2, 4);
    const years = rng.intBetween(2, 15);
    const ageA = ageB * mult;
    return {
      question: `${a} is ${mult} times as old as ${b}. ${b} is ${ageB} years old. How old will ${a} be in ${years} years?`,
      steps: [`${a} is ${mult} × ${ageB} = ${ageA} years old now.`, `In ${years} years ${a} will be ${ageA} + ${years} = ${ageA + years}.`],
      answer: ageA + years,
    };
  },
};

/** The template names, in a fixed order. */
export const WORD_PROBLEM_TEMPLATES: readonly string[] = Object.keys(TEMPLATES);

/** One problem from a named template (or a random one). */
export function wordProblem(rng: Rng, template?: string): WordProblem {
  const name = template ?? rng.pick(WORD_PROBLEM_TEMPLATES);
  const make = TEMPLATES[name];
  if (!make) throw new Error(`wordProblem: unknown template ${JSON.stringify(name)}; known: ${WORD_PROBLEM_TEMPLATES.join(", ")}`);
  const p = make(rng);
  const ans = Number.isInteger(p.answer) ? String(p.answer) : p.answer.toFixed(2);
  return { template: name, ...p, solution: `${p.steps.join(" ")}\n#### ${ans}` };
}

/** `n` seeded word problems, cycling through the templates in a shuffled order. */
export function wordProblems(n: number, seed: number): WordProblem[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`wordProblems: n must be a non-negative integer; got ${n}`);
  const rng = new Rng(seed);
  const order = rng.shuffle(WORD_PROBLEM_TEMPLATES);
  return Array.from({ length: n }, (_, i) => wordProblem(rng, order[i % order.length]));
}
