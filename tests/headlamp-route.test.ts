// HeadlampRelease's Gateway API route, pure: the checks of the `gateway` arg (with validateHeadlampArgs,
// so they land in the one error with every other problem) and the chart values it renders.
import * as assert from "assert";
import { HeadlampArgsToCheck, validateHeadlampArgs } from "../components/headlamp/settings";
import { renderValues } from "../components/headlamp/render";
import { renderRouteValues } from "../components/headlamp/route";
import { Problems } from "../components/validation";

const SECRET = "s3cr3t-client-secret-value";

function withGateway(gateway: unknown, extra: Partial<HeadlampArgsToCheck> = {}): HeadlampArgsToCheck {
    return {
        host: "headlamp.example.com",
        oidc: { clientId: "headlamp", clientSecret: SECRET, issuerUrl: "https://auth.example.com/application/o/headlamp/" },
        gateway: gateway as HeadlampArgsToCheck["gateway"],
        ...extra,
    };
}

function problemsOf(args: HeadlampArgsToCheck): Problems {
    return validateHeadlampArgs(args);
}

function fields(p: Problems): string[] {
    return p.list.map((x) => x.field);
}

function onlyProblem(args: HeadlampArgsToCheck, field: string): string {
    const p = problemsOf(args);
    assert.deepStrictEqual(fields(p), [field], p.format("x"));
    return p.list[0].message;
}

describe("HeadlampRelease gateway (pure)", () => {
    describe("validation", () => {
        it("accepts listeners by name, namespace and sectionName, and annotations", () => {
            const p = problemsOf(withGateway({
                parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }, { name: "internal" }, { name: "public", namespace: "gateway-system", sectionName: "https.alt" }],
                annotations: { "example.com/team": "ops", plain: "x" },
            }));
            assert.deepStrictEqual(p.list, []);
        });

        it("needs at least one parentRef", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [] }), "gateway.parentRefs"), /at least one Gateway/);
            assert.match(onlyProblem(withGateway({}), "gateway.parentRefs"), /is required; list the Gateway listeners/);
            assert.match(onlyProblem(withGateway({ parentRefs: "public" }), "gateway.parentRefs"), /must be a list/);
            assert.match(onlyProblem(withGateway("public"), "gateway"), /must be an object/);
        });

        it("takes names and namespaces only as DNS-1123 labels, naming the field and the bad value", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "Public_GW" }] }), "gateway.parentRefs[0].name"), /"Public_GW" is not a valid Kubernetes name/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", namespace: "gateway.system" }] }), "gateway.parentRefs[0].namespace"), /"gateway\.system" is not a valid Kubernetes name/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ namespace: "gateway-system" }] }), "gateway.parentRefs[0].name"), /is required; give the Gateway's name/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: 42 }] }), "gateway.parentRefs[0].name"), /must be a string/);
        });

        it("takes sectionName only as a Gateway listener name", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", sectionName: "HTTPS" }] }), "gateway.parentRefs[0].sectionName"), /"HTTPS" is not a Gateway listener name/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", sectionName: "web secure" }] }), "gateway.parentRefs[0].sectionName"), /not a Gateway listener name/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", sectionName: "a".repeat(254) }] }), "gateway.parentRefs[0].sectionName"), /not a Gateway listener name/);
            assert.deepStrictEqual(problemsOf(withGateway({ parentRefs: [{ name: "gw", sectionName: "websecure.v2" }] })).list, []);
        });

        it("refuses fields a parentRef here does not have (port, kind, group)", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", port: 443 }] }), "gateway.parentRefs[0].port"), /is not supported/);
        });

        it("refuses what the API server refuses: a repeated listener, and refs to one Gateway with and without sectionName", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw", sectionName: "https" }, { name: "gw", sectionName: "https" }] }), "gateway.parentRefs[1]"), /repeats Gateway "gw" listener "https"/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }, { name: "gw", sectionName: "https" }] }), "gateway.parentRefs[0, 1]"), /some with a sectionName and some without/);
            // The same name in two namespaces is two Gateways.
            assert.deepStrictEqual(problemsOf(withGateway({ parentRefs: [{ name: "gw", namespace: "a" }, { name: "gw", namespace: "b" }] })).list, []);
        });

        it("refuses tls and an explicit ingressClassName with gateway, saying TLS terminates at the Gateway", () => {
            const p = problemsOf(withGateway({ parentRefs: [{ name: "gw" }] }, { tls: { secretName: "headlamp-tls" }, ingressClassName: "traefik" }));
            assert.deepStrictEqual(fields(p), ["tls", "ingressClassName"]);
            assert.match(p.list[0].message, /TLS terminates at the Gateway's listener/);
            assert.match(p.list[1].message, /no Ingress is rendered/);
            // Without gateway both stay fine.
            assert.deepStrictEqual(problemsOf(withGateway(undefined, { tls: { secretName: "headlamp-tls" }, ingressClassName: "traefik" })).list, []);
        });

        it("checks annotations: keys, string values, and cert-manager's belong on the Gateway", () => {
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }], annotations: { "bad key": "x" } }), 'gateway.annotations["bad key"]'), /is not an annotation key/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }], annotations: { "example.com/n": 3 } }), 'gateway.annotations["example.com/n"]'), /must be a string/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }], annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } }), 'gateway.annotations["cert-manager.io/cluster-issuer"]'), /annotate the Gateway instead/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }], annotations: ["x"] }), "gateway.annotations"), /must be an object of strings/);
        });

        it("protects httpRoute in values always, and ingress.enabled with gateway", () => {
            assert.match(onlyProblem(withGateway(undefined, { values: { httpRoute: { enabled: true } } }), "values.httpRoute"), /use that/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }] }, { values: { httpRoute: { rules: [] } } }), "values.httpRoute"), /comes from the gateway arg/);
            assert.match(onlyProblem(withGateway({ parentRefs: [{ name: "gw" }] }, { values: { ingress: { enabled: true } } }), "values.ingress.enabled"), /would add an Ingress beside the Gateway's route/);
            // Without gateway the Ingress values stay the user's to extend.
            assert.deepStrictEqual(problemsOf(withGateway(undefined, { values: { ingress: { annotations: { a: "b" } } } })).list, []);
            assert.deepStrictEqual(problemsOf(withGateway({ parentRefs: [{ name: "gw" }] }, { values: { ingress: { enabled: false } } })).list, []);
        });

        it("lists every gateway problem with the others in one set, never quoting the client secret", () => {
            const p = problemsOf(withGateway({ parentRefs: [{ name: "GW", sectionName: "X" }] }, { host: "not a host", tls: { secretName: "t" }, values: { httpRoute: {} } }));
            assert.deepStrictEqual(fields(p).sort(), ["gateway.parentRefs[0].name", "gateway.parentRefs[0].sectionName", "host", "tls", "values.httpRoute"].sort());
            assert.ok(!p.format("x").includes(SECRET));
        });
    });

    describe("values", () => {
        it("turns the chart's HTTPRoute on for the host and the Ingress off, with parentRefs as given", () => {
            assert.deepStrictEqual(renderRouteValues("headlamp.example.com", { parentRefs: [{ name: "gw", namespace: "gateway-system", sectionName: "https" }, { name: "other" }] }), {
                ingress: { enabled: false },
                httpRoute: {
                    enabled: true,
                    annotations: {},
                    parentRefs: [{ name: "gw", namespace: "gateway-system", sectionName: "https" }, { name: "other" }],
                    hostnames: ["headlamp.example.com"],
                },
            });
        });

        it("replaces the Ingress values in renderValues, keeping the OIDC values as they are", () => {
            const base = { secretName: "headlamp-oidc", host: "headlamp.example.com", ingressClassName: "traefik", resources: {}, checksum: "abc", callbackUrl: "https://headlamp.example.com/oidc-callback", usePkce: false };
            const viaIngress = renderValues(base);
            const viaGateway = renderValues({ ...base, gateway: { parentRefs: [{ name: "gw" }], annotations: { "example.com/team": "ops" } } });
            assert.deepStrictEqual(viaGateway.ingress, { enabled: false });
            assert.deepStrictEqual(viaGateway.httpRoute, { enabled: true, annotations: { "example.com/team": "ops" }, parentRefs: [{ name: "gw" }], hostnames: ["headlamp.example.com"] });
            assert.deepStrictEqual(viaGateway.config, viaIngress.config);
            assert.strictEqual(viaIngress.httpRoute, undefined);
        });
    });
});
