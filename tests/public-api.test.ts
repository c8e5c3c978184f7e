// The package's public API is a chosen list, recorded in etc/headlamp-sso.api.md: every name
// `require("headlamp-sso")` and `require("headlamp-sso/program")` give, its kind and shape. A
// change of the surface (a new export, a renamed arg, a removed output) fails here until the report
// is rewritten (`npm run api-report`) and committed, so it is reviewed as an API change.
import * as assert from "assert";
import * as fs from "fs";
import { apiOf, renderReport, REPORT_FILE } from "./api-report";

const REWRITE = "If the change is intended, run `npm run api-report` and commit etc/headlamp-sso.api.md with it (review its diff: every exported name is a promise to library users).";

describe("public API (etc/headlamp-sso.api.md)", function () {
    this.timeout(60_000);
    let api: ReturnType<typeof apiOf>;

    before(function () {
        api = apiOf();
    });

    it("the package's entry points export exactly what the committed report records", function () {
        assert.strictEqual(renderReport(api), fs.readFileSync(REPORT_FILE, "utf8"), `The public API differs from etc/headlamp-sso.api.md. ${REWRITE}`);
    });

    it("headlamp-sso exports at run time exactly the report's values: the components, enums, defaults and the Authentik SDK", function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const runtime = Object.keys(require("../components") as object).sort();
        const values = api["headlamp-sso"].filter((e) => e.value).map((e) => e.name).sort();
        assert.deepStrictEqual(runtime, values, `require("headlamp-sso") and the report disagree. ${REWRITE}`);
        assert.deepStrictEqual(values, [
            "AUTHENTIK_DEFAULTS", "AuthentikOidcApp", "HEADLAMP_DEFAULTS", "HeadlampRelease", "K3S_OIDC_DEFAULTS",
            "K3sAuthConfigApiVersion", "K3sDistribution", "K3sOidcApiServer", "K3sOidcMode", "K3sServiceManager", "authentik",
        ]);
    });

    it("no validation helper is part of the public API (the package's code imports them from components/validation)", function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const helpers = Object.keys(require("../components/validation") as object);
        const exported = new Set(api["headlamp-sso"].map((e) => e.name));
        assert.deepStrictEqual(helpers.filter((name) => exported.has(name)), []);
    });

    it("every args interface a component's constructor takes, and every interface nested in them, is exported", function () {
        // A TypeScript user must be able to name each args type (to build args in a function).
        const entries = api["headlamp-sso"];
        const exported = new Set(entries.map((e) => e.name));
        const referenced = entries.flatMap((e) => e.shape).flatMap((line) => line.match(/\b(?:[A-Z][A-Za-z0-9]*Args|K3sServer)\b/g) ?? []);
        const external = new Set(["ProxyConnectionArgs", "ComponentResourceOptions"]); // @pulumi/command's, @pulumi/pulumi's
        assert.deepStrictEqual([...new Set(referenced)].filter((name) => !exported.has(name) && !external.has(name)), []);
    });
});
