// Pure RBAC of HeadlampRelease: the ClusterRoles admins and viewers are bound to, and the subjects
// as the API server names OIDC users and groups (its username and groups prefixes).

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

/** The warning when nobody is granted anything, or undefined. */
export function noRbacWarning(admins: number, viewers: number): string | undefined {
    if (admins > 0 || viewers > 0) {
        return undefined;
    }
    return "no admins and no viewers: nobody can act in the Headlamp dashboard until RBAC is granted to OIDC users or groups elsewhere (set admins or viewers to bind cluster-admin or view).";
}
