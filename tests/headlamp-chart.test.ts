// What the Headlamp chart makes of HeadlampRelease's values and Secret: every OIDC setting must
// reach Headlamp's command line, through the chart's own rules (tests/headlamp-chart.ts).
import * as assert from "assert";
import { HEADLAMP_DEFAULTS, defaultCallbackUrl } from "../components/headlamp/settings";
import { renderSecretData, renderValues } from "../components/headlamp/render";
import { renderChartOidc } from "./headlamp-chart";

const SECRET = "s3cr3t-client-secret-value";
const HOST = "headlamp.example.com";
const ISSUER = "https://auth.example.com/application/o/headlamp/";

function render(usePkce: boolean, callbackUrl = defaultCallbackUrl(HOST)) {
    const data = renderSecretData({ clientId: "headlamp", clientSecret: SECRET, issuerUrl: ISSUER, scopes: HEADLAMP_DEFAULTS.scopes, callbackUrl, usePkce });
    const values = renderValues({
        secretName: "headlamp-oidc",
        host: HOST,
        ingressClassName: "traefik",
        resources: {},
        checksum: "abc",
        callbackUrl,
        usePkce,
    });
    return { data, values, chart: renderChartOidc(values, data) };
}

describe("HeadlampRelease through the Headlamp chart's OIDC rules (stand-in)", () => {
    it("passes the callback URL Authentik allows, so Headlamp does not build one from the request", () => {
        const { chart } = render(false);
        assert.deepStrictEqual(chart.resolvedArgs, [
            "-oidc-client-id=headlamp",
            `-oidc-client-secret=${SECRET}`,
            `-oidc-idp-issuer-url=${ISSUER}`,
            "-oidc-scopes=profile,email,offline_access",
            "-oidc-callback-url=https://headlamp.example.com/oidc-callback",
        ]);
        assert.strictEqual(chart.envFrom, "headlamp-oidc");
    });

    it("passes -oidc-use-pkce=true when PKCE is on, and no PKCE flag when it is off", () => {
        assert.ok(render(true).chart.resolvedArgs.includes("-oidc-use-pkce=true"));
        assert.ok(!render(false).chart.args.some((a) => a.startsWith("-oidc-use-pkce")));
    });

    it("leaves no $(VAR) reference unresolved", () => {
        for (const pkce of [false, true]) {
            const { chart } = render(pkce);
            assert.ok(chart.resolvedArgs.every((a) => !a.includes("$(")), chart.resolvedArgs.join(" "));
        }
    });

    it("renders no second Secret of its own (the chart's default secret.create would render an empty \"oidc\")", () => {
        assert.deepStrictEqual(render(false).chart.chartSecrets, []);
        assert.deepStrictEqual(renderChartOidc({ config: { oidc: { externalSecret: { enabled: true, name: "x", hasScopes: true } } } }, {}).chartSecrets, ["oidc"]);
    });

    it("ignores the Secret's OIDC_CALLBACK_URL and OIDC_USE_PKCE keys unless the values turn their flags on", () => {
        // The rule the values answer: the Secret keys alone reach nothing.
        const { data } = render(true);
        const bare = renderChartOidc({ config: { oidc: { externalSecret: { enabled: true, name: "headlamp-oidc", hasScopes: true } } } }, data);
        assert.ok(!bare.args.some((a) => a.startsWith("-oidc-callback-url") || a.startsWith("-oidc-use-pkce")));
    });

    it("keeps every secret out of the values", () => {
        const { values } = render(true);
        assert.ok(!JSON.stringify(values).includes(SECRET));
    });
});
