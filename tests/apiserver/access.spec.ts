// The access matrix (#29) on a real kube-apiserver: Authentik-shaped tokens (the fake issuer, from
// AuthentikOidcApp's mappings) through K3sOidcApiServer's own flags, and HeadlampRelease's own
// rendered ClusterRoles, ClusterRoleBindings and RoleBindings (built under mocks, applied as they
// are). For an admin, an operator, a viewer, a namespace operator and a namespace admin, a
// SelfSubjectAccessReview (what Headlamp itself asks before it shows a button) for each action, in
// the namespace they were given and in a foreign one; the calls Headlamp's Scale and Restart make
// are then sent for real. Then the rules and bindings are removed one at a time: every answer that
// depends on one turns to "no", so none of them holds by accident.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolvePlan } from "../../components/k3s/settings";
import { operatorRoleName, operatorRulesRoleName } from "../../components/headlamp/rbac";
import { FakeAuthentik, FakeUser } from "../fake-authentik/issuer";
import { ApiServer } from "./harness";
import { K3sNode, RbacArgs, applyAsAdmin, headlampBindings, whoami } from "./chain";

const ada: FakeUser = { username: "ada", email: "ada@example.com", name: "Ada", groups: ["headlamp-admins"] };
const olga: FakeUser = { username: "olga", email: "olga@example.com", name: "Olga", groups: ["staff"] };
const vic: FakeUser = { username: "vic", email: "vic@example.com", name: "Vic", groups: ["auditors"] };
const wes: FakeUser = { username: "wes", email: "wes@example.com", name: "Wes", groups: ["web-team"] };
const sam: FakeUser = { username: "sam", email: "sam@example.com", name: "Sam", groups: ["staff"] };

/** The namespace given to the namespace-scoped users, and one nobody was given. */
const OWN = "web";
const FOREIGN = "shop";

/** HeadlampRelease's access args: one subject per role, users and groups mixed. */
const RBAC: RbacArgs = {
    admins: { groups: ["headlamp-admins"] },
    operators: { users: ["olga@example.com"] },
    viewers: { groups: ["auditors"] },
    namespaces: [{ namespace: OWN, operators: { groups: ["web-team"] }, admins: { users: ["sam@example.com"] } }],
};

/** One SelfSubjectAccessReview's resource attributes. */
interface Attrs {
    verb: string;
    group?: string;
    resource: string;
    subresource?: string;
    name?: string;
}

/**
 * The actions of the matrix. The scale and restart entries are the exact requests Headlamp makes
 * (components/headlamp/rbac.ts cites its source): Scale is `patch` on the `scale` subresource,
 * Restart a `patch` of the Deployment itself (its button is shown on `update`).
 */
const ACTIONS: Record<string, Attrs> = {
    "get pods": { verb: "get", resource: "pods" },
    "get pods/log": { verb: "get", resource: "pods", subresource: "log" },
    "patch deployments/scale": { verb: "patch", group: "apps", resource: "deployments", subresource: "scale" },
    "patch statefulsets/scale": { verb: "patch", group: "apps", resource: "statefulsets", subresource: "scale" },
    "restart (patch deployments)": { verb: "patch", group: "apps", resource: "deployments" },
    "restart button (update deployments)": { verb: "update", group: "apps", resource: "deployments" },
    "get secrets": { verb: "get", resource: "secrets" },
    "create pods/exec": { verb: "create", resource: "pods", subresource: "exec" },
    "delete deployments": { verb: "delete", group: "apps", resource: "deployments" },
    "create rolebindings": { verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings" },
    // The namespace object itself (the API server authorizes it within that namespace): `admin`
    // may not delete it, `cluster-admin` bound in the namespace could.
    "delete the namespace": { verb: "delete", resource: "namespaces" },
};
const ALL = Object.keys(ACTIONS);
const READ = ["get pods", "get pods/log"];
const SCALE = ["patch deployments/scale", "patch statefulsets/scale"];

/** Who, and what each may do in OWN and in FOREIGN (every other action: no). */
const MATRIX: { who: string; user: FakeUser; own: string[]; foreign: string[] }[] = [
    { who: "admin (cluster-admin)", user: ada, own: ALL, foreign: ALL },
    { who: "operator", user: olga, own: [...READ, ...SCALE], foreign: [...READ, ...SCALE] },
    { who: "viewer", user: vic, own: READ, foreign: READ },
    { who: "namespace operator", user: wes, own: [...READ, ...SCALE], foreign: [] },
    { who: "namespace admin", user: sam, own: ALL.filter((a) => a !== "delete the namespace"), foreign: [] },
];

describe("kube-apiserver tier: the access matrix of HeadlampRelease's roles (#29)", function () {
    this.timeout(240_000);
    let idp: FakeAuthentik;
    let api: ApiServer;
    let dir: string;
    let objects: Record<string, any>[];
    const tokens = new Map<string, string>();

    async function review(token: string, namespace: string | undefined, attrs: Attrs): Promise<boolean> {
        const r = await api.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
            token,
            body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { ...(attrs.resource === "namespaces" && namespace ? { name: namespace } : {}), ...attrs, namespace } } },
        });
        assert.strictEqual(r.status, 201, r.text);
        return r.body.status.allowed === true;
    }

    /** Every answer of the matrix: `who/namespace/action` -> allowed. */
    async function answers(): Promise<Map<string, boolean>> {
        const out = new Map<string, boolean>();
        for (const row of MATRIX) {
            for (const ns of [OWN, FOREIGN]) {
                for (const action of ALL) {
                    out.set(`${row.who}/${ns}/${action}`, await review(tokens.get(row.who)!, ns, ACTIONS[action]));
                }
            }
        }
        return out;
    }

    function expected(): Map<string, boolean> {
        const out = new Map<string, boolean>();
        for (const row of MATRIX) {
            for (const [ns, allowed] of [[OWN, row.own], [FOREIGN, row.foreign]] as const) {
                for (const action of ALL) {
                    out.set(`${row.who}/${ns}/${action}`, allowed.includes(action));
                }
            }
        }
        return out;
    }

    /** The cells that differ between two matrices, as `key: got (want)`. */
    function diff(got: Map<string, boolean>, want: Map<string, boolean>): string[] {
        return [...want].filter(([k, v]) => got.get(k) !== v).map(([k, v]) => `${k}: ${got.get(k) ? "yes" : "no"} (want ${v ? "yes" : "no"})`);
    }

    async function kubectl(args: string[], stdin?: string): Promise<void> {
        const r = await api.kubectl(args, { admin: true, stdin });
        assert.strictEqual(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}${r.stdout}`);
    }

    /** Re-applies the component's objects as rendered (after a mutation) and aggregates the roles again. */
    async function restore(): Promise<void> {
        await applyAsAdmin(api, objects);
        await api.aggregateClusterRoles();
    }

    const find = (kind: string, name: string) => {
        const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
        assert.ok(o, `${kind} ${name} among ${objects.map((x) => `${x.kind} ${x.metadata.name}`).join(", ")}`);
        return o;
    };

    before(async () => {
        idp = await FakeAuthentik.start();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "apiserver-access-"));
        const node = new K3sNode(dir);
        node.writeUserConfig("");
        // K3sOidcApiServer's defaults (flags mode, email username, oidc: groups), as the program deploys it.
        node.install(resolvePlan({ name: "headlamp-sso", owner: "urn:test", issuerUrl: idp.issuerUrl, clientId: idp.clientId, issuerCaPem: idp.caPem, configFile: node.configFile }));
        api = await ApiServer.start({ extraArgs: node.kubeApiserverArgs() });
        await kubectl(["create", "namespace", OWN]);
        await kubectl(["create", "namespace", FOREIGN]);
        objects = await headlampBindings(idp, RBAC);
        await restore();
        for (const row of MATRIX) {
            const token = await idp.mint(row.user);
            tokens.set(row.who, token);
        }
        // The JWT authenticator loads the issuer in the background: wait until it takes a token.
        for (let i = 0; i < 60 && !(await whoami(api, tokens.get("operator")!)).ok; i++) {
            await new Promise((r) => setTimeout(r, 1000));
        }
    });
    after(async () => {
        await api?.stop();
        await idp?.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("applies exactly the component's objects: the operator role (aggregated from view and its rules), the bindings and the namespace reader", () => {
        const names = objects.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
        assert.deepStrictEqual(names.sort(), [
            `ClusterRole ${operatorRoleName("headlamp", "headlamp")}`,
            `ClusterRole ${operatorRulesRoleName("headlamp", "headlamp")}`,
            "ClusterRole headlamp-sso:headlamp:headlamp:namespace-reader",
            "ClusterRoleBinding headlamp-admins",
            "ClusterRoleBinding headlamp-namespace-readers",
            "ClusterRoleBinding headlamp-operators",
            "ClusterRoleBinding headlamp-viewers",
            `RoleBinding ${OWN}/headlamp-web-admins`,
            `RoleBinding ${OWN}/headlamp-web-operators`,
        ].sort());
    });

    it("each role's answers, in its own namespace and in a foreign one, are exactly the matrix", async () => {
        const got = await answers();
        assert.deepStrictEqual(diff(got, expected()), []);
        // Namespace-only users may list namespaces (Headlamp's namespace selector) and nothing else cluster-wide.
        for (const who of ["namespace operator", "namespace admin"]) {
            assert.strictEqual(await review(tokens.get(who)!, undefined, { verb: "list", resource: "namespaces" }), true, `${who} lists namespaces`);
            assert.strictEqual(await review(tokens.get(who)!, undefined, { verb: "list", resource: "pods" }), false, `${who} lists no pods cluster-wide`);
            assert.strictEqual(await review(tokens.get(who)!, undefined, { verb: "delete", resource: "namespaces", name: OWN }), false, `${who} deletes no namespace`);
        }
    });

    it("Headlamp's own Scale call succeeds for the operators in their namespace and is refused elsewhere; its Restart call is refused to operators, allowed to the namespace admin", async () => {
        const deployment = (ns: string) => JSON.stringify({
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", namespace: ns },
            spec: { replicas: 1, selector: { matchLabels: { app: "app" } }, template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "app", image: "registry.invalid/app:1" }] } } },
        });
        await kubectl(["apply", "-f", "-"], deployment(OWN));
        await kubectl(["apply", "-f", "-"], deployment(FOREIGN));
        // ScaleButton -> KubeObject.scale -> scaleApi.patch: PATCH .../scale?fieldValidation=Strict, merge patch of spec.replicas.
        const scale = (who: string, ns: string, replicas: number) => api.request("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/app/scale?fieldValidation=Strict`, {
            token: tokens.get(who)!, contentType: "application/merge-patch+json", body: { spec: { replicas } },
        });
        // RestartButton -> KubeObject.patch: a merge patch of the pod template's restartedAt annotation.
        const restart = (who: string, ns: string) => api.request("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/app`, {
            token: tokens.get(who)!, contentType: "application/merge-patch+json",
            body: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } } } } },
        });
        const own = await scale("namespace operator", OWN, 3);
        assert.strictEqual(own.status, 200, own.text);
        assert.strictEqual(own.body.spec.replicas, 3);
        assert.strictEqual((await scale("operator", FOREIGN, 2)).status, 200, "the cluster-wide operator scales anywhere");
        const foreign = await scale("namespace operator", FOREIGN, 5);
        assert.strictEqual(foreign.status, 403, foreign.text);
        assert.strictEqual((await scale("viewer", OWN, 0)).status, 403, "the viewer does not scale");
        for (const who of ["operator", "namespace operator", "viewer"]) {
            assert.strictEqual((await restart(who, OWN)).status, 403, `${who} cannot patch the Deployment (restart)`);
        }
        assert.strictEqual((await restart("namespace admin", OWN)).status, 200, "the namespace admin restarts");
        assert.strictEqual((await restart("namespace admin", FOREIGN)).status, 403);
    });

    describe("every 'yes' depends on the rule or binding it is for (removed one at a time, then restored)", () => {
        afterEach(restore);

        /** The matrix after a mutation: the changed cells must be exactly `flipped` (to no). */
        async function expectFlipped(flipped: (key: string) => boolean): Promise<void> {
            const want = expected();
            for (const [k, v] of want) {
                if (v && flipped(k)) {
                    want.set(k, false);
                }
            }
            assert.deepStrictEqual(diff(await answers(), want), []);
        }

        async function remove(kind: string, name: string, namespace?: string): Promise<void> {
            await kubectl(["delete", kind.toLowerCase(), name, ...(namespace ? ["-n", namespace] : [])]);
            await api.aggregateClusterRoles();
        }

        for (const [binding, who] of [["headlamp-admins", "admin (cluster-admin)"], ["headlamp-operators", "operator"], ["headlamp-viewers", "viewer"]] as const) {
            it(`without the ClusterRoleBinding ${binding}, the ${who} may do nothing`, async () => {
                await remove("ClusterRoleBinding", binding);
                await expectFlipped((k) => k.startsWith(`${who}/`));
            });
        }

        for (const [binding, who] of [["headlamp-web-operators", "namespace operator"], ["headlamp-web-admins", "namespace admin"]] as const) {
            it(`without the RoleBinding ${OWN}/${binding}, the ${who} may do nothing`, async () => {
                await remove("RoleBinding", binding, OWN);
                await expectFlipped((k) => k.startsWith(`${who}/`));
            });
        }

        it("without the operator's own rules, the operators cannot scale; logs stay (view grants them too)", async () => {
            await remove("ClusterRole", operatorRulesRoleName("headlamp", "headlamp"));
            await expectFlipped((k) => /^(operator|namespace operator)\//.test(k) && SCALE.some((a) => k.endsWith(`/${a}`)));
        });

        it("without the aggregation of view's roles, the operators keep their own rules (logs, scale) and read nothing else", async () => {
            const role = find("ClusterRole", operatorRoleName("headlamp", "headlamp"));
            const onlyOwn = { ...role, aggregationRule: { clusterRoleSelectors: role.aggregationRule.clusterRoleSelectors.slice(1) } };
            await applyAsAdmin(api, [onlyOwn]);
            await api.aggregateClusterRoles();
            await expectFlipped((k) => /^(operator|namespace operator)\//.test(k) && k.endsWith("/get pods"));
        });

        it("without the namespace reader's binding, namespace-only users cannot list namespaces (and keep their namespace)", async () => {
            await remove("ClusterRoleBinding", "headlamp-namespace-readers");
            await expectFlipped(() => false);
            for (const who of ["namespace operator", "namespace admin"]) {
                assert.strictEqual(await review(tokens.get(who)!, undefined, { verb: "list", resource: "namespaces" }), false, who);
            }
        });
    });
});
