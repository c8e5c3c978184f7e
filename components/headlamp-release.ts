// HeadlampRelease: Headlamp from its official Helm chart, with OIDC settings from a Kubernetes
// Secret (never Helm values), RBAC for OIDC users and groups (cluster-wide and per namespace), and an ingress with TLS or a Gateway
// API HTTPRoute. Resource wiring only; defaults and checks live in ./headlamp/settings.ts, rendering
// in ./headlamp/render.ts, ./headlamp/rbac.ts and ./headlamp/route.ts.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { isSet, known } from "./validation";
import {
    CHART_NAME,
    HEADLAMP_DEFAULTS,
    defaultCallbackUrl,
    issuerCaConfigMapName,
    ISSUER_CA,
    urlFor,
    validateHeadlampArgs,
} from "./headlamp/settings";
import { RESTART_TRIGGER_BYTES } from "./headlamp/settings";
import { issuerCaChecksum, renderSecretData, renderValues, restartTriggerKeepers } from "./headlamp/render";
import {
    NAMESPACE_ROLE_FOR,
    NamespaceAccess,
    RBAC_API_GROUP,
    ROLE_FOR,
    SubjectLists,
    hasSubjects,
    noRbacWarning,
    renderNamespaceReaderRole,
    renderOperatorRoles,
    renderSubjects,
} from "./headlamp/rbac";

export { HEADLAMP_DEFAULTS, CHECKSUM_ANNOTATION, ISSUER_CA, SECRET_KEYS } from "./headlamp/settings";

/** TLS of Headlamp's ingress. */
export interface HeadlampTlsArgs {
    /** Name of the Secret (in the release's namespace) that holds the certificate, e.g. `headlamp-tls`. */
    secretName: pulumi.Input<string>;
    /**
     * cert-manager ClusterIssuer that issues that certificate; adds the
     * `cert-manager.io/cluster-issuer` ingress annotation. Default none (empty string also means
     * none): you manage the Secret yourself.
     */
    clusterIssuer?: pulumi.Input<string>;
}

/** One Gateway listener Headlamp's HTTPRoute attaches to (a Gateway API `parentRef`). */
export interface HeadlampGatewayParentRefArgs {
    /** Name of the Gateway. Required; a DNS-1123 label, e.g. `my-gateway`. */
    name: string;
    /**
     * Namespace of the Gateway. Default the release's namespace. A Gateway in another namespace
     * must allow routes from this one (its listener's `allowedRoutes.namespaces`).
     */
    namespace?: string;
    /**
     * Name of the listener in the Gateway's `spec.listeners`, e.g. `https`. Default none: every
     * listener of the Gateway that accepts the route. Name the HTTPS listener, so Headlamp is not
     * also served over plain http.
     */
    sectionName?: string;
}

/**
 * Serve Headlamp through Gateway API instead of an Ingress: the chart's own HTTPRoute
 * (`httpRoute.*` values) for `host`, attached to these listeners. TLS terminates at the Gateway's
 * listener, which holds the certificate (cert-manager issues it for a Gateway annotated
 * `cert-manager.io/cluster-issuer`); `tls` and `ingressClassName` do not apply.
 */
export interface HeadlampGatewayArgs {
    /** The Gateway listeners to attach to. Required, at least one (at most 32). Plain, so they can be checked. */
    parentRefs: HeadlampGatewayParentRefArgs[];
    /** Annotations of the HTTPRoute. Default none. `cert-manager.io/*` keys belong on the Gateway and are refused here. */
    annotations?: { [key: string]: string };
}

/** The OIDC client Headlamp logs users in with (usually AuthentikOidcApp's outputs). */
export interface HeadlampOidcArgs {
    /** OAuth2 client id. Required. */
    clientId: pulumi.Input<string>;
    /**
     * OAuth2 client secret. Required; treated as a secret all the way: it only goes into the
     * Kubernetes Secret, never into Helm values or the Deployment.
     */
    clientSecret: pulumi.Input<string>;
    /** OIDC issuer URL (https), exactly as the API server trusts it. Required. */
    issuerUrl: pulumi.Input<string>;
    /**
     * Scopes Headlamp requests besides `openid` (which it always adds). Default `profile`, `email`,
     * `offline_access`: `profile` carries the groups, `offline_access` gives refresh tokens.
     */
    scopes?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Where the issuer sends the browser back. Default `https://<host>/oidc-callback`; must be on
     * `host` and end in `/oidc-callback`, and be one of the client's redirect URIs. Always sent:
     * as `OIDC_CALLBACK_URL` in the Secret and as the chart value `config.oidc.callbackURL`, which
     * makes the chart pass `-oidc-callback-url`, so the redirect URI Headlamp sends is exactly this
     * one (not one built from the request's forwarded scheme and host).
     */
    callbackUrl?: pulumi.Input<string>;
    /**
     * Use PKCE in the authorization code flow. Default false (confidential client with a secret).
     * When true: `OIDC_USE_PKCE: "true"` in the Secret and the chart value `config.oidc.usePKCE:
     * true`, which makes the chart pass `-oidc-use-pkce`.
     */
    usePkce?: pulumi.Input<boolean>;
    /**
     * PEM of the CA (one or more certificates) that signed the issuer's TLS certificate, when it is
     * a private CA. Default none (empty string also means none): the system roots. Headlamp's
     * backend fetches discovery, exchanges the login code and refreshes tokens at the issuer, so it
     * must trust that CA: the bundle goes into a ConfigMap `<releaseName>-oidc-ca`, mounted into
     * the pod, with `HEADLAMP_CONFIG_OIDC_CA_FILE` pointing at it and a `checksum/oidc-ca` pod
     * annotation that restarts Headlamp when it changes. Headlamp then trusts only this bundle
     * for the issuer, so it must hold the root that signed the issuer's certificate.
     */
    issuerCaPem?: pulumi.Input<string>;
}

/** OIDC users and groups bound to one ClusterRole. */
export interface HeadlampSubjectsArgs {
    /**
     * Usernames as the API server sees them without its username prefix (with the default `email`
     * username claim: email addresses). Default none. Plain, so bindings are known when planning.
     */
    users?: string[];
    /** OIDC group names without the groups prefix (e.g. Authentik group names). Default none. */
    groups?: string[];
}

/**
 * Access to one namespace only: RoleBindings in it (the namespace must exist; it is not created).
 * Its users and groups also get a ClusterRole that lists namespaces, which Headlamp needs to offer
 * the namespace at all (README, "Roles").
 */
export interface HeadlampNamespaceAccessArgs {
    /** The namespace, a DNS-1123 label, e.g. `web`. Required; each namespace at most once. */
    namespace: string;
    /** Bound to the built-in `admin` ClusterRole in this namespace only (not `cluster-admin`). Default none. */
    admins?: HeadlampSubjectsArgs;
    /** Bound to the operator role (read, logs, scale) in this namespace only. Default none. */
    operators?: HeadlampSubjectsArgs;
    /** Bound to `view` in this namespace only. Default none. */
    viewers?: HeadlampSubjectsArgs;
    /**
     * Allow a system namespace: one starting with `kube-` (reserved by Kubernetes; `admin` in
     * kube-system can run pods as its service accounts, some of which are cluster-admin on K3s) or
     * the release's own namespace (the OIDC client secret and Headlamp itself). Default false, so
     * such a grant is never made by a typo or a copied example.
     */
    allowSystemNamespace?: boolean;
}

/** Arguments of {@link HeadlampRelease}. */
export interface HeadlampReleaseArgs {
    /** Namespace of the Secret and the release. Default `headlamp`. */
    namespace?: pulumi.Input<string>;
    /** Create the namespace. Default true; false when it exists already (it is then not managed). */
    createNamespace?: boolean;
    /** Helm release name (at most 53 characters); also prefixes the chart's objects. Default `headlamp`. */
    releaseName?: string;
    /**
     * Headlamp chart version. Default `0.45.0`. At least 0.43.0, the oldest chart whose rendering of
     * these values (externalSecret with `hasScopes`, `callbackURL`, `usePKCE`, `secret.create:
     * false`) was checked with `helm template`; 0.40.1-0.42 also pass `-oidc-scopes`; not 0.40.1
     * (crash-loops). Plain, so it can be checked.
     */
    chartVersion?: string;
    /** Chart repository. Default `https://kubernetes-sigs.github.io/headlamp/` (the old headlamp-k8s.github.io one is gone). */
    repositoryUrl?: pulumi.Input<string>;
    /** DNS name Headlamp is served on, e.g. `headlamp.example.com`. Required. */
    host: pulumi.Input<string>;
    /** Ingress class. Default `traefik` (what K3s ships). Not with `gateway`. */
    ingressClassName?: pulumi.Input<string>;
    /** TLS of the ingress. Default none (no `tls` section: the ingress controller's default certificate). Not with `gateway`. */
    tls?: HeadlampTlsArgs;
    /**
     * Route through these Gateway API listeners (an HTTPRoute) instead of an Ingress. Default none
     * (an Ingress). The OIDC callback stays `https://<host>/oidc-callback`.
     */
    gateway?: HeadlampGatewayArgs;
    /** The OIDC client. Required. */
    oidc: HeadlampOidcArgs;
    /**
     * Users and groups bound to `cluster-admin`. Default none. With neither `admins` nor `viewers`,
     * `pulumi up` warns that nobody can act until RBAC is granted elsewhere.
     */
    admins?: HeadlampSubjectsArgs;
    /**
     * Users and groups bound cluster-wide to this release's operator role,
     * `headlamp-sso:<namespace>:<releaseName>:operator`: what `view` reads, pod logs, and scaling
     * Deployments, StatefulSets and ReplicaSets; no Secrets, exec, port-forward, RBAC, delete or
     * restart. Default none (the role is only created when operators are given, here or in
     * `namespaces`).
     */
    operators?: HeadlampSubjectsArgs;
    /** Users and groups bound to `view` (read-only, no Secrets). Default none. */
    viewers?: HeadlampSubjectsArgs;
    /**
     * Access to single namespaces: RoleBindings to `admin` (namespace-scoped), the operator role
     * or `view` in each namespace given, and a ClusterRole to list namespaces for their users and
     * groups. Default none (no RoleBindings). Plain, so the bindings are known when planning.
     */
    namespaces?: HeadlampNamespaceAccessArgs[];
    /**
     * Prefix the API server puts before usernames (K3sOidcApiServer's `usernamePrefix`). Default
     * `""` (`-` also means none, as for kube-apiserver); must match the API server, or the user
     * bindings match nobody. It may not lead into `system:`.
     */
    usernamePrefix?: pulumi.Input<string>;
    /**
     * Prefix the API server puts before group names (K3sOidcApiServer's `groupsPrefix`). Default
     * `oidc:`; must match the API server, or the group bindings match nobody. Required: `""`, `-`,
     * and `system:` or a start of it are refused.
     */
    groupsPrefix?: pulumi.Input<string>;
    /**
     * Headlamp's container resources. Default 100m CPU and 128Mi memory, as requests and limits
     * (the chart's default is none).
     */
    // `any`, not `unknown`: the Pulumi analyzer maps `any` to a schema "Any" and rejects `unknown`.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    resources?: pulumi.Input<{ [key: string]: any }>;
    /**
     * Extra chart values for what this component does not model (e.g. `nodeSelector`), deep-merged
     * last; lists replace lists. Plain object so it can be checked before anything is created: it
     * may not set `replicaCount` above 1, `clusterRoleBinding.create`, `config.oidc`, `OIDC_*` env
     * entries, the checksum annotation or `httpRoute` (use `gateway`), nor, with `gateway`,
     * `ingress.enabled`. Default none.
     */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    values?: { [key: string]: any };
}

/**
 * Headlamp from the official chart. Creates the namespace (optional), a Secret with the chart's
 * OIDC env keys loaded through `config.oidc.externalSecret`, ClusterRoleBindings from OIDC users
 * and groups to `cluster-admin`, the release's operator role and `view` (the operator role only
 * when there are operators), RoleBindings per namespace (`namespaces`), and the Helm release (one replica, no service-account
 * cluster-admin binding, an ingress with TLS or, with `gateway`, the chart's HTTPRoute, a restart trigger for the Secret in `podAnnotations` (random, replaced when its data changes), the chart
 * values `config.oidc.callbackURL` and `usePKCE` that turn on Headlamp's callback and PKCE flags,
 * and `config.oidc.secret.create: false` so the chart renders no Secret of its own).
 */
export class HeadlampRelease extends pulumi.ComponentResource {
    /** Headlamp's URL, `https://<host>/`. */
    public readonly url: pulumi.Output<string>;
    /** Namespace of the release. */
    public readonly namespace: pulumi.Output<string>;
    /** The Helm release's name. */
    public readonly releaseName: pulumi.Output<string>;
    /** Name of the Secret with the OIDC settings. */
    public readonly secretName: pulumi.Output<string>;
    /** Helm's status of the release (e.g. `deployed`). */
    public readonly status: pulumi.Output<string>;

    constructor(name: string, args: HeadlampReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        validateHeadlampArgs(args).throwIfAny(`HeadlampRelease "${name}"`);
        super("headlamp-sso:index:HeadlampRelease", name, {}, opts);
        const parent = { parent: this };
        const d = HEADLAMP_DEFAULTS;

        const lists = (a: HeadlampSubjectsArgs | undefined): SubjectLists => ({ users: a?.users ?? [], groups: a?.groups ?? [] });
        const admins = lists(args.admins);
        const operators = lists(args.operators);
        const viewers = lists(args.viewers);
        const access: NamespaceAccess[] = (args.namespaces ?? []).map((e) => ({
            namespace: e.namespace,
            admins: lists(e.admins),
            operators: lists(e.operators),
            viewers: lists(e.viewers),
        }));
        const count = (s: SubjectLists) => s.users.length + s.groups.length;
        const others = count(operators) + access.reduce((n, e) => n + count(e.admins) + count(e.operators) + count(e.viewers), 0);
        const warning = noRbacWarning(count(admins), count(viewers), others);
        if (warning) {
            void pulumi.log.warn(warning, this);
        }

        const releaseName = args.releaseName ?? d.releaseName;
        const secretName = `${releaseName}-oidc`;
        const host = pulumi.output(args.host);

        let namespace: pulumi.Output<string>;
        if (args.createNamespace ?? d.createNamespace) {
            const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
                metadata: { name: args.namespace ?? d.namespace },
            }, parent);
            namespace = ns.metadata.name;
        } else {
            namespace = pulumi.output(args.namespace ?? d.namespace);
        }

        const oidc = args.oidc;
        // Not secret: they go into the Secret and, as the switches of their chart flags, the values.
        const callbackUrl = pulumi.output(oidc.callbackUrl ?? host.apply(defaultCallbackUrl));
        const usePkce = pulumi.output(oidc.usePkce ?? d.usePkce);
        const data = pulumi.all([
            oidc.clientId,
            pulumi.secret(oidc.clientSecret),
            oidc.issuerUrl,
            oidc.scopes ?? d.scopes,
            callbackUrl,
            usePkce,
        ]).apply(([clientId, clientSecret, issuerUrl, scopes, callbackUrl, usePkce]) =>
            renderSecretData({ clientId, clientSecret, issuerUrl, scopes, callbackUrl, usePkce }));

        const secret = new k8s.core.v1.Secret(`${name}-oidc`, {
            metadata: { name: secretName, namespace },
            type: "Opaque",
            // Secret from input to sink: clientSecret is wrapped above, and the whole map stays secret.
            stringData: pulumi.secret(data),
        }, parent);

        // The restart trigger: a random value, replaced whenever the Secret's data changes (its
        // keepers are the data's sha256, a secret: encrypted in the state, never in the cluster). A
        // hash of the data itself in the annotation would let anyone who may read pods (the view
        // role) test guesses of the client secret offline; a random value tells them nothing.
        // Unsecreted on purpose (it is independent of the data): a secret anywhere in the Helm
        // values would make all of them secret and hide every values diff in `pulumi preview`.
        const trigger = new random.RandomId(`${name}-oidc-secret-trigger`, {
            byteLength: RESTART_TRIGGER_BYTES,
            keepers: pulumi.secret(data.apply(restartTriggerKeepers)),
        }, { ...parent, additionalSecretOutputs: ["keepers"] });
        const checksum = pulumi.unsecret(trigger.hex);

        // The issuer CA (not secret) in a ConfigMap, when one is given; whether it exists is decided
        // here, so an Output that resolves to "" leaves a ConfigMap that nothing mounts.
        const issuerCaPem = pulumi.output(oidc.issuerCaPem ?? "");
        const issuerCa = isSet(oidc.issuerCaPem) && known(oidc.issuerCaPem) !== ""
            ? new k8s.core.v1.ConfigMap(`${name}-oidc-ca`, {
                metadata: { name: issuerCaConfigMapName(releaseName), namespace },
                data: { [ISSUER_CA.configMapKey]: issuerCaPem },
            }, parent)
            : undefined;

        this.rbac(name, namespace, releaseName, { admins, operators, viewers, access }, pulumi.all([args.usernamePrefix ?? d.usernamePrefix, args.groupsPrefix ?? d.groupsPrefix]));

        const tls = args.tls;
        const values = pulumi.all([
            host,
            args.ingressClassName ?? d.ingressClassName,
            tls?.secretName,
            tls?.clusterIssuer,
            args.resources ?? d.resources,
            checksum,
            // pulumi.all's tuple typing stops at eight inputs: the OIDC-related ones go as one.
            pulumi.all([callbackUrl, usePkce, issuerCa ? issuerCaPem : ""]),
        ]).apply(([h, ingressClassName, tlsSecretName, clusterIssuer, resources, sum, [cb, pkce, caPem]]) => renderValues({
            secretName,
            host: h,
            ingressClassName,
            tlsSecretName,
            clusterIssuer,
            resources,
            checksum: sum,
            callbackUrl: cb,
            usePkce: pkce,
            values: args.values,
            issuerCa: caPem ? { configMapName: issuerCaConfigMapName(releaseName), checksum: issuerCaChecksum(caPem) } : undefined,
            gateway: args.gateway,
        }));

        const release = new k8s.helm.v3.Release(`${name}-release`, {
            name: releaseName,
            chart: CHART_NAME,
            version: args.chartVersion ?? d.chartVersion,
            repositoryOpts: { repo: args.repositoryUrl ?? d.repositoryUrl },
            namespace,
            createNamespace: false,
            values,
        }, { ...parent, dependsOn: releaseDependsOn(issuerCa ? [secret, issuerCa] : [secret], opts?.dependsOn) });

        this.url = host.apply(urlFor);
        this.namespace = namespace;
        this.releaseName = release.name;
        this.secretName = secret.metadata.name;
        this.status = release.status.apply((s) => s?.status ?? "");
        this.registerOutputs({
            url: this.url,
            namespace: this.namespace,
            releaseName: this.releaseName,
            secretName: this.secretName,
            status: this.status,
        });
    }
    /**
     * The RBAC objects: ClusterRoleBindings for admins, operators and viewers; the operator role
     * (only when someone is an operator); per namespace, RoleBindings and, for their subjects, the
     * namespace-reader ClusterRole and its binding. Nothing when nobody is given.
     */
    private rbac(name: string, namespace: pulumi.Output<string>, releaseName: string, a: Access, prefixes: pulumi.Output<[string, string]>): void {
        const parent = { parent: this };
        const subjects = (s: SubjectLists) => prefixes.apply(([u, g]) => renderSubjects(s.users, s.groups, u, g));
        const ref = (roleName: pulumi.Input<string>) => ({ apiGroup: RBAC_API_GROUP, kind: "ClusterRole", name: roleName });

        let operatorRole: k8s.rbac.v1.ClusterRole | undefined;
        if (hasSubjects(a.operators) || a.access.some((e) => hasSubjects(e.operators))) {
            const [role, rules] = [0, 1].map((i) => namespace.apply((ns) => renderOperatorRoles(ns, releaseName)[i]));
            const rulesRole = new k8s.rbac.v1.ClusterRole(`${name}-operator-rules`, { metadata: rules.metadata, rules: rules.apply((r) => r.rules ?? []) }, parent);
            operatorRole = new k8s.rbac.v1.ClusterRole(`${name}-operator`, {
                metadata: role.metadata,
                aggregationRule: role.apply((r) => r.aggregationRule!),
            }, { ...parent, dependsOn: [rulesRole] });
        }

        for (const [role, s, roleName] of [
            ["admins", a.admins, ROLE_FOR.admins],
            ["operators", a.operators, operatorRole?.metadata.name],
            ["viewers", a.viewers, ROLE_FOR.viewers],
        ] as const) {
            if (hasSubjects(s)) {
                new k8s.rbac.v1.ClusterRoleBinding(`${name}-${role}`, { roleRef: ref(roleName!), subjects: subjects(s) }, parent);
            }
        }

        const nsSubjects: SubjectLists = { users: [], groups: [] };
        for (const e of a.access) {
            for (const [role, s, roleName] of [
                ["admins", e.admins, NAMESPACE_ROLE_FOR.admins],
                ["operators", e.operators, operatorRole?.metadata.name],
                ["viewers", e.viewers, NAMESPACE_ROLE_FOR.viewers],
            ] as const) {
                if (!hasSubjects(s)) {
                    continue;
                }
                new k8s.rbac.v1.RoleBinding(`${name}-${e.namespace}-${role}`, {
                    metadata: { namespace: e.namespace },
                    roleRef: ref(roleName!),
                    subjects: subjects(s),
                }, parent);
                nsSubjects.users.push(...s.users.filter((x) => !nsSubjects.users.includes(x)));
                nsSubjects.groups.push(...s.groups.filter((x) => !nsSubjects.groups.includes(x)));
            }
        }
        if (hasSubjects(nsSubjects)) {
            const reader = namespace.apply((ns) => renderNamespaceReaderRole(ns, releaseName));
            const readerRole = new k8s.rbac.v1.ClusterRole(`${name}-namespace-reader`, { metadata: reader.metadata, rules: reader.apply((r) => r.rules ?? []) }, parent);
            new k8s.rbac.v1.ClusterRoleBinding(`${name}-namespace-readers`, { roleRef: ref(readerRole.metadata.name), subjects: subjects(nsSubjects) }, parent);
        }
    }
}

/** Everything HeadlampRelease binds, as plain lists. */
interface Access {
    admins: SubjectLists;
    operators: SubjectLists;
    viewers: SubjectLists;
    access: NamespaceAccess[];
}

/**
 * The release waits for its Secret (and the issuer CA's ConfigMap) and, explicitly, for whatever
 * the component was told to depend on (the program passes K3sOidcApiServer: Headlamp's logins only
 * work once the API server trusts the issuer). Children do not inherit a component's `dependsOn`;
 * they only wait for its URN, so this states the order instead of relying on that.
 */
function releaseDependsOn(own: pulumi.Resource[], extra: pulumi.ComponentResourceOptions["dependsOn"]): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
    if (extra === undefined) {
        return own;
    }
    return pulumi.output(extra).apply((d) => [...own, ...(Array.isArray(d) ? d : [d])]);
}
