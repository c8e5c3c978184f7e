// The package's public API is a chosen list, recorded in etc/headlamp-sso.api.md: every name
// `require("headlamp-sso")` and `require("headlamp-sso/program")` give, its kind and shape. `npm
// test`'s type-check fails when the sources and that file differ (tests/static-checks.js, over the
// program it has checked; `npm run api-report -- --check` alone). These tests hold the committed
// file to what the package gives at run time and to the choice it records.
import * as assert from "assert";
import * as fs from "fs";
import { REPORT_FILE, REWRITE } from "./api-report";

/** The committed report's entries of one entry point: `<kind> <name>` lines and their shape lines. */
function reported(entry: string): Array<{ kind: string; name: string; shape: string[] }> {
    const text = fs.readFileSync(REPORT_FILE, "utf8");
    const section = text.split(`\n## ${entry}\n`)[1]?.split("```ts\n")[1]?.split("\n```")[0];
    assert.ok(section !== undefined, `etc/headlamp-sso.api.md has no section for ${entry}. ${REWRITE}`);
    const out: Array<{ kind: string; name: string; shape: string[] }> = [];
    for (const line of section.split("\n")) {
        const head = /^(.+?) (\S+)(?: \{)?$/.exec(line);
        if (!line.startsWith(" ") && line !== "}" && head) {
            out.push({ kind: head[1], name: head[2], shape: [] });
        } else if (line.startsWith("    ")) {
            out[out.length - 1].shape.push(line.trim());
        }
    }
    return out;
}

/** Whether a kind has a run-time value (not only a type). */
const isValue = (kind: string) => /^(class|function|const|enum|namespace)\b/.test(kind);

describe("public API (etc/headlamp-sso.api.md)", function () {
    it("headlamp-sso exports at run time exactly the report's values: the components, enums, defaults and the Authentik SDK", function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const runtime = Object.keys(require("../components") as object).sort();
        const values = reported("headlamp-sso").filter((e) => isValue(e.kind)).map((e) => e.name).sort();
        assert.deepStrictEqual(runtime, values, `require("headlamp-sso") and the report disagree. ${REWRITE}`);
        assert.deepStrictEqual(values, [
            "AUTHENTIK_DEFAULTS", "AuthentikOidcApp", "HEADLAMP_DEFAULTS", "HeadlampRelease", "K3S_OIDC_DEFAULTS",
            "K3sAuthConfigApiVersion", "K3sDistribution", "K3sOidcApiServer", "K3sOidcMode", "K3sServiceManager", "authentik",
        ]);
    });

    it("headlamp-sso/program exports exactly deployHeadlampSso and its outputs type", function () {
        assert.deepStrictEqual(reported("headlamp-sso/program").map((e) => `${e.kind} ${e.name}`), ["function deployHeadlampSso", "interface HeadlampSsoOutputs"]);
    });

    it("no validation helper is part of the public API (the package's code imports them from components/validation)", function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const helpers = Object.keys(require("../components/validation") as object);
        const exported = new Set(reported("headlamp-sso").map((e) => e.name));
        assert.deepStrictEqual(helpers.filter((name) => exported.has(name)), []);
    });

    it("every args interface a component's constructor takes, and every interface nested in them, is exported", function () {
        // A TypeScript user must be able to name each args type (to build args in a function).
        const entries = reported("headlamp-sso");
        const exported = new Set(entries.map((e) => e.name));
        const referenced = entries.flatMap((e) => e.shape).flatMap((line) => line.match(/\b(?:[A-Z][A-Za-z0-9]*Args|K3sServer)\b/g) ?? []);
        const external = new Set(["ProxyConnectionArgs"]); // @pulumi/command's
        assert.deepStrictEqual([...new Set(referenced)].filter((name) => !exported.has(name) && !external.has(name)), [],
            `export these from components/index.ts (export type { ... }), then run \`npm run api-report\``);
    });
});
