// HeadlampRelease's operator role and per-namespace access: the pure rendering and validation, and
// the exact RBAC objects the component registers under mocks (none when the new args are unset).
// What they grant on a real kube-apiserver is proved in tests/apiserver/access.spec.ts.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { HeadlampRelease, HeadlampReleaseArgs } from "../components";
import { validateHeadlampArgs } from "../components/headlamp/settings";
import {
    AGGREGATE_TO_OPERATOR_LABEL,
    AGGREGATE_TO_VIEW_LABEL,
    OPERATOR_RULES,
    operatorRoleName,
    renderNamespaceReaderRole,
    renderOperatorRoles,
} from "../components/headlamp/rbac";
import { CapturedWarnings, MockHarness, captureWarnings, errorOf, valueOf } from "./harness";

const T = {
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
const RBAC = "rbac.authorization.k8s.io";

function args(overrides: Partial<HeadlampReleaseArgs> = {}): HeadlampReleaseArgs {
    return {
        host: "headlamp.example.com",
        oidc: { clientId: "headlamp-dev", clientSecret: pulumi.secret("client-secret"), issuerUrl: "https://auth.example.com/application/o/headlamp-dev/" },
        ...overrides,
    };
}

describe("HeadlampRelease access: the operator role and per-namespace RoleBindings", () => {
    describe("rendering (pure)", () => {
        it("the operator role aggregates what view aggregates and its own rules only; the rules role has logs and scale patch, nothing else", () => {
            const [role, rules] = renderOperatorRoles("headlamp", "headlamp");
            assert.strictEqual(role.metadata.name, "headlamp-sso:headlamp:headlamp:operator");
            assert.strictEqual(role.rules, undefined, "an aggregated role's rules are the controller's");
            const selectors = role.aggregationRule!.clusterRoleSelectors.map((s) => s.matchLabels);
            assert.deepStrictEqual(selectors[0], { [AGGREGATE_TO_VIEW_LABEL]: "true" });
            assert.deepStrictEqual(Object.keys(selectors[1]), [AGGREGATE_TO_OPERATOR_LABEL]);
            assert.ok(!JSON.stringify(selectors).includes("aggregate-to-edit") && !JSON.stringify(selectors).includes("aggregate-to-admin"));
            assert.strictEqual(rules.metadata.labels[AGGREGATE_TO_OPERATOR_LABEL], selectors[1][AGGREGATE_TO_OPERATOR_LABEL], "the rules role is what the second selector picks");
            assert.strictEqual(rules.metadata.labels["app.kubernetes.io/managed-by"], "headlamp-sso");
            assert.deepStrictEqual(rules.rules, [
                { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
                { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale", "replicasets/scale"], verbs: ["patch"] },
            ]);
            const all = JSON.stringify(OPERATOR_RULES);
            for (const word of ["secrets", "exec", "portforward", "attach", "delete", "create", "rolebindings", "\"deployments\""]) {
                assert.ok(!all.includes(word), `no ${word} in the operator's own rules`);
            }
        });

        it("two releases (another namespace or another name) get distinct roles and distinct aggregation labels", () => {
            const a = renderOperatorRoles("headlamp", "headlamp");
            const b = renderOperatorRoles("tools", "headlamp");
            const c = renderOperatorRoles("headlamp", "dash");
            const labels = [a, b, c].map(([, r]) => r.metadata.labels[AGGREGATE_TO_OPERATOR_LABEL]);
            assert.strictEqual(new Set(labels).size, 3);
            assert.strictEqual(new Set([a, b, c].map(([r]) => r.metadata.name)).size, 3);
            for (const l of labels) {
                assert.match(l, /^[0-9a-f]{32}$/, "a valid label value (at most 63 characters)");
            }
            assert.deepStrictEqual(renderNamespaceReaderRole("headlamp", "headlamp").rules, [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] }]);
        });
    });

    describe("validation (pure)", () => {
        const base = { host: "headlamp.example.com", oidc: { clientId: "c", clientSecret: "s", issuerUrl: "https://auth.example.com/application/o/h/" } };
        const fields = (a: object) => validateHeadlampArgs({ ...base, ...a }).list.map((p) => `${p.field}: ${p.message}`);

        it("accepts operators and namespace entries with users and groups", () => {
            assert.deepStrictEqual(fields({
                operators: { users: ["olga@example.com"], groups: ["ops"] },
                namespaces: [{ namespace: "web", operators: { groups: ["web-team"] } }, { namespace: "shop", admins: { users: ["sam@example.com"] }, viewers: { groups: ["all"] } }],
            }), []);
        });

        it("refuses system: names in operators, as for admins and viewers", () => {
            const p = fields({ operators: { users: ["system:admin"], groups: ["system:masters"] } });
            assert.strictEqual(p.length, 2, p.join("\n"));
            assert.match(p[0], /^operators\.users\[0\]: "system:admin" is a Kubernetes built-in user name/);
            assert.match(p[1], /^operators\.groups\[0\]: "system:masters" is a Kubernetes built-in group name/);
        });

        it("collects every namespace problem in one list: bad name, duplicate, kube-*, the release's namespace, nobody, unknown field, system: subject", () => {
            const p = fields({
                namespaces: [
                    { namespace: "Web_1", viewers: { users: ["a@example.com"] } },
                    { namespace: "web", operators: { groups: ["w"] } },
                    { namespace: "web", viewers: { groups: ["x"] } },
                    { namespace: "kube-system", admins: { groups: ["ops"] } },
                    { namespace: "headlamp", viewers: { groups: ["ops"] } },
                    { namespace: "empty" },
                    { namespace: "typo", operator: { groups: ["w"] }, viewers: { groups: ["system:authenticated"] } },
                    "web",
                ],
            });
            const expected = [
                /^namespaces\[0\]\.namespace: "Web_1" is not a valid Kubernetes name/,
                /^namespaces\[2\]\.namespace: "web" is already namespaces\[1\]; put all of its users and groups in one entry/,
                /^namespaces\[3\]\.namespace: "kube-system" is a system namespace: Kubernetes reserves the "kube-" prefix.*set allowSystemNamespace: true on this entry if you mean it/,
                /^namespaces\[4\]\.namespace: "headlamp" is a system namespace: it is Headlamp's own namespace \(it holds the OIDC client secret/,
                /^namespaces\[5\]: grants nobody anything; give admins, operators or viewers/,
                /^namespaces\[6\]\.viewers\.groups\[0\]: "system:authenticated" is a Kubernetes built-in group name/,
                /^namespaces\[6\]\.operator: is not a field of a namespace entry/,
                /^namespaces\[7\]: must be an object/,
            ];
            assert.strictEqual(p.length, expected.length, p.join("\n"));
            expected.forEach((re, i) => assert.match(p[i], re));
        });

        it("allows a system namespace only when the entry says allowSystemNamespace: true; the release's namespace follows the namespace arg", () => {
            assert.deepStrictEqual(fields({ namespaces: [{ namespace: "kube-system", viewers: { groups: ["ops"] }, allowSystemNamespace: true }] }), []);
            assert.deepStrictEqual(fields({ namespace: "tools", namespaces: [{ namespace: "headlamp", viewers: { groups: ["ops"] } }] }), []);
            assert.match(fields({ namespace: "tools", namespaces: [{ namespace: "tools", viewers: { groups: ["ops"] } }] })[0], /"tools" is a system namespace: it is Headlamp's own namespace/);
            assert.match(fields({ namespaces: [{ namespace: "kube-public", viewers: { groups: ["ops"] }, allowSystemNamespace: "yes" }] }).join("\n"), /allowSystemNamespace: "yes" must be true or false/);
            assert.match(fields({ namespaces: { web: {} } })[0], /^namespaces: must be a list/);
        });
    });

    describe("under mocks", () => {
        let h: MockHarness;
        let captured: CapturedWarnings;
        beforeEach(async () => {
            h = await MockHarness.install();
            captured = captureWarnings();
        });
        afterEach(() => {
            captured.restore();
            h.assertNoUnknownInvokes();
        });

        async function build(a: HeadlampReleaseArgs): Promise<void> {
            const c = new HeadlampRelease("hl", a);
            await valueOf(c.status);
            await h.settle();
        }

        it("without operators or namespaces: no ClusterRole and no RoleBinding (existing stacks are unchanged)", async () => {
            await build(args({ admins: { groups: ["k8s-admins"] }, viewers: { users: ["vic@example.com"] } }));
            assert.deepStrictEqual(h.ofType(T.clusterRole), []);
            assert.deepStrictEqual(h.ofType(T.roleBinding), []);
            assert.deepStrictEqual(h.ofType(T.clusterRoleBinding).map((r) => r.name).sort(), ["hl-admins", "hl-viewers"]);
        });

        it("operators: the two ClusterRoles (named after the release) and a ClusterRoleBinding with prefixed subjects", async () => {
            await build(args({ namespace: "tools", releaseName: "dash", operators: { users: ["olga@example.com"], groups: ["ops"] } }));
            const [role, rules] = renderOperatorRoles("tools", "dash");
            const op = h.one(T.clusterRole, "hl-operator");
            assert.deepStrictEqual(op.inputs.metadata, role.metadata);
            assert.deepStrictEqual(op.inputs.aggregationRule, role.aggregationRule);
            assert.ok(op.dependsOn.includes(h.one(T.clusterRole, "hl-operator-rules").urn), "the role waits for the rules it aggregates");
            const rulesInputs = h.one(T.clusterRole, "hl-operator-rules").inputs;
            assert.deepStrictEqual({ metadata: rulesInputs.metadata, rules: rulesInputs.rules, keys: Object.keys(rulesInputs).sort() }, { metadata: rules.metadata, rules: rules.rules, keys: ["apiVersion", "kind", "metadata", "rules"] });
            const b = h.one(T.clusterRoleBinding, "hl-operators");
            assert.deepStrictEqual(b.inputs.roleRef, { apiGroup: RBAC, kind: "ClusterRole", name: operatorRoleName("tools", "dash") });
            assert.deepStrictEqual(b.inputs.subjects, [
                { kind: "User", name: "olga@example.com", apiGroup: RBAC },
                { kind: "Group", name: "oidc:ops", apiGroup: RBAC },
            ]);
            assert.deepStrictEqual(h.ofType(T.roleBinding), []);
            assert.deepStrictEqual(captured.messages, []);
        });

        it("namespaces: RoleBindings to admin, the operator role and view in each namespace, and the namespace reader for all their subjects once", async () => {
            await build(args({
                namespaces: [
                    { namespace: "web", operators: { groups: ["web-team"] }, viewers: { users: ["vic@example.com"] } },
                    { namespace: "shop", admins: { users: ["sam@example.com"] }, operators: { groups: ["web-team"] } },
                ],
            }));
            const rb = (n: string) => h.one(T.roleBinding, n).inputs;
            const op = operatorRoleName("headlamp", "headlamp");
            assert.deepStrictEqual(h.ofType(T.roleBinding).map((r) => r.name).sort(), ["hl-shop-admins", "hl-shop-operators", "hl-web-operators", "hl-web-viewers"]);
            assert.deepStrictEqual([rb("hl-web-operators").metadata, rb("hl-web-operators").roleRef], [{ namespace: "web" }, { apiGroup: RBAC, kind: "ClusterRole", name: op }]);
            assert.deepStrictEqual(rb("hl-web-operators").subjects, [{ kind: "Group", name: "oidc:web-team", apiGroup: RBAC }]);
            assert.deepStrictEqual([rb("hl-web-viewers").metadata, rb("hl-web-viewers").roleRef.name], [{ namespace: "web" }, "view"]);
            assert.deepStrictEqual([rb("hl-shop-admins").metadata, rb("hl-shop-admins").roleRef.name], [{ namespace: "shop" }, "admin"], "admin, never cluster-admin");
            assert.deepStrictEqual(h.ofType(T.clusterRole).map((r) => r.name).sort(), ["hl-namespace-reader", "hl-operator", "hl-operator-rules"]);
            const reader = h.one(T.clusterRoleBinding, "hl-namespace-readers").inputs;
            assert.strictEqual(reader.roleRef.name, "headlamp-sso:headlamp:headlamp:namespace-reader");
            assert.deepStrictEqual(reader.subjects.map((s: { name: string }) => s.name), ["vic@example.com", "sam@example.com", "oidc:web-team"]);
            assert.deepStrictEqual(h.ofType(T.clusterRoleBinding).map((r) => r.name), ["hl-namespace-readers"], "no cluster-wide binding to a namespace's roles");
            assert.deepStrictEqual(captured.messages, [], "no 'nobody can act' warning");
        });

        it("a namespace with viewers only creates no operator role", async () => {
            await build(args({ namespaces: [{ namespace: "web", viewers: { groups: ["web-team"] } }] }));
            assert.deepStrictEqual(h.ofType(T.clusterRole).map((r) => r.name), ["hl-namespace-reader"]);
        });

        it("refuses bad namespace entries before registering anything, in one ResourceError", async () => {
            const e = await errorOf(() => new HeadlampRelease("hl", args({
                operators: { groups: ["system:masters"] },
                namespaces: [{ namespace: "kube-system", admins: { groups: ["ops"] } }, { namespace: "web" }],
            })));
            assert.ok(e instanceof pulumi.ResourceError);
            assert.match(e.message, /has 3 invalid input problems \(nothing was created\)/);
            for (const field of ["operators.groups[0]", "namespaces[0].namespace", "namespaces[1]"]) {
                assert.ok(e.message.includes(`  - ${field}: `), `${field} in:\n${e.message}`);
            }
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    });
});
