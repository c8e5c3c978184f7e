// Pure Gateway API route of HeadlampRelease: the checks of the `gateway` arg and the chart values
// that make the chart render its own HTTPRoute for the host, and no Ingress. settings.ts calls the
// checks from validateHeadlampArgs, render.ts puts the values into the release's values.
//
// What the chart (0.45.0, kubernetes-sigs/headlamp charts/headlamp) renders from them:
// - values.yaml declares `httpRoute: {enabled: false, annotations: {}, labels: {}, parentRefs: [],
//   hostnames: [], rules: []}` (commit 0153c511); `ingress.enabled` defaults to false;
// - templates/httproute.yaml, when `httpRoute.enabled`: one `gateway.networking.k8s.io/v1`
//   HTTPRoute named like the chart's other objects (`headlamp.fullname`), in the chart's
//   namespace (`headlamp.namespace`: namespaceOverride, else the release's), with the chart's
//   labels plus `app.kubernetes.io/component: ingress`, the annotations, `parentRefs` and
//   `hostnames` as given, and (without custom `rules`) one rule: PathPrefix `/` to the chart's
//   Service on `service.port`. The chart's own rendering of that case is
//   tests/expected_templates/httproute-enabled.yaml (commit 03a50db5, chart 0.44.0; the same
//   output at edb0e4c0, chart 0.40.0), which tests/headlamp-chart.ts follows.
import { Problems, checkK8sName, known, show } from "../validation";

/** The HTTPRoute's apiVersion as the chart renders it. */
export const HTTPROUTE_API_VERSION = "gateway.networking.k8s.io/v1";

/**
 * Gateway API's listener names (`SectionName`, sigs.k8s.io/gateway-api apis/v1/shared_types.go):
 * DNS-1123 subdomain, at most 253 characters.
 */
const SECTION_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** `ParentRefs` has `MaxItems=32` (shared_types.go, CommonRouteSpec). */
export const MAX_PARENT_REFS = 32;
/** Annotation keys: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const ANNOTATION_NAME_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const ANNOTATION_PREFIX_PATTERN = SECTION_NAME_PATTERN;

/** One Gateway listener the route attaches to, resolved. */
export interface ParentRef {
    name: string;
    namespace?: string;
    sectionName?: string;
}

/** The `gateway` arg, resolved. */
export interface GatewaySettings {
    parentRefs: readonly ParentRef[];
    annotations?: Record<string, string>;
}

/** The `gateway` arg as validateHeadlampArgs sees it. */
export interface GatewayToCheck {
    parentRefs?: unknown;
    annotations?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks a Gateway listener name (`sectionName`). */
export function checkSectionName(problems: Problems, field: string, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    if (value.length > 253 || !SECTION_NAME_PATTERN.test(value)) {
        problems.add(field, `${show(value)} is not a Gateway listener name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit (the listener's name in the Gateway's spec.listeners, e.g. "https").`);
    }
}

function plainString(problems: Problems, field: string, value: unknown, hint: string): string | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (typeof value !== "string") {
        problems.add(field, `must be a string; ${hint}.`);
        return undefined;
    }
    return value;
}

/**
 * The rules of `parentRefs` the API server enforces on an HTTPRoute (CEL rules on
 * CommonRouteSpec.ParentRefs): refs to the same Gateway must all set `sectionName` or all leave it
 * out, and must not repeat one. Refs without a namespace mean the route's own namespace.
 */
function checkDistinct(problems: Problems, refs: { ref: ParentRef; i: number }[]): void {
    const byParent = new Map<string, { ref: ParentRef; i: number }[]>();
    for (const r of refs) {
        const key = `${r.ref.namespace ?? ""}/${r.ref.name}`;
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    for (const group of byParent.values()) {
        if (group.length < 2) {
            continue;
        }
        const ref = group[0].ref;
        const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
        const withSection = group.filter((r) => r.ref.sectionName !== undefined);
        if (withSection.length > 0 && withSection.length < group.length) {
            problems.add(
                `gateway.parentRefs[${group.map((r) => r.i).join(", ")}]`,
                `refer to the same Gateway ${show(key)}, some with a sectionName and some without; the API server refuses that: give each a sectionName, or keep one entry without.`,
            );
            continue;
        }
        const seen = new Set<string>();
        for (const r of group) {
            const section = r.ref.sectionName ?? "";
            if (seen.has(section)) {
                problems.add(`gateway.parentRefs[${r.i}]`, `repeats Gateway ${show(key)}${section ? ` listener ${show(section)}` : ""}; remove the duplicate.`);
            }
            seen.add(section);
        }
    }
}

/** Checks one annotation key as Kubernetes does (a qualified name). */
function checkAnnotationKey(problems: Problems, field: string, key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const prefixOk = prefix === undefined || (prefix.length <= 253 && ANNOTATION_PREFIX_PATTERN.test(prefix));
    if (!prefixOk || name.length > 63 || !ANNOTATION_NAME_PATTERN.test(name)) {
        problems.add(field, `${show(key)} is not an annotation key; use [prefix/]name, the prefix a DNS name, the name at most 63 letters, digits, "-", "_" and ".", e.g. "example.com/team".`);
        return false;
    }
    return true;
}

/**
 * Checks the `gateway` arg, and that the args for the Ingress (`tls`, an explicit
 * `ingressClassName`) are not given with it: the route goes through a Gateway, whose listener
 * terminates TLS, so they would do nothing.
 */
export function checkGateway(problems: Problems, gateway: unknown, ingress: { tls: unknown; ingressClassName: unknown }): void {
    if (gateway === undefined || gateway === null) {
        return;
    }
    if (!isRecord(gateway)) {
        problems.add("gateway", 'must be an object like {parentRefs: [{name: "my-gateway", namespace: "gateway-system", sectionName: "https"}]}.');
        return;
    }
    if (ingress.tls !== undefined && ingress.tls !== null) {
        problems.add(
            "tls",
            "does not apply with gateway: TLS terminates at the Gateway's listener, which holds the certificate (e.g. issued by cert-manager for a Gateway annotated cert-manager.io/cluster-issuer); remove tls, or remove gateway to use an Ingress.",
        );
    }
    if (ingress.ingressClassName !== undefined && ingress.ingressClassName !== null) {
        problems.add("ingressClassName", "does not apply with gateway: no Ingress is rendered, the Gateway's class decides the controller; remove ingressClassName, or remove gateway to use an Ingress.");
    }

    const refs = known(gateway.parentRefs as unknown[] | undefined);
    if (refs === undefined || refs === null) {
        problems.add("gateway.parentRefs", 'is required; list the Gateway listeners to attach to, e.g. [{name: "my-gateway", namespace: "gateway-system", sectionName: "https"}].');
    } else if (!Array.isArray(refs)) {
        problems.add("gateway.parentRefs", 'must be a list like [{name: "my-gateway", namespace: "gateway-system"}].');
    } else if (refs.length === 0) {
        problems.add("gateway.parentRefs", "must name at least one Gateway (a route without parents is served by nobody).");
    } else {
        if (refs.length > MAX_PARENT_REFS) {
            problems.add("gateway.parentRefs", `has ${refs.length} entries; an HTTPRoute takes at most ${MAX_PARENT_REFS}.`);
        }
        const good: { ref: ParentRef; i: number }[] = [];
        refs.forEach((entry, i) => {
            const field = `gateway.parentRefs[${i}]`;
            if (!isRecord(entry)) {
                problems.add(field, 'must be an object like {name: "my-gateway", namespace: "gateway-system", sectionName: "https"}.');
                return;
            }
            const before = problems.list.length;
            for (const key of Object.keys(entry)) {
                if (!["name", "namespace", "sectionName"].includes(key)) {
                    problems.add(`${field}.${key}`, "is not supported; a parentRef here has name, namespace and sectionName (the route always attaches to a Gateway).");
                }
            }
            const name = plainString(problems, `${field}.name`, entry.name, "the Gateway's name");
            if (name === undefined) {
                if (entry.name === undefined || entry.name === null) {
                    problems.add(`${field}.name`, "is required; give the Gateway's name.");
                }
            } else {
                checkK8sName(problems, `${field}.name`, name);
            }
            const namespace = plainString(problems, `${field}.namespace`, entry.namespace, "the Gateway's namespace");
            checkK8sName(problems, `${field}.namespace`, namespace);
            const sectionName = plainString(problems, `${field}.sectionName`, entry.sectionName, "the listener's name");
            checkSectionName(problems, `${field}.sectionName`, sectionName);
            if (problems.list.length === before && name !== undefined) {
                good.push({ ref: { name, namespace, sectionName }, i });
            }
        });
        checkDistinct(problems, good);
    }

    const annotations = gateway.annotations;
    if (annotations !== undefined && annotations !== null) {
        if (!isRecord(annotations)) {
            problems.add("gateway.annotations", 'must be an object of strings, e.g. {"example.com/team": "ops"}.');
            return;
        }
        for (const [key, value] of Object.entries(annotations)) {
            const field = `gateway.annotations["${key}"]`;
            if (!checkAnnotationKey(problems, field, key)) {
                continue;
            }
            if (typeof value !== "string") {
                problems.add(field, "must be a string (annotation values are strings; quote numbers and booleans).");
            }
            if (key.startsWith("cert-manager.io/")) {
                problems.add(field, "does nothing on an HTTPRoute: cert-manager reads its annotations from the Gateway and issues the certificate of the Gateway's HTTPS listener; annotate the Gateway instead.");
            }
        }
    }
}

/**
 * The chart values HeadlampRelease protects when routing through a Gateway: `httpRoute` is this
 * component's (from the `gateway` arg; custom rules could send the host elsewhere), and with
 * `gateway` the Ingress stays off (it would serve the same host a second way, without the
 * Gateway's TLS).
 */
export function checkRouteValues(problems: Problems, values: Record<string, unknown>, gateway: boolean): void {
    if (values.httpRoute !== undefined) {
        problems.add("values.httpRoute", "must not be set: the HTTPRoute comes from the gateway arg (parentRefs, annotations); use that.");
    }
    const ingress = values.ingress;
    if (gateway && isRecord(ingress) && ingress.enabled !== undefined && known(ingress.enabled as boolean) !== false) {
        problems.add("values.ingress.enabled", `${show(ingress.enabled)} would add an Ingress beside the Gateway's route; with gateway no Ingress is rendered, so remove it.`);
    }
}

/** The chart values for the route: the chart's HTTPRoute for `host` on those listeners, no Ingress. */
export function renderRouteValues(host: string, gateway: GatewaySettings): Record<string, unknown> {
    return {
        ingress: { enabled: false },
        httpRoute: {
            enabled: true,
            annotations: { ...(gateway.annotations ?? {}) },
            parentRefs: gateway.parentRefs.map((r) => ({
                name: r.name,
                ...(r.namespace ? { namespace: r.namespace } : {}),
                ...(r.sectionName ? { sectionName: r.sectionName } : {}),
            })),
            hostnames: [host],
        },
    };
}
