// What the Headlamp chart makes of HeadlampRelease's values and Secret: every OIDC setting must
// reach Headlamp's command line, through the chart's own rules (tests/headlamp-chart.ts).
import * as assert from "assert";
import { HEADLAMP_DEFAULTS, defaultCallbackUrl } from "../components/headlamp/settings";
import { renderSecretData, renderValues } from "../components/headlamp/render";
import * as YAML from "yaml";
import { GatewaySettings } from "../components/headlamp/route";
import { RenderedObject, renderChartObjects, renderChartOidc } from "./headlamp-chart";

const SECRET = "s3cr3t-client-secret-value";
const HOST = "headlamp.example.com";
const ISSUER = "https://auth.example.com/application/o/headlamp/";

function render(usePkce: boolean, callbackUrl = defaultCallbackUrl(HOST), gateway?: GatewaySettings) {
    const data = renderSecretData({ clientId: "headlamp", clientSecret: SECRET, issuerUrl: ISSUER, scopes: HEADLAMP_DEFAULTS.scopes, callbackUrl, usePkce });
    const values = renderValues({
        gateway,
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

/** The HTTPRoute of the chart's own test (tests/expected_templates/httproute-enabled.yaml, commit 03a50db5), labels without the version ones. */
const UPSTREAM_HTTPROUTE: RenderedObject = YAML.parse(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: headlamp
  namespace: default
  labels:
    app.kubernetes.io/name: headlamp
    app.kubernetes.io/instance: headlamp
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: ingress
  annotations:
    gateway.example.com/annotation: test
spec:
  parentRefs:
    - name: my-gateway
      namespace: gateway-namespace
  hostnames:
    - headlamp.example.com
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /
      backendRefs:
        - name: headlamp
          port: 80
`) as RenderedObject;

function withoutVersionLabels(o: RenderedObject): RenderedObject {
    const labels = { ...o.metadata.labels };
    delete labels["helm.sh/chart"];
    delete labels["app.kubernetes.io/version"];
    return { ...o, metadata: { ...o.metadata, labels } };
}

function only(objects: RenderedObject[], kind: string): RenderedObject {
    const found = objects.filter((o) => o.kind === kind);
    assert.strictEqual(found.length, 1, `one ${kind} in ${objects.map((o) => o.kind).join(", ")}`);
    return found[0];
}

const GATEWAY: GatewaySettings = {
    parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }, { name: "internal" }],
    annotations: { "example.com/team": "ops" },
};

describe("HeadlampRelease through the Headlamp chart's route rules (stand-in)", () => {
    it("the stand-in renders the chart's own httproute-enabled test case as the chart does", () => {
        const objects = renderChartObjects({
            httpRoute: {
                enabled: true,
                annotations: { "gateway.example.com/annotation": "test" },
                parentRefs: [{ name: "my-gateway", namespace: "gateway-namespace" }],
                hostnames: ["headlamp.example.com"],
            },
        }, { name: "headlamp", namespace: "default" });
        assert.deepStrictEqual(withoutVersionLabels(only(objects, "HTTPRoute")), UPSTREAM_HTTPROUTE);
        assert.ok(!objects.some((o) => o.kind === "Ingress"));
    });

    it("with a gateway: one gateway.networking.k8s.io/v1 HTTPRoute for the host on those listeners, to Headlamp's Service, in the release's namespace, and no Ingress", () => {
        const { values } = render(false, defaultCallbackUrl(HOST), GATEWAY);
        const objects = renderChartObjects(values, { name: "headlamp", namespace: "headlamp" });
        assert.ok(!objects.some((o) => o.kind === "Ingress"), "no Ingress");
        const route = only(objects, "HTTPRoute");
        const service = only(objects, "Service");
        assert.strictEqual(route.apiVersion, "gateway.networking.k8s.io/v1");
        assert.strictEqual(route.metadata.namespace, "headlamp");
        assert.deepStrictEqual(route.metadata.annotations, { "example.com/team": "ops" });
        assert.deepStrictEqual(route.spec, {
            parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }, { name: "internal" }],
            hostnames: [HOST],
            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: service.metadata.name, port: (service.spec!.ports as { port: number }[])[0].port }] }],
        });
        assert.deepStrictEqual(route.spec?.rules, [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "headlamp", port: 80 }] }]);
    });

    it("names the route's backend after the release as the Service is named (a release name without \"headlamp\")", () => {
        const { values } = render(false, defaultCallbackUrl(HOST), GATEWAY);
        const objects = renderChartObjects(values, { name: "dash", namespace: "tools" });
        const route = only(objects, "HTTPRoute");
        assert.strictEqual(only(objects, "Service").metadata.name, "dash-headlamp");
        assert.deepStrictEqual((route.spec!.rules as { backendRefs: unknown[] }[])[0].backendRefs, [{ name: "dash-headlamp", port: 80 }]);
        assert.strictEqual(route.metadata.namespace, "tools");
    });

    it("without a gateway: the Ingress and no HTTPRoute", () => {
        const objects = renderChartObjects(render(false).values, { name: "headlamp", namespace: "headlamp" });
        assert.ok(!objects.some((o) => o.kind === "HTTPRoute"));
        assert.deepStrictEqual(only(objects, "Ingress").spec!.rules, [{ host: HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "headlamp", port: { number: 80 } } } }] } }]);
    });

    it("leaves the Deployment's OIDC args as with an Ingress", () => {
        for (const pkce of [false, true]) {
            const viaIngress = render(pkce);
            const viaGateway = render(pkce, defaultCallbackUrl(HOST), GATEWAY);
            assert.deepStrictEqual(viaGateway.chart.args, viaIngress.chart.args);
            assert.deepStrictEqual(viaGateway.chart.resolvedArgs, viaIngress.chart.resolvedArgs);
            assert.ok(viaGateway.chart.resolvedArgs.includes(`-oidc-callback-url=${defaultCallbackUrl(HOST)}`));
            const deployment = only(renderChartObjects(viaGateway.values, { name: "headlamp", namespace: "headlamp" }), "Deployment");
            assert.deepStrictEqual(deployment.spec, { template: { spec: { containers: [{ name: "headlamp", args: viaIngress.chart.args, envFrom: [{ secretRef: { name: "headlamp-oidc" } }] }] } } });
        }
    });

    it("puts the client secret into no rendered object, and renders no Secret of the chart's own", () => {
        const { values } = render(true, defaultCallbackUrl(HOST), GATEWAY);
        const objects = renderChartObjects(values, { name: "headlamp", namespace: "headlamp" });
        assert.ok(!objects.some((o) => o.kind === "Secret"));
        assert.ok(!JSON.stringify(objects).includes(SECRET));
        assert.ok(!JSON.stringify(values).includes(SECRET));
    });
});
