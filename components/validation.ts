// Shared pure checks. Each component collects every problem with its args into one `Problems`
// list and throws a single error before it registers anything, so a bad `pulumi up` half-creates
// nothing and the user fixes everything in one round.
import { X509Certificate } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** One problem with one input: the field path, and what is wrong plus how to fix it. */
export interface Problem {
    readonly field: string;
    readonly message: string;
}

/** Collects problems with a component's inputs and throws them all at once. */
export class Problems {
    private readonly items: Problem[] = [];

    /** Records that `field` is wrong; `message` says what is wrong and how to fix it. */
    add(field: string, message: string): void {
        this.items.push({ field, message });
    }

    /** Every problem recorded so far, in the order found. */
    get list(): readonly Problem[] {
        return this.items;
    }

    /** True when nothing was recorded. */
    get ok(): boolean {
        return this.items.length === 0;
    }

    /** The message of the error `throwIfAny` throws (empty when there is no problem). */
    format(subject: string): string {
        if (this.ok) {
            return "";
        }
        const lines = this.items.map((p) => `  - ${p.field}: ${p.message}`);
        const noun = this.items.length === 1 ? "problem" : "problems";
        return `${subject} has ${this.items.length} invalid input ${noun} (nothing was created):\n${lines.join("\n")}`;
    }

    /**
     * Throws one `pulumi.ResourceError` that lists every problem. Called before `super(...)`, so
     * the component itself is not registered either (`resource` is then undefined).
     */
    throwIfAny(subject: string, resource?: pulumi.Resource): void {
        if (!this.ok) {
            throw new pulumi.ResourceError(this.format(subject), resource, true);
        }
    }
}

/**
 * The plain value of an input when it is already known at construction time, else undefined.
 * Outputs and promises cannot be checked before resources are registered; they are taken as given.
 */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return undefined;
    }
    return value;
}

/** True when the input is present (a plain value, an Output or a promise). */
export function isSet(value: unknown): boolean {
    return value !== undefined && value !== null;
}

/** Quotes a value for an error message. Never call this with a secret. */
export function show(value: unknown): string {
    return JSON.stringify(value);
}

/**
 * A URL without its userinfo (`user:password@`), for messages: a password written into a URL is
 * never echoed. A URL that parses without credentials is returned as it is; otherwise (credentials,
 * or text that does not parse, where a password holding "/", "?" or "#" confuses any parser)
 * everything after `scheme:` and its slashes up to the last "@" goes, which removes more than the
 * userinfo rather than less.
 */
export function withoutUserinfo(value: string): string {
    const url = parseUrl(value);
    if (url && !url.username && !url.password) {
        return value;
    }
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:[\\/]*/.exec(value)?.[0] ?? "";
    const rest = value.slice(scheme.length);
    const at = rest.lastIndexOf("@");
    return at === -1 ? value : scheme + rest.slice(at + 1);
}

/** Quotes a URL for an error message, without its userinfo (see {@link withoutUserinfo}). */
export function showUrl(value: string): string {
    return show(withoutUserinfo(value));
}

/** The authority (`host[:port]`, after any userinfo) as written in a URL string, or undefined. */
function writtenHost(value: string): string | undefined {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:[\\/]*([^/\\?#]*)/.exec(value);
    return m ? m[1].slice(m[1].lastIndexOf("@") + 1) : undefined;
}

/*
 * Checks of the raw text of an https URL that the WHATWG parser smooths over: a "?" or "#" with
 * nothing after it leaves `search`/`hash` empty, yet Go's url.Parse (kube-apiserver) sees a query
 * or fragment, and an issuer built from the text would carry it; a non-ASCII host becomes its
 * punycode (ASCII) form, which is what Authentik puts in `iss` and browsers send, so the text
 * would not match. Each returns false after recording a problem.
 */

function checkNoQueryText(problems: Problems, field: string, value: string): boolean {
    if (/[?#]/.test(value)) {
        problems.add(field, `${showUrl(value)} must not have a query or fragment (even an empty "?" or "#": Kubernetes would see one); remove everything from "?" or "#".`);
        return false;
    }
    return true;
}

function checkAsciiHost(problems: Problems, field: string, value: string, url: URL): boolean {
    const host = writtenHost(value);
    if (host !== undefined && /[^\x00-\x7f]/.test(host)) {
        problems.add(field, `${showUrl(value)} has a non-ASCII host; tokens and browsers use its ASCII (punycode) form, so write ${show(url.host)}, e.g. ${show(`${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`)}.`);
        return false;
    }
    return true;
}

/**
 * Checks that every "%" in a URL starts a valid escape ("%" and two hex digits). Browsers and
 * Node's URL parser keep a bad one as written; Go's net/url, which kube-apiserver parses its
 * issuer with, refuses the whole URL ("invalid URL escape") and the API server does not start.
 * Returns false (after recording the problem) when there is a bad escape.
 */
export function checkPercentEscapes(problems: Problems, field: string, value: string): boolean {
    const bad = /%(?![0-9A-Fa-f]{2})/.exec(value);
    if (!bad) {
        return true;
    }
    problems.add(
        field,
        `${showUrl(value)} has a bad percent escape ${show(value.slice(bad.index, bad.index + 3))}: Kubernetes and other Go programs refuse the URL ("invalid URL escape"); write a literal "%" as "%25", or use a valid escape such as "%2F".`,
    );
    return false;
}

function parseUrl(value: string): URL | undefined {
    try {
        return new URL(value);
    } catch {
        return undefined;
    }
}

/**
 * Checks an https base URL such as `https://auth.example.com`: absolute, https, no credentials,
 * no path beyond "/", no query or fragment.
 */
export function checkHttpsBaseUrl(problems: Problems, field: string, value: string | undefined, example: string): void {
    if (value === undefined || !checkPercentEscapes(problems, field, value)) {
        return;
    }
    const url = parseUrl(value);
    if (!url) {
        problems.add(field, `${showUrl(value)} is not an absolute URL; give the base URL, e.g. ${show(example)}.`);
        return;
    }
    if (url.protocol !== "https:") {
        problems.add(field, `${showUrl(value)} must use https (tokens and secrets cross it); e.g. ${show(example)}.`);
    }
    if (url.username || url.password) {
        problems.add(field, `${show(url.origin)}... must not carry credentials in the URL; remove "user:password@".`);
    }
    if (url.pathname !== "/" || /[?#]/.test(value)) {
        problems.add(field, `${showUrl(value)} must be a base URL without a path, query or fragment; use ${show(url.origin)} (even an empty "?" or "#" counts: Kubernetes would see one in the issuer).`);
    }
    checkAsciiHost(problems, field, value, url);
}

/**
 * The normalised form of a base URL that passed {@link checkHttpsBaseUrl}: its origin, as the
 * parser writes it (lower-case ASCII host, no default port, no trailing "/"). URLs built on it
 * (the issuer) match what Authentik and browsers produce. Text that does not parse is returned
 * without a trailing "/".
 */
export function normalisedBaseUrl(value: string): string {
    const url = parseUrl(value);
    return url ? url.origin : value.replace(/\/+$/, "");
}

/**
 * Checks an https URL that may have a path (an OIDC issuer, a callback): absolute, https, no
 * credentials, no query or fragment, no bad percent escape.
 */
export function checkHttpsUrl(problems: Problems, field: string, value: string | undefined, example: string): URL | undefined {
    if (value === undefined || !checkPercentEscapes(problems, field, value)) {
        return undefined;
    }
    const url = parseUrl(value);
    if (!url) {
        problems.add(field, `${showUrl(value)} is not an absolute URL; e.g. ${show(example)}.`);
        return undefined;
    }
    let good = true;
    if (url.protocol !== "https:") {
        problems.add(field, `${showUrl(value)} must use https (the Kubernetes API server and browsers refuse anything else); e.g. ${show(example)}.`);
        good = false;
    }
    if (url.username || url.password) {
        problems.add(field, `must not carry credentials in the URL; remove "user:password@".`);
        good = false;
    }
    if (!checkNoQueryText(problems, field, value)) {
        good = false;
    }
    if (!checkAsciiHost(problems, field, value, url)) {
        good = false;
    }
    return good ? url : undefined;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Checks an OAuth2 redirect URI: absolute https, or http on a loopback host (kubelogin's local
 * callback); no fragment (RFC 6749 3.1.2).
 */
export function checkRedirectUri(problems: Problems, field: string, value: string): void {
    const url = parseUrl(value);
    if (!url) {
        problems.add(field, `${showUrl(value)} is not an absolute URL; redirect URIs are matched strictly, e.g. "https://headlamp.example.com/oidc-callback".`);
        return;
    }
    const loopback = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
    if (url.protocol !== "https:" && !loopback) {
        problems.add(field, `${showUrl(value)} must use https (only http://localhost and http://127.0.0.1 are allowed over http, for kubelogin).`);
    }
    if (url.username || url.password) {
        problems.add(field, `${showUrl(value)} must not carry credentials in the URL; remove "user:password@".`);
    }
    if (value.includes("#")) {
        problems.add(field, `${showUrl(value)} must not have a fragment (RFC 6749), not even an empty "#"; remove everything from "#".`);
    }
    checkAsciiHost(problems, field, value, url);
}

/** Authentik slugs (Django SlugField): letters, digits, "-" and "_". */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]+$/;

export function checkSlug(problems: Problems, field: string, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    if (!SLUG_PATTERN.test(value)) {
        problems.add(field, `${show(value)} is not a valid slug; use only letters, digits, "-" and "_" (e.g. "headlamp").`);
    }
}

/** A non-empty string without surrounding whitespace. */
export function checkNonEmpty(problems: Problems, field: string, value: string | undefined, hint: string): void {
    if (value === undefined) {
        return;
    }
    if (value.trim() === "") {
        problems.add(field, `must not be empty; ${hint}.`);
    } else if (value.trim() !== value) {
        problems.add(field, `${show(value)} has leading or trailing whitespace; remove it.`);
    }
}

/** A value that must be set (not undefined) at all. */
export function checkRequired(problems: Problems, field: string, value: unknown, hint: string): boolean {
    if (!isSet(value)) {
        problems.add(field, `is required; ${hint}.`);
        return false;
    }
    return true;
}

/** A token that ends up inside a flag or a claim name: no whitespace, no control characters. */
export function checkNoWhitespace(problems: Problems, field: string, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    if (/[\s\u0000-\u001f]/.test(value)) {
        problems.add(field, `${show(value)} must not contain whitespace or control characters; remove them.`);
    }
}

/** RFC 1123 DNS name (lower case, dots between labels of at most 63 characters). */
export const DNS_NAME_PATTERN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function checkDnsName(problems: Problems, field: string, value: string | undefined, example: string): void {
    if (value === undefined) {
        return;
    }
    if (!DNS_NAME_PATTERN.test(value)) {
        problems.add(field, `${show(value)} is not a DNS name; give a lower-case host name without scheme, port or path, e.g. ${show(example)}.`);
    }
}

/** A Kubernetes object name (RFC 1123 label, at most 63 characters). */
export const K8S_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkK8sName(problems: Problems, field: string, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    if (!K8S_LABEL_PATTERN.test(value)) {
        problems.add(field, `${show(value)} is not a valid Kubernetes name; use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit.`);
    }
}

/** Checks a plain value against the members of a string enum declared `as const`. */
export function checkEnum<T extends string>(problems: Problems, field: string, value: string | undefined, allowed: readonly T[]): value is T {
    if (value === undefined) {
        return false;
    }
    if (!(allowed as readonly string[]).includes(value)) {
        problems.add(field, `${show(value)} is not one of ${allowed.map((a) => show(a)).join(", ")}; pick one of those.`);
        return false;
    }
    return true;
}

/** PEM certificate text (one or more certificates, never a private key); `what` says which certificate to give. */
export function checkCertificatePem(problems: Problems, field: string, value: string | undefined, what: string): void {
    if (value === undefined) {
        return;
    }
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(value)) {
        problems.add(field, `is not a PEM certificate; give ${what}, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.`);
    } else if (/PRIVATE KEY-----/.test(value)) {
        problems.add(field, "contains a private key; give only the CA certificate, never a key.");
    }
}

/**
 * A CA bundle that programs will load as trust anchors (the issuer's private CA): the checks of
 * `checkCertificatePem`, then every PEM block must be a `CERTIFICATE` that parses as X.509. A
 * broken one would surface late and far away: kube-apiserver's PEM reader (client-go
 * `certutil.ParseCertsPEM`) fails on it, so K3s would crash-loop, while Go's `AppendCertsFromPEM`
 * (Headlamp, kubelogin) skips it silently and Headlamp refuses to start when none is left.
 */
export function checkCertificateBundle(problems: Problems, field: string, value: string | undefined, what: string): void {
    const before = problems.list.length;
    checkCertificatePem(problems, field, value, what);
    if (value === undefined || problems.list.length > before) {
        return;
    }
    const blocks = [...value.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
    blocks.forEach((block, i) => {
        if (block[1] !== "CERTIFICATE") {
            problems.add(field, `PEM block ${i + 1} is a ${show(block[1])}; give only CERTIFICATE blocks (${what}).`);
            return;
        }
        try {
            new X509Certificate(block[0]);
        } catch {
            problems.add(field, `certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate; copy the whole PEM block of ${what}.`);
        }
    });
}

/** A whole number within [min, max]. */
export function checkInteger(problems: Problems, field: string, value: number | undefined, min: number, max: number): void {
    if (value === undefined) {
        return;
    }
    if (!Number.isInteger(value) || value < min || value > max) {
        problems.add(field, `${show(value)} must be a whole number from ${min} to ${max}.`);
    }
}

/** The plain elements of a list input, when the list and its elements are known. */
export function knownList<T>(value: pulumi.Input<pulumi.Input<T>[]> | undefined): (T | undefined)[] | undefined {
    const list = known(value);
    if (list === undefined) {
        return undefined;
    }
    return list.map((item) => known(item));
}

/**
 * Kubernetes reserves names starting with `system:` for its own users and groups
 * (`system:masters` may do anything, `system:authenticated` is every authenticated identity,
 * `system:kube-controller-manager` and the like hold the control plane's RBAC).
 */
export const SYSTEM_NAME_PREFIX = "system:";

/**
 * True when a prefix put in front of an identity name could make it a `system:` name: the prefix
 * starts with `system:`, or is itself a start of `system:` (`""`, `"s"`, `"sys"`: a group named
 * `tem:masters` after `"sys"` is `system:masters`).
 */
export function prefixReachesSystem(prefix: string): boolean {
    return SYSTEM_NAME_PREFIX.startsWith(prefix) || prefix.startsWith(SYSTEM_NAME_PREFIX);
}

/** A prefix as kube-apiserver applies it: `-` means none. */
function effectiveOidcPrefix(prefix: string): string {
    return prefix === "-" ? "" : prefix;
}

/**
 * The groups prefix of the API server (and of the RBAC that must match it). It must be set and
 * must not lead into `system:`: Authentik group names are not Kubernetes-safe (whoever may create
 * a group, or a federated source that syncs groups, picks the name), and without a prefix an
 * Authentik group named `system:masters` is Kubernetes's `system:masters`, with every right on the
 * cluster (checked on a real kube-apiserver by the kube-apiserver tier).
 */
export function checkGroupsPrefix(problems: Problems, field: string, value: string | undefined): void {
    if (value === undefined) {
        return;
    }
    if (effectiveOidcPrefix(value) === "") {
        problems.add(
            field,
            `${show(value)} turns the groups prefix off: Authentik group names are not Kubernetes-safe, and an Authentik group named "system:masters" would then be Kubernetes's system:masters group, which may do anything on the cluster; keep a prefix such as "oidc:" (the default) and bind groups with it.`,
        );
    } else if (prefixReachesSystem(value)) {
        problems.add(
            field,
            `${show(value)} starts with "system:" or is a start of it, so an Authentik group name would complete it to a Kubernetes built-in group (e.g. "system:masters", which may do anything); use a prefix such as "oidc:" (the default).`,
        );
    }
}

/**
 * The username prefix of the API server. Empty (or `-`) is safe only while the username claim is
 * `email` (an email address cannot start with `system:`; kube-apiserver also refuses an `email`
 * claim unless `email_verified` is true or absent). With `preferred_username`, `sub` or any other
 * claim, an Authentik user named `system:kube-controller-manager` would be that built-in identity
 * and hold its RBAC. `usernameClaim` undefined means unknown (an Output): only the prefix itself is
 * checked then.
 */
export function checkUsernamePrefix(problems: Problems, field: string, value: string | undefined, usernameClaim: string | undefined, claimField: string): void {
    if (value === undefined) {
        return;
    }
    const prefix = effectiveOidcPrefix(value);
    if (prefix === "") {
        if (usernameClaim !== undefined && usernameClaim !== "email") {
            problems.add(
                field,
                `${show(value)} (no prefix) is only safe with the username claim "email", and ${claimField} is ${show(usernameClaim)}: an Authentik user whose ${usernameClaim} is "system:kube-controller-manager" (or any "system:" name) would be that Kubernetes built-in identity, with its RBAC; set a prefix such as "oidc:" (users are then bound as "oidc:<name>") or use the username claim "email".`,
            );
        }
    } else if (prefixReachesSystem(prefix)) {
        problems.add(
            field,
            `${show(value)} starts with "system:" or is a start of it, so a user name would complete it to a Kubernetes built-in identity (e.g. "system:kube-controller-manager"); use a prefix such as "oidc:", or none with the username claim "email".`,
        );
    }
}

/**
 * A user or group an RBAC binding is made for (`admins`/`viewers`). A `system:` name is a
 * Kubernetes built-in identity, which no component should bind: without a prefix it grants the
 * role to that built-in (`system:authenticated` is every authenticated identity, service accounts
 * included), and with one it names an Authentik user or group that is hardly what was meant.
 */
export function checkNotSystemName(problems: Problems, field: string, value: string | undefined, kind: "user" | "group"): void {
    if (value === undefined || !value.startsWith(SYSTEM_NAME_PREFIX)) {
        return;
    }
    const example = kind === "group" ? '"k8s-admins"' : '"alice@example.com"';
    problems.add(
        field,
        `${show(value)} is a Kubernetes built-in ${kind} name ("system:" is reserved): binding it would hand the role to Kubernetes's own identities (system:authenticated is every authenticated user and service account), not to an Authentik ${kind}; give the Authentik ${kind}'s name, e.g. ${example} (the prefix is added for you).`,
    );
}
