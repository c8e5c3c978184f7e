// A stand-in for what the Headlamp chart (0.43.0-0.45.0) and Kubernetes make of our values and
// Secret, for the OIDC part only. The chart cannot be downloaded here, so this follows the rules its
// templates state (kubernetes-sigs/headlamp, charts/headlamp/templates/deployment.yaml and
// secret.yaml, values.yaml), not our expectations:
// - Helm deep-merges the release's values over the chart's values.yaml;
// - secret.yaml renders a Secret named `config.oidc.secret.name` whenever `config.oidc.secret.create`
//   is truthy (default true, name "oidc"), with a key for each non-empty OIDC value;
// - deployment.yaml, when `config.oidc.externalSecret.enabled`: `envFrom` that Secret, and args
//   `-oidc-client-id=$(OIDC_CLIENT_ID)`, `-oidc-client-secret=$(OIDC_CLIENT_SECRET)`,
//   `-oidc-idp-issuer-url=$(OIDC_ISSUER_URL)`, `-oidc-scopes=$(OIDC_SCOPES)` only if
//   `externalSecret.hasScopes`, `-oidc-callback-url=$(OIDC_CALLBACK_URL)` only if
//   `config.oidc.callbackURL` (or an `OIDC_CALLBACK_URL` entry of `env`) is non-empty, and
//   `-oidc-use-pkce=$(OIDC_USE_PKCE)` only if `config.oidc.usePKCE | toString` (or such an `env`
//   entry) is "true";
// - the kubelet expands `$(VAR)` in args from the container's env (envFrom keys, then env entries);
//   a reference to a variable that is not defined stays as written.

/** The OIDC part of the chart's values.yaml defaults. */
export const CHART_OIDC_DEFAULTS = {
    secret: { create: true, name: "oidc" },
    clientID: "",
    clientSecret: "",
    issuerURL: "",
    scopes: "",
    callbackURL: "",
    validatorClientID: "",
    validatorIssuerURL: "",
    useAccessToken: false,
    usePKCE: false,
    useCookie: false,
    externalSecret: { enabled: false, name: "", hasScopes: false },
    meUserInfoURL: "",
} as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Helm's coalescing of user values over chart defaults (maps merge, everything else replaces). */
function coalesce(defaults: Obj, user: Obj | undefined): Obj {
    const out: Obj = { ...defaults };
    for (const [k, v] of Object.entries(user ?? {})) {
        out[k] = isObj(out[k]) && isObj(v) ? coalesce(out[k], v) : v;
    }
    return out;
}

/** A scalar as Go's `toString` prints it ("" for nil). */
function scalar(v: unknown): string {
    if (v === undefined || v === null) {
        return "";
    }
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/** Go template truthiness (`if`): false, 0, nil, "" and empty collections are false. */
function truthy(v: unknown): boolean {
    if (Array.isArray(v)) {
        return v.length > 0;
    }
    if (isObj(v)) {
        return Object.keys(v).length > 0;
    }
    return v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
}

/** What the chart renders from the release's values, and what Headlamp's container gets. */
export interface RenderedOidc {
    /** Names of the Secrets the chart itself renders (secret.yaml). */
    chartSecrets: string[];
    /** Secret the container loads with envFrom, if any. */
    envFrom?: string;
    /** Headlamp's OIDC args as the chart writes them. */
    args: string[];
    /** The same args after the kubelet's `$(VAR)` expansion from the container's env. */
    resolvedArgs: string[];
}

/**
 * Renders the OIDC part of the chart from `values` (the release's values) in externalSecret mode,
 * and resolves the args against `secretData` (the data of the Secret the values name).
 */
export function renderChartOidc(values: Obj, secretData: Record<string, string>): RenderedOidc {
    const config = isObj(values.config) ? values.config : {};
    const oidc = coalesce(CHART_OIDC_DEFAULTS, isObj(config.oidc) ? config.oidc : undefined);
    const secret = oidc.secret as Obj;
    const ext = oidc.externalSecret as Obj;
    const env = (Array.isArray(values.env) ? values.env : []) as { name: string; value?: unknown }[];
    const envValue = (name: string) => scalar(env.find((e) => e.name === name)?.value);

    const chartSecrets = truthy(secret.create) ? [scalar(secret.name)] : [];
    if (!truthy(ext.enabled)) {
        throw new Error("this stand-in models only config.oidc.externalSecret mode");
    }
    const args = [
        "-oidc-client-id=$(OIDC_CLIENT_ID)",
        "-oidc-client-secret=$(OIDC_CLIENT_SECRET)",
        "-oidc-idp-issuer-url=$(OIDC_ISSUER_URL)",
    ];
    if (truthy(ext.hasScopes)) {
        args.push("-oidc-scopes=$(OIDC_SCOPES)");
    }
    if (scalar(oidc.callbackURL) !== "" || envValue("OIDC_CALLBACK_URL") !== "") {
        args.push("-oidc-callback-url=$(OIDC_CALLBACK_URL)");
    }
    if (scalar(oidc.usePKCE) === "true" || envValue("OIDC_USE_PKCE") === "true") {
        args.push("-oidc-use-pkce=$(OIDC_USE_PKCE)");
    }
    const containerEnv: Record<string, string> = { ...secretData };
    for (const e of env) {
        containerEnv[e.name] = scalar(e.value);
    }
    const resolvedArgs = args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) => (name in containerEnv ? containerEnv[name] : ref)));
    return { chartSecrets, envFrom: scalar(ext.name), args, resolvedArgs };
}

// ---------------------------------------------------------------------------------------------
// The objects the chart renders around the pod: the Service, the Ingress, the HTTPRoute, the
// Deployment's OIDC part and the chart's own Secrets. Followed, from kubernetes-sigs/headlamp
// charts/headlamp:
// - templates/_helpers.tpl (commit 0d8c57ac): `headlamp.fullname` is fullnameOverride, else the
//   release name when it contains the chart name (nameOverride or "headlamp"), else
//   `<release>-<name>`, cut to 63 characters; `headlamp.namespace` is namespaceOverride, else the
//   release's namespace; `headlamp.labels` are helm.sh/chart, app.kubernetes.io/name, instance,
//   version and managed-by;
// - values.yaml (commit 0153c511): `service.port` 80, `ingress` {enabled: false, annotations,
//   labels, ingressClassName: "", hosts: [], tls: []}, `httpRoute` {enabled: false, annotations,
//   labels, parentRefs: [], hostnames: [], rules: []};
// - templates/ingress.yaml (commit 2dcdac8e): a networking.k8s.io/v1 Ingress only when
//   `ingress.enabled`, each host's paths to the fullname Service on `service.port`;
// - templates/httproute.yaml, whose text is not in the sources these tests were written from: its
//   rendering by the chart's own test, tests/expected_templates/httproute-enabled.yaml (commit
//   03a50db5, chart 0.44.0, unchanged from edb0e4c0, chart 0.40.0), and values.yaml's comments:
//   only when `httpRoute.enabled`, a gateway.networking.k8s.io/v1 HTTPRoute named fullname in the
//   chart's namespace, the chart's labels plus `app.kubernetes.io/component: ingress` and
//   `httpRoute.labels`, `httpRoute.annotations` when non-empty, `parentRefs` and `hostnames` as
//   given, and `rules` as given or else one rule: PathPrefix "/" to the fullname Service on
//   `service.port`.
// - templates/service.yaml: as rendered in the same expected output (port `service.port`,
//   targetPort `http`, name `http`).

/** The chart version the stand-in renders (the component's default). */
export const CHART_VERSION = "0.45.0";

/** The release as Helm knows it. */
export interface ChartRelease {
    name: string;
    namespace: string;
}

/** A rendered Kubernetes object (the fields the stand-in renders). */
export interface RenderedObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Obj;
    data?: Obj;
}

const CHART_DEFAULTS = {
    nameOverride: "",
    fullnameOverride: "",
    namespaceOverride: "",
    service: { port: 80 },
    ingress: { enabled: false, annotations: {}, labels: {}, ingressClassName: "", hosts: [], tls: [] },
    httpRoute: { enabled: false, annotations: {}, labels: {}, parentRefs: [], hostnames: [], rules: [] },
};

/** `trunc 63 | trimSuffix "-"`. */
function trunc63(name: string): string {
    const cut = name.slice(0, 63);
    return cut.endsWith("-") ? cut.slice(0, -1) : cut;
}

/** Renders the chart's Service, Ingress, HTTPRoute, Deployment (OIDC part) and Secrets from the release's values. */
export function renderChartObjects(userValues: Obj, release: ChartRelease): RenderedObject[] {
    const values = coalesce(CHART_DEFAULTS, userValues);
    const name = scalar(values.nameOverride) || "headlamp";
    const fullname = scalar(values.fullnameOverride)
        ? trunc63(scalar(values.fullnameOverride))
        : trunc63(release.name.includes(name) ? release.name : `${release.name}-${name}`);
    const namespace = trunc63(scalar(values.namespaceOverride) || release.namespace || "default");
    const labels: Record<string, string> = {
        "helm.sh/chart": `headlamp-${CHART_VERSION}`,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release.name,
        "app.kubernetes.io/version": CHART_VERSION,
        "app.kubernetes.io/managed-by": "Helm",
    };
    const service = values.service as Obj;
    const port = Number(service.port);
    const objects: RenderedObject[] = [];

    // The OIDC part is modelled in externalSecret mode only; otherwise no OIDC args (and the chart's
    // own Secret by secret.yaml's rule).
    const oidcValues = coalesce(CHART_OIDC_DEFAULTS, isObj(values.config) && isObj(values.config.oidc) ? values.config.oidc : undefined);
    const oidc = truthy((oidcValues.externalSecret as Obj).enabled)
        ? renderChartOidc(userValues, {})
        : { chartSecrets: truthy((oidcValues.secret as Obj).create) ? [scalar((oidcValues.secret as Obj).name)] : [], args: [] as string[], envFrom: undefined };
    for (const secretName of oidc.chartSecrets) {
        objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: secretName, namespace }, data: {} });
    }
    objects.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: fullname, namespace, labels },
        spec: { type: "ClusterIP", ports: [{ port, targetPort: "http", protocol: "TCP", name: "http" }] },
    });
    objects.push({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: fullname, namespace, labels },
        spec: { template: { spec: { containers: [{ name: "headlamp", args: oidc.args, envFrom: oidc.envFrom ? [{ secretRef: { name: oidc.envFrom } }] : [] }] } } },
    });

    const ingress = values.ingress as Obj;
    if (truthy(ingress.enabled)) {
        const annotations = ingress.annotations as Record<string, string>;
        objects.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: fullname, namespace, labels: { ...labels, ...(ingress.labels as Record<string, string>) }, ...(truthy(annotations) ? { annotations } : {}) },
            spec: {
                ...(truthy(ingress.ingressClassName) ? { ingressClassName: scalar(ingress.ingressClassName) } : {}),
                ...(truthy(ingress.tls) ? { tls: ingress.tls } : {}),
                rules: (ingress.hosts as { host: string; paths: { path: string; type: string }[] }[]).map((h) => ({
                    host: h.host,
                    http: { paths: h.paths.map((p) => ({ path: p.path, pathType: p.type, backend: { service: { name: fullname, port: { number: port } } } })) },
                })),
            },
        });
    }

    const route = values.httpRoute as Obj;
    if (truthy(route.enabled)) {
        const annotations = route.annotations as Record<string, string>;
        objects.push({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: {
                name: fullname,
                namespace,
                labels: { ...labels, "app.kubernetes.io/component": "ingress", ...(route.labels as Record<string, string>) },
                ...(truthy(annotations) ? { annotations } : {}),
            },
            spec: {
                parentRefs: route.parentRefs,
                ...(truthy(route.hostnames) ? { hostnames: route.hostnames } : {}),
                rules: truthy(route.rules)
                    ? route.rules
                    : [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: fullname, port }] }],
            },
        });
    }
    return objects;
}
