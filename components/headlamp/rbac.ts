// Pure RBAC of HeadlampRelease: the ClusterRoles admins and viewers are bound to, and the subjects
// as the API server names OIDC users and groups (its username and groups prefixes), the operator
// role and the RoleBindings of per-namespace access.
import { createHash } from "crypto";

/** The ClusterRoles that admins and viewers are bound to. */
export const ROLE_FOR = { admins: "cluster-admin", viewers: "view" } as const;

/** One RBAC subject. */
export interface Subject {
    kind: string;
    name: string;
    apiGroup: string;
}

/** A prefix as the API server applies it: `-` (kube-apiserver's "no prefix") means none, as in K3sOidcApiServer. */
export function effectivePrefix(prefix: string): string {
    return prefix === "-" ? "" : prefix;
}

/** Users (with the API server's username prefix) and groups (with its groups prefix) as subjects. */
export function renderSubjects(users: readonly string[], groups: readonly string[], usernamePrefix: string, groupsPrefix: string): Subject[] {
    const apiGroup = "rbac.authorization.k8s.io";
    const u = effectivePrefix(usernamePrefix);
    const g = effectivePrefix(groupsPrefix);
    return [
        ...users.map((name) => ({ kind: "User", name: `${u}${name}`, apiGroup })),
        ...groups.map((name) => ({ kind: "Group", name: `${g}${name}`, apiGroup })),
    ];
}

/** The group of every RBAC object. */
export const RBAC_API_GROUP = "rbac.authorization.k8s.io";

/**
 * The ClusterRoles the bindings of one namespace entry refer to: `admin` is the namespace-scoped
 * built-in (everything inside the namespace, RoleBindings and Secrets included, nothing of the
 * namespace object itself or of the cluster), never `cluster-admin`; operators get this release's
 * operator role ({@link operatorRoleName}).
 */
export const NAMESPACE_ROLE_FOR = { admins: "admin", viewers: "view" } as const;

/** The roles a namespace entry can bind, in the order they are rendered. */
export const ACCESS_ROLES = ["admins", "operators", "viewers"] as const;

/** Labels on every ClusterRole this component owns. */
export const OWNED_LABELS = { "app.kubernetes.io/managed-by": "headlamp-sso" } as const;
/** The label that joins the operator role's own rules to it (the value is per release). */
export const AGGREGATE_TO_OPERATOR_LABEL = "headlamp-sso.dev/aggregate-to-operator";
/** The label the built-in `view` role aggregates: the operator role aggregates the same roles. */
export const AGGREGATE_TO_VIEW_LABEL = "rbac.authorization.k8s.io/aggregate-to-view";

/**
 * `headlamp-sso:<namespace>:<releaseName>:operator`: derived from the release's namespace and
 * name, so two releases on one cluster (even two called `headlamp`) never share or overwrite it.
 * Colons are allowed in RBAC names (the built-in `system:` roles use them).
 */
export function operatorRoleName(namespace: string, releaseName: string): string {
    return `headlamp-sso:${namespace}:${releaseName}:operator`;
}

/** `...:operator-rules`, the ClusterRole with the operator's own rules (aggregated into the operator role). */
export function operatorRulesRoleName(namespace: string, releaseName: string): string {
    return `${operatorRoleName(namespace, releaseName)}-rules`;
}

/** `headlamp-sso:<namespace>:<releaseName>:namespace-reader`, see {@link NAMESPACE_READER_RULES}. */
export function namespaceReaderRoleName(namespace: string, releaseName: string): string {
    return `headlamp-sso:${namespace}:${releaseName}:namespace-reader`;
}

/** The per-release label value (a label value holds at most 63 characters; the role name may not). */
export function aggregationValue(namespace: string, releaseName: string): string {
    return createHash("sha256").update(operatorRoleName(namespace, releaseName)).digest("hex").slice(0, 32);
}

/** One RBAC rule. */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/**
 * What the operator may do beyond reading what `view` reads (which it aggregates), and nothing
 * else: no Secrets, exec, attach, port-forward, RBAC, create or delete.
 * - Logs: `get` on `pods/log` (Headlamp streams them with GET .../pods/<name>/log?follow=true).
 *   `view` grants it too; stated here so the operator keeps logs whatever `view` aggregates.
 * - Scale: Headlamp's Scale button (frontend/src/components/common/Resource/ScaleButton.tsx) is
 *   shown when a SelfSubjectAccessReview for verb `patch` on subresource `scale` says yes, and
 *   sends `PATCH /apis/apps/v1/namespaces/<ns>/<deployments|statefulsets|replicasets>/<name>/scale`
 *   with a merge patch of `spec.replicas` (KubeObject.scale -> apiScaleFactory's `patch` in
 *   frontend/src/lib/k8s/api/v1/scaleApi.ts; `patch` in api/v1/clusterRequests.ts sends
 *   `application/merge-patch+json`). So `patch` on those three `/scale` subresources; reading
 *   them (`get`) comes with `view`.
 * - Not Restart: Headlamp's Restart (frontend/src/components/common/Resource/RestartButton.tsx)
 *   is shown to who may `update` the Deployment/StatefulSet/DaemonSet and sends a merge patch of
 *   the object itself (`spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]`).
 *   RBAC cannot limit a patch to one annotation: `patch`/`update` on the object lets its holder
 *   change the pod template (image, command, any Secret of the namespace mounted, any service
 *   account of the namespace), which is the Secrets and every service account's rights. Scale
 *   to 0 and back instead, or give the namespace's `admins` the restart.
 */
export const OPERATOR_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale", "replicasets/scale"], verbs: ["patch"] },
];

/**
 * What a namespace-only user needs for Headlamp to be usable: to list namespaces. Headlamp fills
 * its namespace selector from `GET /api/v1/namespaces` and, without it, shows an empty cluster
 * (kubernetes-sigs/headlamp#7326); its "allowed namespaces" cluster setting lives in each
 * browser's local storage, so the server cannot set it. Namespace names and labels only.
 */
export const NAMESPACE_READER_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
];

/** A ClusterRole as this component renders it (plain, for the component and the tier). */
export interface RenderedClusterRole {
    metadata: { name: string; labels: Record<string, string> };
    rules?: PolicyRule[];
    aggregationRule?: { clusterRoleSelectors: { matchLabels: Record<string, string> }[] };
}

/**
 * The operator role (aggregates what `view` aggregates plus its own rules: it aggregates nothing
 * of `edit` or `admin`) and the role with its own rules, labelled to be aggregated into it only.
 * The aggregation is kube-controller-manager's (clusterrole-aggregation controller), as for `view`.
 */
export function renderOperatorRoles(namespace: string, releaseName: string): [RenderedClusterRole, RenderedClusterRole] {
    const value = aggregationValue(namespace, releaseName);
    return [
        {
            metadata: { name: operatorRoleName(namespace, releaseName), labels: { ...OWNED_LABELS } },
            aggregationRule: {
                clusterRoleSelectors: [
                    { matchLabels: { [AGGREGATE_TO_VIEW_LABEL]: "true" } },
                    { matchLabels: { [AGGREGATE_TO_OPERATOR_LABEL]: value } },
                ],
            },
        },
        {
            metadata: { name: operatorRulesRoleName(namespace, releaseName), labels: { ...OWNED_LABELS, [AGGREGATE_TO_OPERATOR_LABEL]: value } },
            rules: OPERATOR_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
        },
    ];
}

/** The ClusterRole namespace-only users get cluster-wide (see {@link NAMESPACE_READER_RULES}). */
export function renderNamespaceReaderRole(namespace: string, releaseName: string): RenderedClusterRole {
    return {
        metadata: { name: namespaceReaderRoleName(namespace, releaseName), labels: { ...OWNED_LABELS } },
        rules: NAMESPACE_READER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    };
}

/** Users and groups of one role (plain lists). */
export interface SubjectLists {
    users: string[];
    groups: string[];
}

/** One namespace entry with its lists filled in. */
export interface NamespaceAccess {
    namespace: string;
    admins: SubjectLists;
    operators: SubjectLists;
    viewers: SubjectLists;
}

/** Whether a role has anybody. */
export function hasSubjects(s: SubjectLists): boolean {
    return s.users.length + s.groups.length > 0;
}

/**
 * The namespaces Kubernetes and K3s run themselves in: Kubernetes reserves the `kube-` prefix
 * (kube-system, kube-public, kube-node-lease). A RoleBinding there is refused unless the entry says
 * `allowSystemNamespace: true`: `admin` in kube-system can run pods as any of its service
 * accounts (K3s's helm-install jobs' accounts are bound to cluster-admin), so it is the cluster.
 */
export function isSystemNamespace(namespace: string): boolean {
    return namespace.startsWith("kube-");
}

/**
 * The warning when nobody is granted anything, or undefined. `others` counts the subjects of
 * operators and of the namespace entries.
 */
export function noRbacWarning(admins: number, viewers: number, others = 0): string | undefined {
    if (admins > 0 || viewers > 0 || others > 0) {
        return undefined;
    }
    return "no admins, operators, viewers or namespaces: nobody can act in the Headlamp dashboard until RBAC is granted to OIDC users or groups elsewhere (set admins, operators or viewers to bind cluster-admin, the operator role or view, or namespaces for one namespace).";
}
