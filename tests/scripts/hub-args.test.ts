// npm run hub must refuse to start without a workshop password, and refuse to listen beyond this
// machine without TLS unless told --insecure. (The hub itself is tested by npm run test:hub.)
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { parseHubArgs } from "../../scripts/hub.mjs";

const env = { SEEKLAB_HUB_PASSWORD: "a-workshop-secret" };

describe("npm run hub: options (scripts/hub.mjs)", () => {
  it("defaults to 3 learners on 127.0.0.1:8000", () => {
    const o = parseHubArgs([], env);
    expect([o.ip, o.port, o.learners]).toEqual(["127.0.0.1", 8000, ["learner1", "learner2", "learner3"]]);
    expect(parseHubArgs(["--users", "5", "--port", "9000"], env).learners).toHaveLength(5);
  });

  it("refuses without a password, with a short one, and off-loopback without TLS or --insecure", () => {
    expect(() => parseHubArgs([], {})).toThrow("set the workshop password first");
    expect(() => parseHubArgs([], { SEEKLAB_HUB_PASSWORD: "short" })).toThrow("at least 8 characters");
    expect(() => parseHubArgs(["--ip", "0.0.0.0"], env)).toThrow("--ssl-cert FILE --ssl-key FILE, or --insecure");
    expect(parseHubArgs(["--ip", "0.0.0.0", "--insecure"], env).ip).toBe("0.0.0.0");
    expect(parseHubArgs(["--ip", "10.0.0.5", "--ssl-cert", "c.pem", "--ssl-key", "k.pem"], env).sslCert).toBe("c.pem");
    expect(() => parseHubArgs(["--ip", "10.0.0.5", "--ssl-cert", "c.pem"], env)).toThrow("go together");
    expect(() => parseHubArgs(["--users", "0"], env)).toThrow("--users must be a whole number from 1 to 200; got 0");
    expect(() => parseHubArgs(["--bogus"], env)).toThrow("unknown option --bogus");
  });
});
