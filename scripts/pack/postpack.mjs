// After `npm pack` in lib/: remove the datasets copy that prepack.mjs made (the repository's
// datasets/ stays the one source; lib/data.ts finds it from lib/ and lib/dist/).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../common.mjs";

rmSync(join(ROOT, "lib", "datasets"), { recursive: true, force: true });
