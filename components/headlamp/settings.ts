// Pure settings of HeadlampRelease: defaults, constants and the validation of the args (the chart
// values the user may not override included). No resources here; components/headlamp-release.ts
// wires them, and tests/headlamp-settings.test.ts checks them without mocks. The Secret's data and
// the chart values are rendered in ./render.ts, the RBAC subjects in ./rbac.ts.
import {
    Problems,
    checkCertificateBundle,
    checkDnsName,
    checkHttpsUrl,
    checkK8sName,
    checkNoWhitespace,
    checkNonEmpty,
    known,
    knownList,
    show,
} from "../validation";
import { checkGroupsPrefix, checkNotSystemName, checkUsernamePrefix } from "../validation";
import { GatewayToCheck, checkGateway, checkRouteValues } from "./route";
import { ACCESS_ROLES, isSystemNamespace } from "./rbac";

/** Defaults of HeadlampRelease, in one place for the code, the docs and the tests. */
export const HEADLAMP_DEFAULTS = {
    namespace: "headlamp",
    createNamespace: true,
    releaseName: "headlamp",
    chartVersion: "0.45.0",
    repositoryUrl: "https://kubernetes-sigs.github.io/headlamp/",
    ingressClassName: "traefik",
    scopes: ["profile", "email", "offline_access"] as string[],
    callbackPath: "/oidc-callback",
    usePkce: false,
    usernamePrefix: "",
    groupsPrefix: "oidc:",
    resources: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "100m", memory: "128Mi" },
    },
} as const;

/** The chart's name in its repository. */
export const CHART_NAME = "headlamp";
/**
 * The pod annotation whose value changes whenever the OIDC Secret's data changes, so Helm rolls
 * the pod. Its value is random (see {@link restartTriggerKeepers}), not a hash of the data: the
 * data is public except the client secret, so a plain hash in a pod annotation (which the `view`
 * role can read) would let anyone test guesses of the client secret offline.
 */
export const CHECKSUM_ANNOTATION = "checksum/oidc-secret";
/** Bytes of the random restart trigger (hex in the annotation): as unique as a type-4 UUID. */
export const RESTART_TRIGGER_BYTES = 16;
/**
 * How Headlamp's pod gets the issuer's private CA. Headlamp reads config key `oidc-ca-file` from
 * env `HEADLAMP_CONFIG_OIDC_CA_FILE` (backend/pkg/config/config.go: `OidcCAFile` tagged
 * `koanf:"oidc-ca-file"`, env provider prefix `HEADLAMP_CONFIG_`, lower-cased, `_` -> `-`; an
 * unreadable or unparsable file stops Headlamp at start-up), and uses that bundle instead of the
 * system roots for discovery, the code exchange and token refresh (backend/cmd/server.go
 * `loadOidcCACert`, backend/pkg/auth/auth.go `ConfigureTLSContext`). The chart has no value for
 * it, so the file comes from a ConfigMap through the chart's top-level `volumes` and `volumeMounts`
 * lists and the env through its `env` list (charts/headlamp/values.yaml; templates/deployment.yaml
 * as of chart 0.45.0, kubernetes-sigs/headlamp commit f3380468, renders `.Values.env` next to the
 * externalSecret `envFrom`, `.Values.volumeMounts` into the headlamp container and `.Values.volumes`
 * into the pod).
 */
export const ISSUER_CA = {
    env: "HEADLAMP_CONFIG_OIDC_CA_FILE",
    volumeName: "oidc-issuer-ca",
    mountPath: "/etc/headlamp/oidc-ca",
    configMapKey: "ca.crt",
    /** Pod annotation with the bundle's sha256, so a new CA restarts Headlamp (it reads the file once). */
    checksumAnnotation: "checksum/oidc-ca",
} as const;

/** `headlamp` -> `headlamp-oidc-ca`, the ConfigMap with the issuer CA. */
export function issuerCaConfigMapName(releaseName: string): string {
    return `${releaseName}-oidc-ca`;
}

/**
 * Oldest chart version allowed. Not a feature floor: charts 0.40.1-0.42 pass `-oidc-scopes`
 * unconditionally in externalSecret mode (0.43 made it depend on `hasScopes`). It is the oldest
 * chart whose rendering of exactly these values (externalSecret with `hasScopes`, `callbackURL` and
 * `usePKCE` turning on their flags, `secret.create: false`) was checked with `helm template`
 * (0.43.0 to 0.45.0).
 */
export const MIN_CHART_VERSION = "0.43.0";
/** Why {@link MIN_CHART_VERSION} is the floor, for the error message (and docs/components.md says the same). */
export const MIN_CHART_VERSION_REASON =
    "the oldest chart whose rendering of these values (externalSecret with hasScopes, callbackURL, usePKCE, secret.create false) was checked with helm template";
/** Chart versions known to be broken (0.40.1 crash-loops). */
export const BROKEN_CHART_VERSIONS: readonly string[] = ["0.40.1"];

/** Secret keys the chart's `externalSecret` mode loads with `envFrom` (Headlamp's env names). */
export const SECRET_KEYS = {
    clientId: "OIDC_CLIENT_ID",
    clientSecret: "OIDC_CLIENT_SECRET",
    issuerUrl: "OIDC_ISSUER_URL",
    scopes: "OIDC_SCOPES",
    callbackUrl: "OIDC_CALLBACK_URL",
    usePkce: "OIDC_USE_PKCE",
} as const;

/** `headlamp.example.com` -> `https://headlamp.example.com/oidc-callback`. */
export function defaultCallbackUrl(host: string): string {
    return `https://${host}${HEADLAMP_DEFAULTS.callbackPath}`;
}

/** `headlamp.example.com` -> `https://headlamp.example.com/`. */
export function urlFor(host: string): string {
    return `https://${host}/`;
}

/** `major.minor.patch[-pre]` as numbers, or undefined when it is not such a version. */
export function parseVersion(version: string): [number, number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$/.exec(version);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
    for (let i = 0; i < 3; i++) {
        if (a[i] !== b[i]) {
            return a[i] - b[i];
        }
    }
    return 0;
}

/** The RBAC subjects of one role, as the args give them (plain: they decide which bindings exist). */
export interface SubjectsToCheck {
    users?: unknown;
    groups?: unknown;
}

/** The args as `validateHeadlampArgs` sees them (plain where known, Outputs are taken as given). */
export interface HeadlampArgsToCheck {
    namespace?: unknown;
    createNamespace?: unknown;
    releaseName?: unknown;
    chartVersion?: unknown;
    repositoryUrl?: unknown;
    host?: unknown;
    ingressClassName?: unknown;
    tls?: { secretName?: unknown; clusterIssuer?: unknown };
    gateway?: GatewayToCheck;
    oidc?: {
        clientId?: unknown;
        clientSecret?: unknown;
        issuerUrl?: unknown;
        scopes?: unknown;
        callbackUrl?: unknown;
        usePkce?: unknown;
        issuerCaPem?: unknown;
    };
    admins?: SubjectsToCheck;
    operators?: SubjectsToCheck;
    viewers?: SubjectsToCheck;
    namespaces?: unknown;
    usernamePrefix?: unknown;
    groupsPrefix?: unknown;
    resources?: unknown;
    values?: unknown;
}

/** Whether a value is a plain object (not an array, an Output or a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return false;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    return proto === Object.prototype || proto === null;
}

function checkChartVersion(problems: Problems, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    const v = parseVersion(value);
    if (!v) {
        problems.add("chartVersion", `${show(value)} is not a chart version; give one such as ${show(HEADLAMP_DEFAULTS.chartVersion)}.`);
        return;
    }
    if (BROKEN_CHART_VERSIONS.includes(value.replace(/^v/, ""))) {
        problems.add("chartVersion", `${show(value)} crash-loops; use ${show(HEADLAMP_DEFAULTS.chartVersion)}.`);
    } else if (compareVersions(v, parseVersion(MIN_CHART_VERSION)!) < 0) {
        problems.add(
            "chartVersion",
            `${show(value)} is older than ${MIN_CHART_VERSION}, ${MIN_CHART_VERSION_REASON}; use ${show(HEADLAMP_DEFAULTS.chartVersion)}.`,
        );
    }
}

function checkString(problems: Problems, field: string, value: unknown, hint: string): string | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    const plain = known(value as string);
    if (plain === undefined) {
        return undefined;
    }
    if (typeof plain !== "string") {
        problems.add(field, `must be a string; ${hint}.`);
        return undefined;
    }
    return plain;
}

function checkNames(problems: Problems, field: string, value: unknown, what: string): void {
    if (value === undefined || value === null) {
        return;
    }
    if (!Array.isArray(value)) {
        problems.add(field, `must be a list of ${what} names, e.g. ["alice@example.com"].`);
        return;
    }
    const list = knownList(value as string[]) ?? [];
    list.forEach((name, i) => {
        if (name === undefined) {
            return;
        }
        if (typeof name !== "string") {
            problems.add(`${field}[${i}]`, `must be a ${what} name (a string).`);
            return;
        }
        checkNonEmpty(problems, `${field}[${i}]`, name, `give the ${what}'s name as the API server sees it, or remove the entry`);
        checkNotSystemName(problems, `${field}[${i}]`, name, what === "group" ? "group" : "user");
    });
}

function checkSubjects(problems: Problems, field: string, subjects: SubjectsToCheck | undefined | null): void {
    if (subjects === undefined || subjects === null) {
        return;
    }
    if (!isPlainObject(subjects)) {
        problems.add(field, 'must be an object like {users: ["alice@example.com"], groups: ["k8s-ops"]}.');
        return;
    }
    checkNames(problems, `${field}.users`, subjects.users, "user");
    checkNames(problems, `${field}.groups`, subjects.groups, "group");
}

/**
 * Checks the per-namespace access entries: a plain list (it decides which RoleBindings exist), each
 * entry a DNS-1123 label not named twice, with at least one user or group, and not a system
 * namespace (`kube-*`, which Kubernetes reserves, or the release's own namespace, which holds the
 * OIDC client secret and Headlamp itself) unless `allowSystemNamespace` is true.
 */
function checkNamespaces(problems: Problems, value: unknown, releaseNamespace: string | undefined): void {
    if (value === undefined || value === null) {
        return;
    }
    if (!Array.isArray(value)) {
        problems.add("namespaces", 'must be a list like [{namespace: "web", operators: {groups: ["web-team"]}}] (plain, so the RoleBindings are known when planning).');
        return;
    }
    const seen = new Map<string, number>();
    value.forEach((entry: unknown, i) => {
        const field = `namespaces[${i}]`;
        if (!isPlainObject(entry)) {
            problems.add(field, 'must be an object like {namespace: "web", operators: {groups: ["web-team"]}}.');
            return;
        }
        const ns = entry.namespace;
        if (typeof ns !== "string") {
            problems.add(`${field}.namespace`, 'is required: the name of an existing namespace, e.g. "web".');
        } else {
            const before = problems.list.length;
            checkK8sName(problems, `${field}.namespace`, ns);
            if (problems.list.length === before) {
                if (seen.has(ns)) {
                    problems.add(`${field}.namespace`, `${show(ns)} is already namespaces[${seen.get(ns)}]; put all of its users and groups in one entry.`);
                } else {
                    seen.set(ns, i);
                }
                const allowed = entry.allowSystemNamespace;
                if (allowed !== undefined && typeof allowed !== "boolean") {
                    problems.add(`${field}.allowSystemNamespace`, `${show(allowed)} must be true or false.`);
                }
                const system = isSystemNamespace(ns) ? `Kubernetes reserves the "kube-" prefix for its own namespaces (admin there can run pods as their service accounts, which on K3s include cluster-admin ones)`
                    : ns === releaseNamespace ? "it is Headlamp's own namespace (it holds the OIDC client secret and Headlamp itself)" : undefined;
                if (system && allowed !== true) {
                    problems.add(`${field}.namespace`, `${show(ns)} is a system namespace: ${system}; grant it with admins, operators or viewers cluster-wide, or set allowSystemNamespace: true on this entry if you mean it.`);
                }
            }
        }
        let count = 0;
        for (const role of ACCESS_ROLES) {
            const subjects = entry[role] as SubjectsToCheck | undefined;
            checkSubjects(problems, `${field}.${role}`, subjects);
            if (isPlainObject(subjects)) {
                count += (Array.isArray(subjects.users) ? subjects.users.length : 0) + (Array.isArray(subjects.groups) ? subjects.groups.length : 0);
            }
        }
        if (count === 0) {
            problems.add(field, "grants nobody anything; give admins, operators or viewers (users or groups), or remove the entry.");
        }
        for (const key of Object.keys(entry)) {
            if (!["namespace", "allowSystemNamespace", ...ACCESS_ROLES].includes(key)) {
                problems.add(`${field}.${key}`, "is not a field of a namespace entry; use namespace, admins, operators, viewers or allowSystemNamespace.");
            }
        }
    });
}

/** Checks every arg of HeadlampRelease and returns all problems (none when the args are fine). */
export function validateHeadlampArgs(args: HeadlampArgsToCheck | undefined): Problems {
    const problems = new Problems();
    if (!args) {
        problems.add("args", 'are required; give at least host and oidc {clientId, clientSecret, issuerUrl}.');
        return problems;
    }

    checkK8sName(problems, "namespace", checkString(problems, "namespace", args.namespace, 'e.g. "headlamp"'));
    const releaseName = checkString(problems, "releaseName", args.releaseName, 'e.g. "headlamp"');
    checkK8sName(problems, "releaseName", releaseName);
    if (releaseName !== undefined && releaseName.length > 53) {
        problems.add("releaseName", `${show(releaseName)} is longer than Helm's 53 characters; shorten it.`);
    }
    if (args.createNamespace !== undefined && typeof args.createNamespace !== "boolean") {
        problems.add("createNamespace", `${show(args.createNamespace)} must be true or false.`);
    }
    checkChartVersion(problems, checkString(problems, "chartVersion", args.chartVersion, `e.g. ${show(HEADLAMP_DEFAULTS.chartVersion)}`));
    checkHttpsUrl(problems, "repositoryUrl", checkString(problems, "repositoryUrl", args.repositoryUrl, "the chart repository URL"), HEADLAMP_DEFAULTS.repositoryUrl);

    let host: string | undefined;
    if (args.host === undefined || args.host === null) {
        problems.add("host", 'is required; give the DNS name Headlamp is served on, e.g. "headlamp.example.com".');
    } else {
        host = checkString(problems, "host", args.host, 'e.g. "headlamp.example.com"');
        const before = problems.list.length;
        checkDnsName(problems, "host", host, "headlamp.example.com");
        if (problems.list.length > before) {
            host = undefined;
        }
    }
    const ingressClassName = checkString(problems, "ingressClassName", args.ingressClassName, 'e.g. "traefik"');
    checkNonEmpty(problems, "ingressClassName", ingressClassName, 'give the ingress class, e.g. "traefik", or leave it unset');
    checkNoWhitespace(problems, "ingressClassName", ingressClassName);

    if (args.tls !== undefined && args.tls !== null) {
        checkK8sName(problems, "tls.secretName", checkString(problems, "tls.secretName", args.tls.secretName, 'e.g. "headlamp-tls"'));
        const issuer = checkString(problems, "tls.clusterIssuer", args.tls.clusterIssuer, 'e.g. "letsencrypt"');
        if (issuer !== undefined && issuer !== "") {
            checkK8sName(problems, "tls.clusterIssuer", issuer);
        }
    }

    checkGateway(problems, args.gateway, { tls: args.tls, ingressClassName: args.ingressClassName });

    const oidc = args.oidc;
    if (oidc === undefined || oidc === null) {
        problems.add("oidc", "is required; give clientId, clientSecret and issuerUrl (e.g. from AuthentikOidcApp's outputs).");
    } else {
        for (const field of ["clientId", "clientSecret", "issuerUrl"] as const) {
            if (oidc[field] === undefined || oidc[field] === null) {
                problems.add(`oidc.${field}`, "is required; pass it from AuthentikOidcApp's output of the same name.");
            }
        }
        const clientId = checkString(problems, "oidc.clientId", oidc.clientId, "the OAuth2 client id");
        checkNonEmpty(problems, "oidc.clientId", clientId, "give the OAuth2 client id");
        // The secret is only checked for presence and emptiness; its value is never quoted.
        const secret = known(oidc.clientSecret as string | undefined);
        if (typeof secret === "string" && secret.trim() === "") {
            problems.add("oidc.clientSecret", "must not be empty; pass AuthentikOidcApp's clientSecret output.");
        }
        checkHttpsUrl(problems, "oidc.issuerUrl", checkString(problems, "oidc.issuerUrl", oidc.issuerUrl, "the OIDC issuer URL"), "https://auth.example.com/application/o/headlamp/");
        if (oidc.scopes !== undefined && oidc.scopes !== null) {
            if (!Array.isArray(oidc.scopes) && known(oidc.scopes as string[]) !== undefined) {
                problems.add("oidc.scopes", `must be a list of scope names, e.g. ${show(HEADLAMP_DEFAULTS.scopes)}.`);
            } else {
                (knownList(oidc.scopes as string[]) ?? []).forEach((scope, i) => {
                    if (scope === undefined) {
                        return;
                    }
                    if (typeof scope !== "string" || !/^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/.test(scope)) {
                        problems.add(`oidc.scopes[${i}]`, `${show(scope)} is not a scope name (non-empty, no spaces, commas or quotes); e.g. "profile".`);
                    }
                });
            }
        }
        const callback = checkString(problems, "oidc.callbackUrl", oidc.callbackUrl, "e.g. https://<host>/oidc-callback");
        const url = checkHttpsUrl(problems, "oidc.callbackUrl", callback, host ? defaultCallbackUrl(host) : "https://headlamp.example.com/oidc-callback");
        if (url && host !== undefined && (url.hostname !== host || url.port !== "")) {
            problems.add(
                "oidc.callbackUrl",
                `${show(callback)} is not on host ${show(host)}: Headlamp receives the callback itself; use ${show(defaultCallbackUrl(host))} or leave it unset.`,
            );
        }
        if (url && !url.pathname.endsWith(HEADLAMP_DEFAULTS.callbackPath)) {
            problems.add("oidc.callbackUrl", `${show(callback)} must end in "${HEADLAMP_DEFAULTS.callbackPath}", the path Headlamp serves the callback on.`);
        }
        if (oidc.usePkce !== undefined && known(oidc.usePkce as boolean) !== undefined && typeof oidc.usePkce !== "boolean") {
            problems.add("oidc.usePkce", `${show(oidc.usePkce)} must be true or false.`);
        }
        const issuerCa = checkString(problems, "oidc.issuerCaPem", oidc.issuerCaPem, "give the PEM text of the issuer's CA");
        checkCertificateBundle(problems, "oidc.issuerCaPem", issuerCa === "" ? undefined : issuerCa, "the CA that signed the issuer's TLS certificate");
    }

    for (const role of ACCESS_ROLES) {
        checkSubjects(problems, role, args[role]);
    }
    const releaseNamespace = typeof known(args.namespace as string | undefined) === "string" ? known(args.namespace as string) : HEADLAMP_DEFAULTS.namespace;
    checkNamespaces(problems, args.namespaces, args.namespace === undefined || args.namespace === null ? HEADLAMP_DEFAULTS.namespace : releaseNamespace);
    for (const field of ["usernamePrefix", "groupsPrefix"] as const) {
        checkNoWhitespace(problems, field, checkString(problems, field, args[field], 'e.g. "oidc:"'));
    }
    // No Authentik user or group may become a Kubernetes "system:" identity (validation.ts). The
    // username claim is the API server's business (K3sOidcApiServer checks it with the prefix).
    checkUsernamePrefix(problems, "usernamePrefix", typeof known(args.usernamePrefix) === "string" ? known(args.usernamePrefix as string) : undefined, undefined, "usernameClaim");
    checkGroupsPrefix(problems, "groupsPrefix", typeof known(args.groupsPrefix) === "string" ? known(args.groupsPrefix as string) : undefined);

    if (args.resources !== undefined && args.resources !== null && !isPlainObject(args.resources) && known(args.resources) !== undefined) {
        problems.add("resources", 'must be an object like {requests: {cpu: "100m", memory: "128Mi"}, limits: {...}}.');
    }
    if (args.values !== undefined && args.values !== null) {
        if (!isPlainObject(args.values)) {
            problems.add("values", "must be a plain object of chart values (known when the program runs, so it can be checked before anything is created).");
        } else {
            checkUserValues(problems, args.values);
            checkRouteValues(problems, args.values, args.gateway !== undefined && args.gateway !== null);
        }
    }
    return problems;
}

function at(values: Record<string, unknown>, path: string): unknown {
    let cur: unknown = values;
    for (const part of path.split(".")) {
        if (!isPlainObject(cur)) {
            return undefined;
        }
        cur = cur[part];
    }
    return cur;
}

/**
 * Checks the extra chart values against the invariants this component protects. They are merged
 * last, so without these checks they could undo what the component guarantees:
 * - `replicaCount` above 1 (or autoscaling): login state and refresh tokens live in one pod's memory;
 * - `clusterRoleBinding.create: true`: would bind Headlamp's service account to cluster-admin, so
 *   the dashboard could act beyond what each user's own token allows;
 * - anything under `config.oidc`, or `OIDC_*` or `HEADLAMP_CONFIG_OIDC_*` entries in `env`: the
 *   client secret would land in Helm values or a plain env value (upstream issue #2022), or another
 *   issuer or client would be configured; use the `oidc` arg instead;
 * - the checksum pod annotation: it is what restarts Headlamp when the Secret changes.
 */
export function checkUserValues(problems: Problems, values: Record<string, unknown>): void {
    const replicas = known(at(values, "replicaCount") as number | undefined);
    if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0 || replicas > 1)) {
        problems.add(
            "values.replicaCount",
            `${show(replicas)} is not allowed: Headlamp keeps login state and refresh tokens in the pod's memory, so more than one replica breaks login; use 1 (or 0 to stop it).`,
        );
    }
    if (known(at(values, "autoscaling.enabled") as boolean | undefined) === true) {
        problems.add("values.autoscaling.enabled", "true would run more than one replica, which breaks login (state lives in the pod); remove it.");
    }
    const crb = known(at(values, "clusterRoleBinding.create") as boolean | undefined);
    if (crb !== undefined && crb !== false) {
        problems.add(
            "values.clusterRoleBinding.create",
            `${show(crb)} would bind Headlamp's service account to cluster-admin; with OIDC each user acts with their own token, so grant access with admins/viewers instead.`,
        );
    }
    const oidc = at(values, "config.oidc");
    if (oidc !== undefined) {
        problems.add(
            "values.config.oidc",
            "must not be set: this component loads OIDC settings from its own Secret (externalSecret), and chart OIDC values would put the client secret into Helm values or a plain env value; use the oidc arg.",
        );
    }
    const env = known(values.env as unknown[] | undefined);
    if (Array.isArray(env)) {
        env.forEach((entry, i) => {
            const name = isPlainObject(entry) ? known(entry.name as string | undefined) : undefined;
            if (typeof name === "string" && name.startsWith("OIDC_")) {
                problems.add(`values.env[${i}]`, `${show(name)} must not be set in values (it would be a plain env value or override the Secret); use the oidc arg.`);
            } else if (typeof name === "string" && name.startsWith(HEADLAMP_OIDC_ENV_PREFIX) && name !== ISSUER_CA.env) {
                problems.add(`values.env[${i}]`, headlampOidcEnvProblem(name));
            }
        });
    }
    if (at(values, `podAnnotations.${CHECKSUM_ANNOTATION}`) !== undefined) {
        problems.add(`values.podAnnotations["${CHECKSUM_ANNOTATION}"]`, "is set by this component (it restarts Headlamp when the OIDC Secret changes); remove it.");
    }
    checkIssuerCaValues(problems, values);
}

/**
 * Headlamp reads its own config from env names `HEADLAMP_CONFIG_<KEY>` (backend/pkg/config:
 * koanf's env provider with that prefix, the rest lower-cased with `_` -> `-`), so
 * `HEADLAMP_CONFIG_OIDC_CLIENT_SECRET` is `-oidc-client-secret` and
 * `HEADLAMP_CONFIG_OIDC_IDP_ISSUER_URL` is `-oidc-idp-issuer-url`. In `values.env` such a name is a
 * plain env value in the Deployment (a client secret readable by whoever may read it) or another
 * issuer, client or callback beside the ones this component wires. (`HEADLAMP_CONFIG_OIDC_CA_FILE`
 * is this component's, from `oidc.issuerCaPem`, and has its own check.)
 */
export const HEADLAMP_OIDC_ENV_PREFIX = "HEADLAMP_CONFIG_OIDC_";

function headlampOidcEnvProblem(name: string): string {
    const flag = `-${name.slice("HEADLAMP_CONFIG_".length).toLowerCase().replace(/_/g, "-")}`;
    return `${show(name)} must not be set in values: Headlamp reads it as its own ${flag} setting, so it would put an OIDC secret into the Deployment as a plain env value or override the OIDC settings this component wires (issuer, client, callback); use the oidc arg.`;
}

/**
 * The issuer CA's env entry, volume and checksum annotation are this component's (from
 * `oidc.issuerCaPem`): the same names in `values` would clash with them (a duplicate volume name
 * makes the Deployment invalid) or point Headlamp at another file.
 */
function checkIssuerCaValues(problems: Problems, values: Record<string, unknown>): void {
    // The entries this component adds (by name; a second mount at the CA's path would make the
    // Deployment invalid too).
    const ours: [string, string, string][] = [
        ["env", "name", ISSUER_CA.env],
        ["volumes", "name", ISSUER_CA.volumeName],
        ["volumeMounts", "name", ISSUER_CA.volumeName],
        ["volumeMounts", "mountPath", ISSUER_CA.mountPath],
    ];
    for (const [list, key, value] of ours) {
        const entries = known(values[list] as unknown[] | undefined);
        (Array.isArray(entries) ? entries : []).forEach((entry, i) => {
            if (isPlainObject(entry) && known(entry[key] as string | undefined) === value) {
                problems.add(`values.${list}[${i}]`, `${key} ${show(value)} is set by this component from oidc.issuerCaPem; remove it and pass the CA there.`);
            }
        });
    }
    if (at(values, `podAnnotations.${ISSUER_CA.checksumAnnotation}`) !== undefined) {
        problems.add(`values.podAnnotations["${ISSUER_CA.checksumAnnotation}"]`, "is set by this component (it restarts Headlamp when the issuer CA changes); remove it.");
    }
}
