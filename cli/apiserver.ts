// Checks 5: the API server. It is ready (/readyz), it accepts the ID token (a SelfSubjectReview
// made with the token says which username and groups it sees), and, with an admin kubeconfig,
// some ClusterRoleBinding or RoleBinding grants that user or one of its groups something.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { effectivePrefix, renderSubjects } from "../components/headlamp/rbac";
import { Check, DoctorInputs, Facts } from "./context";
import { HttpOptions, explainNetworkError, request } from "./http";
import { NO_TOKEN } from "./token";
import { Outcome, fail, pass } from "./report";

/** How to reach the API server of a kubeconfig's current context, and as whom. */
export interface ClusterAccess {
    server: string;
    ca?: string;
    insecure: boolean;
    /** Admin credentials, when the kubeconfig has them (token, or client certificate and key). */
    token?: string;
    cert?: string;
    key?: string;
    /** True when the user authenticates through an exec plugin (kubelogin): no admin credentials. */
    exec: boolean;
}

interface Named<T> {
    name: string;
    [key: string]: unknown;
    value?: T;
}

/** Reads the current context of a kubeconfig; throws with a message naming what is missing. */
export function parseKubeconfig(text: string, dir: string): ClusterAccess {
    const doc = parseYaml(text) as Record<string, unknown> | null;
    if (!doc || typeof doc !== "object") {
        throw new Error("it is not a kubeconfig (no YAML mapping).");
    }
    const find = <T>(list: string, item: string, name: unknown): T | undefined =>
        ((doc[list] as Named<T>[] | undefined) ?? []).find((e) => e.name === name)?.[item] as T | undefined;
    const contexts = (doc.contexts as Named<unknown>[] | undefined) ?? [];
    const contextName = doc["current-context"] ?? contexts[0]?.name;
    const context = find<{ cluster?: string; user?: string }>("contexts", "context", contextName);
    if (!context) {
        throw new Error(`it has no context ${JSON.stringify(contextName ?? null)}.`);
    }
    const cluster = find<Record<string, unknown>>("clusters", "cluster", context.cluster);
    if (!cluster || typeof cluster.server !== "string") {
        throw new Error(`its cluster ${JSON.stringify(context.cluster ?? null)} has no server.`);
    }
    const user = find<Record<string, unknown>>("users", "user", context.user) ?? {};
    const dataOrFile = (obj: Record<string, unknown>, key: string): string | undefined => {
        if (typeof obj[`${key}-data`] === "string") {
            return Buffer.from(obj[`${key}-data`] as string, "base64").toString("utf8");
        }
        if (typeof obj[key] === "string") {
            return fs.readFileSync(path.resolve(dir, obj[key]), "utf8");
        }
        return undefined;
    };
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: dataOrFile(cluster, "certificate-authority"),
        insecure: cluster["insecure-skip-tls-verify"] === true,
        token: typeof user.token === "string" ? user.token : undefined,
        cert: dataOrFile(user, "client-certificate"),
        key: dataOrFile(user, "client-key"),
        exec: user.exec !== undefined,
    };
}

/** TLS to the API server, without credentials. */
function tlsOf(c: ClusterAccess): HttpOptions {
    return { ca: c.ca, insecure: c.insecure };
}

/** TLS and the kubeconfig's own credentials. */
function adminOf(c: ClusterAccess): HttpOptions {
    return { ...tlsOf(c), cert: c.cert, key: c.key, headers: c.token ? { authorization: `Bearer ${c.token}` } : undefined };
}

export function hasAdminCredentials(c: ClusterAccess): boolean {
    return c.token !== undefined || (c.cert !== undefined && c.key !== undefined);
}

const CA_HINT = "The kubeconfig's certificate-authority-data must be the cluster CA (/var/lib/rancher/k3s/server/tls/server-ca.crt).";

/** Judges the answer to a SelfSubjectReview made with the ID token. */
export function judgeReview(status: number, body: string, issuer: string | undefined, clientId: string | undefined, privateCa: boolean): { outcome: Outcome; user?: { username: string; groups: string[] } } {
    if (status === 200 || status === 201) {
        let info: { username?: string; groups?: string[] } | undefined;
        try {
            info = (JSON.parse(body) as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status?.userInfo;
        } catch {
            info = undefined;
        }
        if (!info?.username) {
            return { outcome: fail("the SelfSubjectReview answer has no username.", "Check that --kubeconfig points at a kube-apiserver.") };
        }
        const user = { username: info.username, groups: info.groups ?? [] };
        return { outcome: pass(`accepts the token: username ${JSON.stringify(user.username)}, groups ${JSON.stringify(user.groups)}.`), user };
    }
    if (status === 401) {
        const checks = [
            `its oidc-issuer-url is exactly ${JSON.stringify(issuer ?? "<issuer>")}`,
            `its oidc-client-id is ${JSON.stringify(clientId ?? "<client id>")}`,
            privateCa ? "it trusts the issuer's private CA (oidc-ca-file, K3sOidcApiServer's issuerCaPem: the CA you passed with --ca-file)" : "it trusts the issuer's certificate (oidc-ca-file when the issuer uses a private CA)",
        ];
        return {
            outcome: fail(
                "kube-apiserver rejects the token (401) although the token checks passed: the API server does not accept this issuer's tokens.",
                `Check that ${checks.join(", ")}; the reason is in the API server's log (journalctl -u k3s | grep -i oidc).`,
            ),
        };
    }
    if (status === 404) {
        return { outcome: fail("the API server has no SelfSubjectReview API (Kubernetes before 1.28).", "Upgrade K3s to 1.28 or newer, or check the login with kubectl auth whoami.") };
    }
    return { outcome: fail(`the SelfSubjectReview answered HTTP ${status}.`, "Check --kubeconfig's server URL and the API server's health.") };
}

/** A (Cluster)RoleBinding, as far as the RBAC check reads it. */
export interface Binding {
    kind: string;
    metadata: { name: string; namespace?: string };
    roleRef: { kind: string; name: string };
    subjects?: { kind: string; name: string }[];
}

/**
 * The group kube-apiserver adds to every authenticated user. Its default bindings (discovery,
 * basic-user, public-info-viewer) let nobody do anything in Headlamp, so they do not count.
 */
export const EVERY_USER = "system:authenticated";

/** Bindings that grant the user or its groups something, and near misses (a prefix away). */
export function matchBindings(user: { username: string; groups: string[] }, bindings: readonly Binding[], usernamePrefix: string, groupsPrefix: string): { matches: string[]; nearMisses: string[]; matched: Binding[] } {
    const matches: string[] = [];
    const matched: Binding[] = [];
    const nearMisses: string[] = [];
    const up = effectivePrefix(usernamePrefix);
    const gp = effectivePrefix(groupsPrefix);
    const label = (b: Binding) => `${b.kind} ${b.metadata.namespace ? `${b.metadata.namespace}/` : ""}${b.metadata.name} -> ${b.roleRef.kind} ${b.roleRef.name}`;
    for (const b of bindings) {
        for (const s of b.subjects ?? []) {
            if ((s.kind === "User" && s.name === user.username) || (s.kind === "Group" && s.name !== EVERY_USER && user.groups.includes(s.name))) {
                matches.push(`${label(b)} (${s.kind} ${s.name})`);
                if (!matched.includes(b)) {
                    matched.push(b);
                }
            } else if (s.kind === "User" && up && `${up}${s.name}` === user.username) {
                nearMisses.push(`${label(b)} names User ${JSON.stringify(s.name)} without the username prefix ${JSON.stringify(up)}`);
            } else if (s.kind === "Group" && gp && user.groups.includes(`${gp}${s.name}`)) {
                nearMisses.push(`${label(b)} names Group ${JSON.stringify(s.name)} without the groups prefix ${JSON.stringify(gp)}`);
            }
        }
    }
    return { matches, nearMisses, matched };
}

/**
 * The role a binding gives, by the names HeadlampRelease uses (README, "Roles"): `cluster-admin`
 * is admin, the namespace-scoped `admin` admin of its namespace, `headlamp-sso:...:operator` the
 * operator role, `view` viewer, the namespace reader only lists namespaces; any other role by name.
 */
export function roleOf(roleRef: { kind: string; name: string }): string {
    if (roleRef.kind === "ClusterRole") {
        if (roleRef.name === "cluster-admin" || roleRef.name === "admin") {
            return "admin";
        }
        if (roleRef.name === "view") {
            return "viewer";
        }
        if (/^headlamp-sso:.*:operator$/.test(roleRef.name)) {
            return "operator";
        }
        if (/^headlamp-sso:.*:namespace-reader$/.test(roleRef.name)) {
            return "lists namespaces";
        }
    }
    return `${roleRef.kind} ${roleRef.name}`;
}

/**
 * The user's effective role per scope, from the bindings that name it: `cluster-wide: operator;
 * namespace web: admin`. A namespace's roles include the cluster-wide ones' only in effect, so each
 * scope lists its own; the namespace reader counts only where nothing else is granted cluster-wide.
 */
export function effectiveRoles(matched: readonly Binding[]): string {
    const scopes = new Map<string, string[]>();
    for (const b of matched) {
        const scope = b.kind === "RoleBinding" ? `namespace ${b.metadata.namespace ?? "?"}` : "cluster-wide";
        const roles = scopes.get(scope) ?? [];
        const role = roleOf(b.roleRef);
        if (!roles.includes(role)) {
            roles.push(role);
        }
        scopes.set(scope, roles);
    }
    const cluster = scopes.get("cluster-wide");
    if (cluster && cluster.length > 1) {
        scopes.set("cluster-wide", cluster.filter((r) => r !== "lists namespaces"));
    }
    const order = [...scopes.keys()].sort((a, b) => (a === "cluster-wide" ? -1 : b === "cluster-wide" ? 1 : a.localeCompare(b)));
    return order.map((scope) => `${scope}: ${scopes.get(scope)!.join(", ")}`).join("; ");
}

/** Judges the RBAC match. `bareUsername` is the username without the prefix (the claim's value). */
export function judgeRbac(user: { username: string; groups: string[] }, found: { matches: string[]; nearMisses: string[]; matched?: Binding[] }, usernamePrefix: string): Outcome {
    if (found.matches.length > 0) {
        const roles = found.matched && found.matched.length > 0 ? ` Effective role: ${effectiveRoles(found.matched)}.` : "";
        return pass(`${found.matches.join("; ")}.${roles}`);
    }
    const up = effectivePrefix(usernamePrefix);
    const bare = up && user.username.startsWith(up) ? user.username.slice(up.length) : user.username;
    const subject = renderSubjects([bare], [], usernamePrefix, "")[0];
    return fail(
        `no ClusterRoleBinding or RoleBinding names User ${JSON.stringify(user.username)} or any of its groups ${JSON.stringify(user.groups.filter((g) => g !== EVERY_USER))}: the login works but the user may do nothing beyond what every authenticated user may${found.nearMisses.length ? ` (${found.nearMisses.join("; ")})` : ""}.`,
        `Add ${JSON.stringify(bare)} to adminUsers, operatorUsers or viewerUsers (or one of its Authentik groups to adminGroups/operatorGroups/viewerGroups, or a namespaceAccess line for one namespace) and run pulumi up; HeadlampRelease then binds ${subject.kind} ${JSON.stringify(subject.name)}.`,
    );
}

function accessOf(inputs: DoctorInputs): ClusterAccess {
    const k = inputs.kubeconfig!;
    return parseKubeconfig(k.text, path.dirname(k.source));
}

function missingKubeconfig(inputs: DoctorInputs): string | undefined {
    if (!inputs.kubeconfig) {
        return "no kubeconfig (give --kubeconfig FILE, an admin kubeconfig such as /etc/rancher/k3s/k3s.yaml).";
    }
    try {
        accessOf(inputs);
        return undefined;
    } catch (err) {
        return `the kubeconfig ${inputs.kubeconfig.source} cannot be used: ${(err as Error).message}`;
    }
}

export const apiServerCheck: Check = {
    name: "apiserver",
    needs: [],
    after: [],
    missing: missingKubeconfig,
    async run(inputs: DoctorInputs): Promise<Outcome> {
        const c = accessOf(inputs);
        const url = `${c.server}/readyz`;
        try {
            const res = await request(url, hasAdminCredentials(c) ? adminOf(c) : tlsOf(c));
            if (res.status === 200) {
                return pass(`${c.server} is ready.`);
            }
            if (res.status === 401 || res.status === 403) {
                return pass(`${c.server} answers (HTTP ${res.status} to /readyz without admin credentials).`);
            }
            return fail(`${url} answered HTTP ${res.status}: ${res.body.trim().split("\n").filter((l) => l.includes("failed")).join("; ").slice(0, 300)}`, "The API server is not ready: see journalctl -u k3s on the server.");
        } catch (err) {
            const why = explainNetworkError(err, url, CA_HINT);
            return fail(why.detail, why.fix);
        }
    },
};

export const apiAuthCheck: Check = {
    name: "apiserver-auth",
    needs: ["apiserver", "token", "token-claims"],
    after: [],
    missing: (inputs) => missingKubeconfig(inputs) ?? (inputs.token ? undefined : NO_TOKEN),
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const c = accessOf(inputs);
        const url = `${c.server}/apis/authentication.k8s.io/v1/selfsubjectreviews`;
        try {
            // Only the ID token: with a client certificate as well, the API server would see the admin.
            const res = await request(url, {
                ...tlsOf(c),
                method: "POST",
                headers: { authorization: `Bearer ${inputs.token!.trim()}`, "content-type": "application/json", accept: "application/json" },
                body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }),
            });
            const judged = judgeReview(res.status, res.body, inputs.issuer, inputs.clientId, inputs.caPem !== undefined);
            facts.user = judged.user;
            return judged.outcome;
        } catch (err) {
            const why = explainNetworkError(err, url, CA_HINT);
            return fail(why.detail, why.fix);
        }
    },
};

export const rbacCheck: Check = {
    name: "rbac",
    needs: ["apiserver-auth"],
    after: [],
    missing: (inputs) => {
        const why = missingKubeconfig(inputs) ?? (inputs.token ? undefined : NO_TOKEN);
        if (why) {
            return why;
        }
        return hasAdminCredentials(accessOf(inputs)) ? undefined : `the kubeconfig ${inputs.kubeconfig!.source} has no admin credentials (token or client certificate) to read RBAC.`;
    },
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const c = accessOf(inputs);
        const bindings: Binding[] = [];
        for (const [kind, p] of [["ClusterRoleBinding", "clusterrolebindings"], ["RoleBinding", "rolebindings"]] as const) {
            const url = `${c.server}/apis/rbac.authorization.k8s.io/v1/${p}`;
            try {
                const res = await request(url, { ...adminOf(c), headers: { ...adminOf(c).headers, accept: "application/json" } });
                if (res.status !== 200) {
                    return fail(`listing ${p} with the kubeconfig's credentials answered HTTP ${res.status}.`, "Give an admin kubeconfig (--kubeconfig /etc/rancher/k3s/k3s.yaml) that may list RBAC bindings.");
                }
                for (const item of (JSON.parse(res.body) as { items?: Binding[] }).items ?? []) {
                    bindings.push({ ...item, kind });
                }
            } catch (err) {
                const why = explainNetworkError(err, url, CA_HINT);
                return fail(why.detail, why.fix);
            }
        }
        const user = facts.user!;
        return judgeRbac(user, matchBindings(user, bindings, inputs.usernamePrefix, inputs.groupsPrefix), inputs.usernamePrefix);
    },
};
