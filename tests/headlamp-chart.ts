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
