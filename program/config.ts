// Reads the stack's config into one typed object and checks it, collecting every problem and
// naming each config key. Secrets are read as secret Outputs and never echoed. Pure apart from
// reading Pulumi config; index.ts maps the result to component args.
import { isIPv6 } from "net";
import * as pulumi from "@pulumi/pulumi";
import { AUTHENTIK_DEFAULTS } from "../components/authentik/settings";
import { checkAuthentikVersion } from "../components/authentik/versions";
import { isSystemNamespace } from "../components/headlamp/rbac";
import { ParentRef, checkSectionName } from "../components/headlamp/route";
import { K3sAuthConfigApiVersion, K3sDistribution, K3sOidcMode, K3sServiceManager } from "../components/k3s/settings";
import { checkGroupsPrefix, checkNotSystemName, checkUsernamePrefix } from "../components/validation";
import { Problems, checkCertificateBundle, checkCertificatePem, checkDnsName, checkEnum, checkHttpsBaseUrl, checkHttpsUrl, checkK8sName, checkNoWhitespace, checkSlug, show } from "../components/validation";

/**
 * This repository's Pulumi project name. The program reads its own keys in the namespace of the
 * project it runs in (`pulumi.getProject()`): `headlamp-sso:<key>` here, `<your project>:<key>` in
 * a project made from the `pulumi new` template.
 */
export const PROJECT = "headlamp-sso";

/** The namespace of the program's own config keys: the running project's name. */
export function configNamespace(): string {
    return pulumi.getProject() || PROJECT;
}

/** Defaults of the program's config keys (the same values Pulumi.yaml declares). */
export const CONFIG_DEFAULTS = {
    appName: "Headlamp",
    authorizationFlow: AUTHENTIK_DEFAULTS.authorizationFlow,
    signingKeyName: AUTHENTIK_DEFAULTS.signingKeyName,
    createAccessGroups: false,
    emailVerified: true,
    apiServerMode: "flags",
    authConfigApiVersion: "v1beta1",
    distribution: "k3s",
    serviceManager: "auto",
    usernameClaim: "email",
    usernamePrefix: "",
    groupsClaim: "groups",
    groupsPrefix: "oidc:",
    readyTimeoutSeconds: 180,
    namespace: "headlamp",
    chartVersion: "0.45.0",
    ingressClassName: "traefik",
    tlsSecretName: "headlamp-tls",
    kubectlAccess: true,
} as const;

/** Logged when `authentik:insecure` is true. */
export const INSECURE_WARNING = "authentik:insecure is true: the Pulumi Authentik provider does not verify Authentik's TLS certificate, so whoever sits in between can read the API token. "
    + "For a private CA, set headlamp-sso:authentikCaPem and run pulumi with SSL_CERT_FILE pointing at a bundle of the system roots plus that CA, then unset authentik:insecure (docs/deploy.md, \"Private CA\").";

/** kubelogin's loopback redirect URIs (defined with the Authentik settings; the doctor checks them too). */
export { KUBELOGIN_REDIRECT_URIS } from "../components/authentik/settings";

/** One SSH target parsed from `servers` (`user@host[:port]`). */
export interface ServerTarget {
    host: string;
    port: number;
    user: string;
    /** `keytype base64` from `sshHostKeys`, when given for this host. */
    hostKey?: string;
}

/** One namespace's access, from the `namespaceAccess` lines for it. */
export interface NamespaceAccessSetting {
    namespace: string;
    admins: { users: string[]; groups: string[] };
    operators: { users: string[]; groups: string[] };
    viewers: { users: string[]; groups: string[] };
    allowSystemNamespace: boolean;
}

/** The roles a `namespaceAccess` line may name, and the arg each fills. */
const ACCESS_LINE_ROLES = { admin: "admins", operator: "operators", viewer: "viewers" } as const;

/**
 * `namespaceAccess` lines, `<namespace>/<admin|operator|viewer>/<user|group>/<name>` (the name is
 * the rest, so it may hold "/"), grouped by namespace in the order first named. A list of strings
 * because Pulumi.yaml declares config keys as strings, numbers, booleans or lists of them. The
 * namespace is checked here (DNS-1123 label; a `kube-` one or Headlamp's own only when listed in
 * `allowSystemNamespaces`), so problems name the config key; HeadlampRelease checks the rest again.
 */
export function parseNamespaceAccess(problems: Problems, field: string, lines: string[], allowSystem: string[], allowField: string, releaseNamespace: string): NamespaceAccessSetting[] {
    const byNamespace = new Map<string, NamespaceAccessSetting>();
    lines.forEach((line, i) => {
        const m = /^([^/]*)\/([^/]*)\/([^/]*)\/(.+)$/.exec(line);
        const role = m ? ACCESS_LINE_ROLES[m[2] as keyof typeof ACCESS_LINE_ROLES] : undefined;
        if (!m || !role || (m[3] !== "user" && m[3] !== "group")) {
            problems.add(`${field}[${i}]`, `${show(line)} is not <namespace>/<admin|operator|viewer>/<user|group>/<name>; e.g. "web/operator/group/web-team" or "shop/viewer/user/bob@example.com".`);
            return;
        }
        const [, namespace, , kind, name] = m;
        const before = problems.list.length;
        checkK8sName(problems, `${field}[${i}]`, namespace);
        checkNotSystemName(problems, `${field}[${i}]`, name, kind);
        if (problems.list.length > before) {
            return;
        }
        let entry = byNamespace.get(namespace);
        if (!entry) {
            const system = isSystemNamespace(namespace) || namespace === releaseNamespace;
            if (system && !allowSystem.includes(namespace)) {
                problems.add(`${field}[${i}]`, `${show(namespace)} is a system namespace (${namespace === releaseNamespace ? "Headlamp's own, with the OIDC client secret" : 'Kubernetes reserves "kube-"; admin there can act as its service accounts'}); grant it cluster-wide instead, or add it to ${allowField} if you mean it.`);
                return;
            }
            entry = { namespace, admins: { users: [], groups: [] }, operators: { users: [], groups: [] }, viewers: { users: [], groups: [] }, allowSystemNamespace: system };
            byNamespace.set(namespace, entry);
        }
        const target = entry[role][kind === "user" ? "users" : "groups"];
        if (!target.includes(name)) {
            target.push(name);
        }
    });
    allowSystem.forEach((ns, i) => {
        if (!byNamespace.has(ns)) {
            problems.add(`${allowField}[${i}]`, `${show(ns)} is not a namespace of ${field}; remove it (it only allows a system namespace named there).`);
        }
    });
    return [...byNamespace.values()];
}

/** Everything the program needs, typed and checked. */
export interface StackSettings {
    stack: string;
    authentik: {
        url: string;
        token: pulumi.Output<string> | undefined;
        insecure: boolean | undefined;
        /** `authentikCaPem`: the private CA of Authentik's TLS certificate, for everything that contacts the issuer. */
        caPem: string | undefined;
        /** `authentikVersion`: the Authentik release (`YYYY.M[.P]`), which decides the fields sent; undefined when not set. */
        version: string | undefined;
        appSlug: string;
        appName: string;
        authorizationFlow: string;
        signingKeyName: string;
        accessGroups: string[];
        createAccessGroups: boolean;
        emailVerified: boolean;
        clientSecret: pulumi.Output<string> | undefined;
    };
    apiServer: {
        servers: ServerTarget[];
        sshPrivateKey: pulumi.Output<string>;
        sshPrivateKeyPassword: pulumi.Output<string> | undefined;
        mode: K3sOidcMode;
        authConfigApiVersion: K3sAuthConfigApiVersion;
        distribution: K3sDistribution;
        /** auto (systemd, else OpenRC), systemd or openrc: what runs K3s on the servers. */
        serviceManager: K3sServiceManager;
        usernameClaim: string;
        usernamePrefix: string;
        groupsClaim: string;
        groupsPrefix: string;
        readyTimeoutSeconds: number;
    };
    headlamp: {
        host: string;
        namespace: string;
        chartVersion: string;
        ingressClassName: string;
        tlsSecretName: string;
        clusterIssuer: string | undefined;
        /** `gatewayParentRefs` and `gatewayAnnotations`: route through these Gateway listeners instead of an Ingress. */
        gateway: { parentRefs: ParentRef[]; annotations: Record<string, string> } | undefined;
        adminUsers: string[];
        adminGroups: string[];
        viewerUsers: string[];
        viewerGroups: string[];
        /** `operatorUsers` and `operatorGroups`: bound cluster-wide to HeadlampRelease's operator role. */
        operatorUsers: string[];
        operatorGroups: string[];
        /** `namespaceAccess` (with `allowSystemNamespaces`), grouped by namespace: HeadlampRelease's `namespaces`. */
        namespaceAccess: NamespaceAccessSetting[];
    };
    kubernetes: {
        kubeconfig: pulumi.Output<string> | undefined;
        kubectlAccess: boolean;
        apiServerUrl: string;
        apiServerCaPem: string | undefined;
    };
    /** Things to tell the user that do not stop the deployment (index.ts logs them). */
    warnings: string[];
}

/** A config key with its namespace, for messages: `headlamp-sso:servers`, `authentik:url`. */
function fullKey(key: string): string {
    return key.includes(":") ? key : `${configNamespace()}:${key}`;
}

/** Raw string of a key (secret or not), without marking or echoing it. */
function raw(key: string): string | undefined {
    const value = pulumi.runtime.getConfig(fullKey(key));
    return value === undefined || value === "" ? undefined : value;
}

function str(key: string, fallback: string): string {
    return raw(key) ?? fallback;
}

function bool(problems: Problems, key: string, fallback: boolean): boolean {
    const value = raw(key);
    if (value === undefined) {
        return fallback;
    }
    if (value !== "true" && value !== "false") {
        problems.add(fullKey(key), `${show(value)} is not a boolean; set it to true or false.`);
        return fallback;
    }
    return value === "true";
}

function int(problems: Problems, key: string, fallback: number, min: number, max: number): number {
    const value = raw(key);
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
        problems.add(fullKey(key), `${show(value)} must be a whole number from ${min} to ${max}.`);
        return fallback;
    }
    return n;
}

function list(problems: Problems, key: string): string[] {
    const value = raw(key);
    if (value === undefined) {
        return [];
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string")) {
        problems.add(fullKey(key), `must be a list of strings; set it with \`pulumi config set --path '${key}[0]' <value>\` or a YAML list in Pulumi.<stack>.yaml.`);
        return [];
    }
    parsed.forEach((item: string, i) => {
        if (item.trim() === "") {
            problems.add(`${fullKey(key)}[${i}]`, "must not be empty; remove the entry.");
        }
    });
    return parsed as string[];
}

/** Whether the CLI handed this key over as a secret (`pulumi config set --secret`). */
function storedAsSecret(key: string): boolean | undefined {
    // The SDK's own check (what Config.get uses to warn about secrets read with get); @internal in
    // its typings, so it is looked up defensively: without it, nothing is claimed either way.
    const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return typeof check === "function" ? check(fullKey(key)) : undefined;
}

/**
 * A secret key's value as a secret Output. Set in plain text (without `--secret`), it still becomes
 * a secret here, and a warning (naming the key, never the value) says how to encrypt it.
 */
function secret(warnings: string[], key: string): pulumi.Output<string> | undefined {
    const value = raw(key);
    if (value === undefined) {
        return undefined;
    }
    if (storedAsSecret(key) === false) {
        const shortKey = key.startsWith(`${configNamespace()}:`) ? key.slice(configNamespace().length + 1) : key;
        warnings.push(`${fullKey(key)} is stored in plain text in the stack's config; encrypt it with \`pulumi config set --secret ${shortKey} <value>\` (this program treats it as a secret either way).`);
    }
    return pulumi.secret(value);
}

/**
 * The SSH key as given, or decoded when it was given as one line of base64 (`base64 -w0
 * ~/.ssh/id_ed25519`, what a single-line prompt such as `pulumi new`'s can take): a value without
 * a PEM header whose base64 decoding has one is that decoding. Runs inside the secret Output.
 */
export function unwrapBase64Key(value: string): string {
    if (value.includes("-----BEGIN")) {
        return value;
    }
    const compact = value.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
        return value;
    }
    const decoded = Buffer.from(compact, "base64").toString("utf8");
    return /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(decoded.trimStart()) ? decoded : value;
}

/** `user@host[:port]` (IPv6 in brackets) -> target. */
export function parseServer(problems: Problems, field: string, value: string): ServerTarget | undefined {
    const m = /^(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(value);
    if (!m) {
        problems.add(field, `${show(value)} is not an SSH target; write user@host or user@host:port, e.g. "root@k3s-1.lan".`);
        return undefined;
    }
    const port = m[3] === undefined ? 22 : Number(m[3]);
    if (port < 1 || port > 65535) {
        problems.add(field, `${show(value)} has port ${port}; use a port from 1 to 65535.`);
        return undefined;
    }
    const host = m[2].replace(/^\[|\]$/g, "");
    if (m[2].startsWith("[") && !isIPv6(host)) {
        problems.add(field, `${show(value)}: ${show(host)} is not an IPv6 address; write one in brackets, e.g. "root@[fd00::13]:22", or give a host name.`);
        return undefined;
    }
    return { user: m[1] ?? "root", host, port };
}

/**
 * One `sshHostKeys` line: the host it is for, the port (when written `[host]:port`, the form
 * known_hosts and `ssh-keyscan -p <port>` use for a port other than 22) and `keytype base64`.
 */
export interface HostKeyLine {
    /** The host name or address, without brackets. */
    host: string;
    /** The port of a `[host]:port` line; undefined for a bare host, which covers all its ports. */
    port?: number;
    /** `keytype base64`. */
    key: string;
    /** The host as written, for messages. */
    written: string;
}

/** `host keytype base64` and `[host]:port keytype base64` lines (known_hosts style). */
export function parseHostKeys(problems: Problems, field: string, lines: string[]): HostKeyLine[] {
    const keys: HostKeyLine[] = [];
    lines.forEach((line, i) => {
        const parts = line.trim().split(/\s+/);
        if (parts.length < 3 || !/^(ssh-|ecdsa-|sk-)/.test(parts[1])) {
            problems.add(`${field}[${i}]`, `must be "<host> <key type> <base64 key>" as in known_hosts, e.g. "k3s-1.lan ssh-ed25519 AAAAC3Nz..." or "[k3s-1.lan]:2222 ssh-ed25519 AAAAC3Nz..."; get it with ssh-keyscan.`);
            return;
        }
        const written = parts[0];
        const key = `${parts[1]} ${parts[2]}`;
        const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(written);
        if (bracketed) {
            const port = Number(bracketed[2]);
            if (port < 1 || port > 65535) {
                problems.add(`${field}[${i}]`, `${show(written)} has port ${port}; use a port from 1 to 65535.`);
                return;
            }
            keys.push({ host: bracketed[1], port, key, written });
        } else if (written.startsWith("[")) {
            problems.add(`${field}[${i}]`, `${show(written)} is not "host" or "[host]:port" (the two forms known_hosts uses); e.g. "[k3s-1.lan]:2222".`);
        } else {
            keys.push({ host: written, key, written });
        }
    });
    return keys;
}

/** The key for a server: a `[host]:port` line for its port first, else a bare line for its host. */
export function hostKeyFor(lines: readonly HostKeyLine[], host: string, port: number): string | undefined {
    return (lines.find((l) => l.host === host && l.port === port) ?? lines.find((l) => l.host === host && l.port === undefined))?.key;
}

/** `namespace/name[/sectionName]` -> a Gateway listener reference. */
export function parseParentRef(problems: Problems, field: string, value: string): ParentRef | undefined {
    const parts = value.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
        problems.add(field, `${show(value)} is not namespace/name[/sectionName]; write the Gateway's namespace and name, and optionally its listener, e.g. "gateway-system/public/https".`);
        return undefined;
    }
    const [namespace, name, sectionName] = parts;
    const before = problems.list.length;
    checkK8sName(problems, `${field} (namespace)`, namespace);
    checkK8sName(problems, `${field} (name)`, name);
    checkSectionName(problems, `${field} (sectionName)`, sectionName);
    return problems.list.length === before ? { namespace, name, ...(sectionName ? { sectionName } : {}) } : undefined;
}

/** `key=value` lines -> annotations. */
function parseAnnotations(problems: Problems, field: string, lines: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    lines.forEach((line, i) => {
        const eq = line.indexOf("=");
        if (eq <= 0) {
            problems.add(`${field}[${i}]`, `${show(line)} is not key=value; e.g. "example.com/team=ops".`);
            return;
        }
        out[line.slice(0, eq)] = line.slice(eq + 1);
    });
    return out;
}

/** Reads and checks the whole stack config. Throws one error listing every problem. */
export function readSettings(): StackSettings {
    const problems = new Problems();
    const warnings: string[] = [];
    const stack = pulumi.getStack();

    // Authentik provider config, shared with the provider's own keys.
    const authentikUrl = raw("authentik:url") ?? process.env.AUTHENTIK_URL;
    if (authentikUrl === undefined) {
        problems.add("authentik:url", 'is required; run `pulumi config set authentik:url https://auth.example.com` (or set AUTHENTIK_URL).');
    } else {
        checkHttpsBaseUrl(problems, "authentik:url", authentikUrl, "https://auth.example.com");
    }
    const token = secret(warnings, "authentik:token");
    if (token === undefined && !process.env.AUTHENTIK_TOKEN) {
        problems.add("authentik:token", "is required; create an API token in Authentik (Directory > Tokens) and run `pulumi config set --secret authentik:token <token>` (or set AUTHENTIK_TOKEN).");
    }
    const insecure = raw("authentik:insecure") === undefined ? undefined : bool(problems, "authentik:insecure", false);
    // The provider also reads AUTHENTIK_INSECURE (Go's strconv.ParseBool spellings of true).
    if (insecure === true || (insecure === undefined && /^(1|t|T|true|TRUE|True)$/.test(process.env.AUTHENTIK_INSECURE ?? ""))) {
        warnings.push(INSECURE_WARNING);
    }
    const caPem = raw("authentikCaPem");
    checkCertificateBundle(problems, fullKey("authentikCaPem"), caPem, "the CA certificate(s) that signed Authentik's TLS certificate");
    const authentikVersion = raw("authentikVersion");
    checkAuthentikVersion(problems, fullKey("authentikVersion"), authentikVersion);
    const appSlug = str("appSlug", `headlamp-${stack}`);
    checkSlug(problems, fullKey("appSlug"), appSlug);
    const authorizationFlow = str("authorizationFlow", CONFIG_DEFAULTS.authorizationFlow);
    checkSlug(problems, fullKey("authorizationFlow"), authorizationFlow);

    // API servers.
    const serverSpecs = list(problems, "servers");
    if (raw("servers") === undefined) {
        problems.add(fullKey("servers"), "is required; list the K3s servers as user@host[:port], e.g. `pulumi config set --path 'servers[0]' root@k3s-1.lan`.");
    } else if (raw("servers") === "[]") {
        problems.add(fullKey("servers"), "must list at least one K3s server (user@host[:port]).");
    }
    const hostKeys = parseHostKeys(problems, fullKey("sshHostKeys"), list(problems, "sshHostKeys"));
    const servers: ServerTarget[] = [];
    serverSpecs.forEach((spec, i) => {
        const target = parseServer(problems, `${fullKey("servers")}[${i}]`, spec);
        if (target) {
            const hostKey = hostKeyFor(hostKeys, target.host, target.port);
            servers.push(hostKey ? { ...target, hostKey } : target);
        }
    });
    for (const line of hostKeys) {
        if (!servers.some((s) => s.host === line.host && (line.port === undefined || line.port === s.port))) {
            problems.add(fullKey("sshHostKeys"), `has a key for ${show(line.written)}, which is not in servers; fix the host name (and "[host]:port" for a port other than 22) or remove the line.`);
        }
    }
    const sshPrivateKey = secret(warnings, "sshPrivateKey")?.apply(unwrapBase64Key);
    if (sshPrivateKey === undefined) {
        problems.add(fullKey("sshPrivateKey"), "is required; run `pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519` (a key the servers accept).");
    }
    const mode = str("apiServerMode", CONFIG_DEFAULTS.apiServerMode);
    checkEnum(problems, fullKey("apiServerMode"), mode, Object.values(K3sOidcMode));
    const authConfigApiVersion = str("authConfigApiVersion", CONFIG_DEFAULTS.authConfigApiVersion);
    checkEnum(problems, fullKey("authConfigApiVersion"), authConfigApiVersion, Object.values(K3sAuthConfigApiVersion));
    const distribution = str("distribution", CONFIG_DEFAULTS.distribution);
    checkEnum(problems, fullKey("distribution"), distribution, Object.values(K3sDistribution));
    const serviceManager = str("serviceManager", CONFIG_DEFAULTS.serviceManager);
    if (checkEnum(problems, fullKey("serviceManager"), serviceManager, Object.values(K3sServiceManager)) && serviceManager === K3sServiceManager.OpenRc && distribution === K3sDistribution.Rke2) {
        problems.add(fullKey("serviceManager"), `"openrc" with distribution "rke2": RKE2 supports systemd only; set serviceManager to auto or systemd, or use distribution k3s on OpenRC hosts.`);
    }
    const claims = {
        usernameClaim: str("usernameClaim", CONFIG_DEFAULTS.usernameClaim),
        usernamePrefix: str("usernamePrefix", CONFIG_DEFAULTS.usernamePrefix),
        groupsClaim: str("groupsClaim", CONFIG_DEFAULTS.groupsClaim),
        groupsPrefix: str("groupsPrefix", CONFIG_DEFAULTS.groupsPrefix),
    };
    for (const [key, value] of Object.entries(claims)) {
        checkNoWhitespace(problems, fullKey(key), value);
    }
    checkIdentityMapping(problems, claims);
    const apiServerUrlDefault = servers[0] ? `https://${servers[0].host.includes(":") ? `[${servers[0].host}]` : servers[0].host}:6443` : "https://127.0.0.1:6443";

    // Headlamp.
    const host = raw("headlampHost");
    if (host === undefined) {
        problems.add(fullKey("headlampHost"), "is required; give the DNS name Headlamp is served at, e.g. `pulumi config set headlampHost headlamp.example.com`.");
    } else {
        checkDnsName(problems, fullKey("headlampHost"), host, "headlamp.example.com");
    }
    const namespace = str("namespace", CONFIG_DEFAULTS.namespace);
    checkK8sName(problems, fullKey("namespace"), namespace);
    const tlsSecretName = str("tlsSecretName", CONFIG_DEFAULTS.tlsSecretName);
    checkK8sName(problems, fullKey("tlsSecretName"), tlsSecretName);
    const parentRefs = list(problems, "gatewayParentRefs")
        .map((ref, i) => parseParentRef(problems, `${fullKey("gatewayParentRefs")}[${i}]`, ref))
        .filter((r): r is ParentRef => r !== undefined);
    const gatewayAnnotations = parseAnnotations(problems, fullKey("gatewayAnnotations"), list(problems, "gatewayAnnotations"));
    const viaGateway = raw("gatewayParentRefs") !== undefined && raw("gatewayParentRefs") !== "[]";
    if (viaGateway) {
        // The Ingress keys do nothing with a Gateway: TLS terminates at its listener.
        // Their defaults reach the program like any value, so only a value other than the default counts.
        const defaults: Record<string, string | undefined> = { ingressClassName: CONFIG_DEFAULTS.ingressClassName, tlsSecretName: CONFIG_DEFAULTS.tlsSecretName, clusterIssuer: undefined };
        for (const [key, dflt] of Object.entries(defaults)) {
            if (raw(key) !== undefined && raw(key) !== dflt) {
                problems.add(fullKey(key), `does not apply with gatewayParentRefs (no Ingress is rendered; TLS terminates at the Gateway's listener, which holds the certificate); remove it with \`pulumi config rm ${key}\`, or remove gatewayParentRefs to use an Ingress.`);
            }
        }
    } else if (Object.keys(gatewayAnnotations).length > 0) {
        problems.add(fullKey("gatewayAnnotations"), "only applies with gatewayParentRefs; set the Gateway listeners there, or remove it.");
    }

    // Kubernetes access.
    const apiServerUrl = str("apiServerUrl", apiServerUrlDefault);
    if (raw("apiServerUrl") !== undefined) {
        checkHttpsUrl(problems, fullKey("apiServerUrl"), apiServerUrl, "https://k3s-1.lan:6443");
    }
    const apiServerCaPem = raw("apiServerCaPem");
    checkCertificatePem(problems, fullKey("apiServerCaPem"), apiServerCaPem, "the cluster CA, /var/lib/rancher/k3s/server/tls/server-ca.crt on a K3s server");

    const settings: StackSettings = {
        stack,
        authentik: {
            url: authentikUrl ?? "",
            token,
            insecure,
            caPem,
            version: authentikVersion,
            appSlug,
            appName: str("appName", CONFIG_DEFAULTS.appName),
            authorizationFlow,
            signingKeyName: str("signingKeyName", CONFIG_DEFAULTS.signingKeyName),
            accessGroups: list(problems, "accessGroups"),
            createAccessGroups: bool(problems, "createAccessGroups", CONFIG_DEFAULTS.createAccessGroups),
            emailVerified: bool(problems, "emailVerified", CONFIG_DEFAULTS.emailVerified),
            clientSecret: secret(warnings, "clientSecret"),
        },
        apiServer: {
            servers,
            sshPrivateKey: sshPrivateKey ?? pulumi.secret(""),
            sshPrivateKeyPassword: secret(warnings, "sshPrivateKeyPassword"),
            mode: mode as K3sOidcMode,
            authConfigApiVersion: authConfigApiVersion as K3sAuthConfigApiVersion,
            distribution: distribution as K3sDistribution,
            serviceManager: serviceManager as K3sServiceManager,
            ...claims,
            readyTimeoutSeconds: int(problems, "readyTimeoutSeconds", CONFIG_DEFAULTS.readyTimeoutSeconds, 10, 3600),
        },
        headlamp: {
            host: host ?? "",
            namespace,
            chartVersion: str("chartVersion", CONFIG_DEFAULTS.chartVersion),
            ingressClassName: str("ingressClassName", CONFIG_DEFAULTS.ingressClassName),
            tlsSecretName,
            clusterIssuer: raw("clusterIssuer"),
            gateway: viaGateway ? { parentRefs, annotations: gatewayAnnotations } : undefined,
            adminUsers: list(problems, "adminUsers"),
            adminGroups: list(problems, "adminGroups"),
            viewerUsers: list(problems, "viewerUsers"),
            viewerGroups: list(problems, "viewerGroups"),
            operatorUsers: list(problems, "operatorUsers"),
            operatorGroups: list(problems, "operatorGroups"),
            namespaceAccess: parseNamespaceAccess(problems, fullKey("namespaceAccess"), list(problems, "namespaceAccess"), list(problems, "allowSystemNamespaces"), fullKey("allowSystemNamespaces"), namespace),
        },
        kubernetes: {
            kubeconfig: secret(warnings, "kubeconfig"),
            kubectlAccess: bool(problems, "kubectlAccess", CONFIG_DEFAULTS.kubectlAccess),
            apiServerUrl,
            apiServerCaPem,
        },
        warnings,
    };
    checkRbacSubjects(problems, settings.headlamp);
    const emailWarning = emailBindingWarning(settings);
    if (emailWarning) {
        warnings.push(emailWarning);
    }
    problems.throwIfAny(`The config of stack "${stack}"`);
    return settings;
}

/**
 * No Authentik user or group may become a Kubernetes `system:` identity (components/validation.ts
 * says why): a groups prefix is required (an explicit `""` too is refused, not defaulted), an
 * empty username prefix only with the `email` claim.
 */
function checkIdentityMapping(problems: Problems, claims: { usernameClaim: string; usernamePrefix: string; groupsPrefix: string }): void {
    checkUsernamePrefix(problems, fullKey("usernamePrefix"), claims.usernamePrefix, claims.usernameClaim, fullKey("usernameClaim"));
    const written = pulumi.runtime.getConfig(fullKey("groupsPrefix"));
    checkGroupsPrefix(problems, fullKey("groupsPrefix"), written === "" ? "" : claims.groupsPrefix);
}

/**
 * Logged when users are bound by email (adminUsers/viewerUsers with the username claim `email`)
 * while every Authentik user may log in (accessGroups empty). The email mapping vouches
 * `email_verified: True` for whatever the user's email field says, and Authentik does not require
 * emails to be unique: an enrollment flow, a federated source, or the system setting "Allow users
 * to change email" (`default_user_change_email`) lets a user present another user's address and
 * so act as that Kubernetes user.
 */
export function emailBindingWarning(s: Pick<StackSettings, "authentik" | "apiServer" | "headlamp">): string | undefined {
    const h = s.headlamp;
    const bound = [...h.adminUsers, ...h.viewerUsers, ...(h.operatorUsers ?? []),
        ...(h.namespaceAccess ?? []).flatMap((a) => [...a.admins.users, ...a.operators.users, ...a.viewers.users])];
    if (bound.length === 0 || s.apiServer.usernameClaim !== "email" || s.authentik.accessGroups.length > 0) {
        return undefined;
    }
    return `${fullKey("adminUsers")}/${fullKey("viewerUsers")}/${fullKey("operatorUsers")}/${fullKey("namespaceAccess")} bind ${bound.length} user(s) by email while ${fullKey("accessGroups")} is empty, so every Authentik user may log in as whatever email their account shows: `
        + 'Authentik does not require unique emails, and an enrollment flow, a federated source or the setting "Allow users to change email" (default_user_change_email) lets a user present another user\'s address and act as that Kubernetes user. '
        + `Prefer groups (${fullKey("adminGroups")}, ${fullKey("viewerGroups")}) and set ${fullKey("accessGroups")} (docs/security.md).`;
}

/** `system:` names in the RBAC lists are refused, naming the config key. */
function checkRbacSubjects(problems: Problems, h: StackSettings["headlamp"]): void {
    const lists: [string, string[], "user" | "group"][] = [
        ["adminUsers", h.adminUsers, "user"],
        ["adminGroups", h.adminGroups, "group"],
        ["viewerUsers", h.viewerUsers, "user"],
        ["viewerGroups", h.viewerGroups, "group"],
        ["operatorUsers", h.operatorUsers, "user"],
        ["operatorGroups", h.operatorGroups, "group"],
    ];
    for (const [key, names, kind] of lists) {
        names.forEach((name, i) => checkNotSystemName(problems, `${fullKey(key)}[${i}]`, name, kind));
    }
}
