// Pure rendering of HeadlampRelease's Kubernetes inputs: the OIDC Secret's data, its checksum and
// the Helm values (the issuer CA's volume and env included). The defaults and checks they rely on
// are in ./settings.ts.
import { createHash } from "crypto";
import { GatewaySettings, renderRouteValues } from "./route";
import { CHECKSUM_ANNOTATION, ISSUER_CA, SECRET_KEYS, isPlainObject } from "./settings";

/**
 * Deep-merges `override` into `base`: plain objects merge key by key, everything else (arrays,
 * scalars, Outputs) in `override` replaces the value in `base`. Neither input is changed.
 */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override ?? {})) {
        const current = out[key];
        out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return out;
}

/** Resolved OIDC settings, as the Secret holds them. */
export interface OidcSettings {
    clientId: string;
    clientSecret: string;
    issuerUrl: string;
    scopes: readonly string[];
    callbackUrl: string;
    usePkce: boolean;
}

/** The Secret's data: Headlamp's env names to values, loaded by the chart with `envFrom`. */
export function renderSecretData(oidc: OidcSettings): Record<string, string> {
    const data: Record<string, string> = {
        [SECRET_KEYS.clientId]: oidc.clientId,
        [SECRET_KEYS.clientSecret]: oidc.clientSecret,
        [SECRET_KEYS.issuerUrl]: oidc.issuerUrl,
        // Headlamp splits on commas and always adds openid itself.
        [SECRET_KEYS.scopes]: oidc.scopes.join(","),
    };
    if (oidc.callbackUrl) {
        data[SECRET_KEYS.callbackUrl] = oidc.callbackUrl;
    }
    if (oidc.usePkce) {
        data[SECRET_KEYS.usePkce] = "true";
    }
    return data;
}

/**
 * sha256 (hex) over every key and value of a map, in key order; it changes whenever any value
 * changes. Over the OIDC Secret's data it is a secret (a guessable client secret can be tested
 * against it offline): it only goes into the restart trigger's secret keepers, never into a pod
 * annotation. The issuer CA's annotation uses it over public data.
 */
export function checksumOf(data: Record<string, string>): string {
    const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
    return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/**
 * The keepers of the random restart trigger (a `random.RandomId` whose hex is the
 * {@link CHECKSUM_ANNOTATION}): the Secret data's sha256. The random provider replaces the value
 * whenever the keepers change (terraform-provider-random: "Arbitrary map of values that, when
 * changed, will trigger recreation of resource"), so the annotation changes exactly when the data
 * does, while the value itself is independent of the data. The keepers carry the client secret's
 * hash, so the component passes them as a secret (encrypted in the state) and they never reach
 * the cluster.
 */
export function restartTriggerKeepers(data: Record<string, string>): Record<string, string> {
    return { oidcSecretSha256: checksumOf(data) };
}

/** Everything `renderValues` needs, resolved. */
export interface ValuesSettings {
    secretName: string;
    host: string;
    ingressClassName: string;
    tlsSecretName?: string;
    clusterIssuer?: string;
    /** Route through these Gateway listeners (the chart's HTTPRoute) instead of an Ingress. */
    gateway?: GatewaySettings;
    resources: Record<string, unknown>;
    checksum: string;
    /** The callback URL (also in the Secret as `OIDC_CALLBACK_URL`); not secret. */
    callbackUrl: string;
    /** Whether PKCE is on (the Secret then has `OIDC_USE_PKCE: "true"`). */
    usePkce: boolean;
    values?: Record<string, unknown>;
    /** The issuer CA's ConfigMap name and the bundle's checksum, when Headlamp must trust a private CA. */
    issuerCa?: { configMapName: string; checksum: string };
}

/**
 * The chart values: OIDC from the external Secret, no cluster-admin binding for the service
 * account, one replica, the ingress with TLS (or, with a gateway, the chart's HTTPRoute and no
 * ingress), resources, the checksum annotation, then the user's `values` deep-merged last (arrays
 * replaced).
 *
 * What the chart's templates (0.43-0.45, `templates/deployment.yaml` and `secret.yaml`) read:
 * - `config.oidc.externalSecret` {enabled, name, hasScopes}: `envFrom` the Secret and pass
 *   `-oidc-client-id`, `-oidc-client-secret`, `-oidc-idp-issuer-url` and (hasScopes)
 *   `-oidc-scopes` as `$(OIDC_*)` references to its keys;
 * - `config.oidc.callbackURL`: only when it is non-empty does the chart pass
 *   `-oidc-callback-url=$(OIDC_CALLBACK_URL)`; the value comes from the Secret, this one only turns
 *   the flag on (Headlamp itself reads no `OIDC_*` env name). Without the flag Headlamp builds the
 *   redirect URI from the request (X-Forwarded-Proto + Host), which Authentik's strict match
 *   refuses unless the ingress forwards https;
 * - `config.oidc.usePKCE: true`: only then is `-oidc-use-pkce=$(OIDC_USE_PKCE)` passed;
 * - `config.oidc.secret.create: false`: the chart's default (true) renders a second, empty Secret
 *   named `oidc`, which could clash with an existing one in the namespace.
 * No secret is among these values.
 */
export function renderValues(s: ValuesSettings): Record<string, unknown> {
    const base: Record<string, unknown> = {
        replicaCount: 1,
        config: {
            oidc: {
                secret: { create: false },
                externalSecret: { enabled: true, name: s.secretName, hasScopes: true },
                callbackURL: s.callbackUrl,
                usePKCE: s.usePkce,
            },
        },
        clusterRoleBinding: { create: false },
        // With a gateway: the chart's HTTPRoute and no Ingress (./route.ts); else the Ingress.
        ...(s.gateway ? renderRouteValues(s.host, s.gateway) : { ingress: renderIngressValues(s) }),
        resources: s.resources,
        podAnnotations: { [CHECKSUM_ANNOTATION]: s.checksum },
    };
    const merged = deepMerge(base, s.values);
    return s.issuerCa ? withIssuerCa(merged, s.issuerCa.configMapName, s.issuerCa.checksum) : merged;
}

/** The chart's `ingress` values: the host on the class, TLS when a Secret is named, cert-manager's annotation. */
function renderIngressValues(s: ValuesSettings): Record<string, unknown> {
    const annotations: Record<string, string> = {};
    if (s.clusterIssuer) {
        annotations["cert-manager.io/cluster-issuer"] = s.clusterIssuer;
    }
    const ingress: Record<string, unknown> = {
        enabled: true,
        ingressClassName: s.ingressClassName,
        annotations,
        hosts: [{ host: s.host, paths: [{ path: "/", type: "Prefix" }] }],
    };
    if (s.tlsSecretName) {
        ingress.tls = [{ secretName: s.tlsSecretName, hosts: [s.host] }];
    }
    return ingress;
}

/** The issuer CA bundle's checksum for the pod annotation (sha256 hex, like the Secret's). */
export function issuerCaChecksum(pem: string): string {
    return checksumOf({ [ISSUER_CA.configMapKey]: pem });
}

/**
 * Adds the issuer CA to merged chart values: the ConfigMap as a volume, mounted read-only into the
 * headlamp container, `HEADLAMP_CONFIG_OIDC_CA_FILE` pointing at it, and its checksum annotation.
 * Appended after the user's `values`, so their own `env`, `volumes` and `volumeMounts` (lists, which
 * the merge replaces) stay, and theirs cannot drop the CA.
 */
function withIssuerCa(values: Record<string, unknown>, configMapName: string, checksum: string): Record<string, unknown> {
    const list = (key: string): unknown[] => (Array.isArray(values[key]) ? values[key] : []);
    return {
        ...values,
        env: [...list("env"), { name: ISSUER_CA.env, value: `${ISSUER_CA.mountPath}/${ISSUER_CA.configMapKey}` }],
        volumes: [...list("volumes"), { name: ISSUER_CA.volumeName, configMap: { name: configMapName } }],
        volumeMounts: [...list("volumeMounts"), { name: ISSUER_CA.volumeName, mountPath: ISSUER_CA.mountPath, readOnly: true }],
        podAnnotations: { ...(values.podAnnotations as Record<string, unknown>), [ISSUER_CA.checksumAnnotation]: checksum },
    };
}
