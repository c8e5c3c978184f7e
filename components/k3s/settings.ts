// Pure settings of K3sOidcApiServer: the string enums, the defaults of each distribution, the
// checks of every arg and the resolved plan the renderers take. No resources here;
// components/k3s-oidc-api-server.ts wires them.
import {
    Problems,
    checkEnum,
    checkHttpsUrl,
    checkInteger,
    checkNoWhitespace,
    checkCertificateBundle,
    checkNonEmpty,
    isSet,
    known,
    show,
} from "../validation";
import { checkGroupsPrefix, checkUsernamePrefix, withoutUserinfo } from "../validation";

/** How the API server is told to trust the issuer. */
export const K3sOidcMode = {
    /** `--oidc-*` kube-apiserver flags (every Kubernetes version). */
    Flags: "flags",
    /** An AuthenticationConfiguration file (`--authentication-config`, Kubernetes 1.30+). */
    Structured: "structured",
} as const;
export type K3sOidcMode = (typeof K3sOidcMode)[keyof typeof K3sOidcMode];

/** apiVersion of the AuthenticationConfiguration file in `structured` mode. */
export const K3sAuthConfigApiVersion = {
    /** `apiserver.config.k8s.io/v1beta1`, Kubernetes 1.30+. */
    V1beta1: "v1beta1",
    /** `apiserver.config.k8s.io/v1`, Kubernetes 1.34+. */
    V1: "v1",
} as const;
export type K3sAuthConfigApiVersion = (typeof K3sAuthConfigApiVersion)[keyof typeof K3sAuthConfigApiVersion];

/** Which Rancher Kubernetes distribution runs on the servers. */
export const K3sDistribution = {
    K3s: "k3s",
    Rke2: "rke2",
} as const;
export type K3sDistribution = (typeof K3sDistribution)[keyof typeof K3sDistribution];

/** Which service manager runs K3s on the servers (restarts it, knows when it started, keeps its log). */
export const K3sServiceManager = {
    /**
     * systemd when `systemctl` knows the service, else OpenRC when `/etc/init.d/<serviceName>` is an
     * `openrc-run` script and `rc-service` exists; else the run refuses, naming both.
     */
    Auto: "auto",
    /** systemd: `systemctl restart`, the journal, the unit's Environment= and EnvironmentFile=. */
    Systemd: "systemd",
    /**
     * OpenRC (Alpine; K3s's install script writes `/etc/init.d/k3s` with supervise-daemon):
     * `rc-service restart`, the log file of the init script, the files it sources. K3s only: RKE2
     * supports systemd only.
     */
    OpenRc: "openrc",
} as const;
export type K3sServiceManager = (typeof K3sServiceManager)[keyof typeof K3sServiceManager];

/** What differs between K3s and RKE2 on a server. */
export interface DistributionDefaults {
    /** The main config file; drop-ins go to `<configFile>.d/`. */
    readonly configFile: string;
    /** The systemd unit of a server node. */
    readonly serviceName: string;
    /** The binary that prints `<dist> version v1.x.y+...` with `--version`. */
    readonly binary: string;
    /** Command words that run kubectl as the cluster admin on the server. */
    readonly kubectl: readonly string[];
    /** True when the API server is a static pod that needs host files mounted (`kube-apiserver-extra-mount`). */
    readonly staticPod: boolean;
    /**
     * Where the running kube-apiserver's args can be read back: "" for the journal line K3s
     * logs at every start ("Running kube-apiserver --a=b ..."), else the static pod manifest.
     */
    readonly apiserverManifest: string;
}

export const DISTRIBUTIONS: Readonly<Record<K3sDistribution, DistributionDefaults>> = {
    k3s: {
        configFile: "/etc/rancher/k3s/config.yaml",
        serviceName: "k3s",
        binary: "k3s",
        kubectl: ["k3s", "kubectl"],
        staticPod: false,
        apiserverManifest: "",
    },
    rke2: {
        configFile: "/etc/rancher/rke2/config.yaml",
        serviceName: "rke2-server",
        binary: "rke2",
        kubectl: ["/var/lib/rancher/rke2/bin/kubectl", "--kubeconfig", "/etc/rancher/rke2/rke2.yaml"],
        staticPod: true,
        apiserverManifest: "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
    },
};

/** Defaults of K3sOidcApiServer, in one place for the code, the docs and the tests. */
export const K3S_OIDC_DEFAULTS = {
    port: 22,
    user: "root",
    usernameClaim: "email",
    /** No prefix: usernames are plain claim values (emails), as HeadlampRelease's RBAC binds them. */
    usernamePrefix: "",
    groupsClaim: "groups",
    groupsPrefix: "oidc:",
    mode: K3sOidcMode.Flags as K3sOidcMode,
    apiVersion: K3sAuthConfigApiVersion.V1beta1 as K3sAuthConfigApiVersion,
    distribution: K3sDistribution.K3s as K3sDistribution,
    serviceManager: K3sServiceManager.Auto as K3sServiceManager,
    readyTimeoutSeconds: 180,
    readyPollSeconds: 2,
    /**
     * Seconds a run waits for another run on the same server (another stack, or an earlier run
     * still going after its SSH session dropped) to finish.
     */
    lockTimeoutSeconds: 600,
    /** Journal lines quoted in a failure message. */
    journalLines: 40,
} as const;

/** Minimum Kubernetes minor version (1.x) of each AuthenticationConfiguration apiVersion. */
export const MIN_MINOR_FOR_API_VERSION: Readonly<Record<K3sAuthConfigApiVersion, number>> = {
    v1beta1: 30,
    v1: 34,
};

/** A component name that is safe as a file name on the server. */
export const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** An absolute path of plain characters, ending in .yaml. */
export const CONFIG_FILE_PATTERN = /^(\/[A-Za-z0-9._-]+)+\.yaml$/;
/** A systemd unit name (without `.service`). */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9@._-]{0,127}$/;
/** `ssh-ed25519 AAAA... [comment]` (type and base64, as in authorized_keys; what remote.Command's hostKey takes). */
export const HOST_KEY_PATTERN = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( \S.*)?$/;

/** One SSH target as the checks see it (plain where known). */
export interface ServerToCheck {
    host?: unknown;
    port?: unknown;
    user?: unknown;
    privateKey?: unknown;
    privateKeyPassword?: unknown;
    hostKey?: unknown;
    proxy?: unknown;
}

/** The args as `validateK3sArgs` sees them (plain where known, undefined where an Output). */
export interface K3sArgsToCheck {
    servers?: ServerToCheck[];
    issuerUrl?: unknown;
    clientId?: unknown;
    usernameClaim?: unknown;
    usernamePrefix?: unknown;
    groupsClaim?: unknown;
    groupsPrefix?: unknown;
    requiredClaims?: unknown;
    issuerCaPem?: unknown;
    mode?: string;
    apiVersion?: string;
    distribution?: string;
    configFile?: string;
    serviceName?: string;
    serviceManager?: string;
    sudo?: boolean;
    readyTimeoutSeconds?: number;
    readyPollSeconds?: number;
    lockTimeoutSeconds?: number;
}

/**
 * `"`, `\` and DEL: K3s logs its kube-apiserver command line as a logrus message
 * (`msg="Running kube-apiserver ..."`), which escapes `"` and `\`, and the read-back of the args
 * in force (like whitespace and control characters, which checkNoWhitespace refuses) could then
 * never match: the change would be rolled back after two restarts. Refused up front instead.
 */
const READ_BACK_UNSAFE = /["\\\u007f]/;

/** A value that must appear in the API server's logged args as written (see READ_BACK_UNSAFE). */
function checkReadBack(problems: Problems, field: string, value: string | undefined): void {
    if (value !== undefined && READ_BACK_UNSAFE.test(value)) {
        problems.add(field, `${show(value)} must not contain '"', '\\' or control characters: K3s logs the kube-apiserver args escaped, so the change could never be verified (it would be rolled back after two restarts); remove them.`);
    }
}

function plainString(value: unknown): string | undefined {
    const v = known(value as string | undefined);
    return typeof v === "string" ? v : undefined;
}

function checkServer(problems: Problems, field: string, server: ServerToCheck | undefined): void {
    if (!server || typeof server !== "object") {
        problems.add(field, 'must be an SSH target such as {host: "k3s-1.lan", privateKey}.');
        return;
    }
    if (!isSet(server.host)) {
        problems.add(`${field}.host`, 'is required; give the server\'s DNS name or IP address, e.g. "k3s-1.lan".');
    } else {
        const host = plainString(server.host);
        checkNonEmpty(problems, `${field}.host`, host, 'give the server\'s DNS name or IP address, e.g. "k3s-1.lan"');
        if (host !== undefined && host.trim() !== "") {
            checkNoWhitespace(problems, `${field}.host`, host.trim());
        }
    }
    const port = known(server.port as number | undefined);
    if (port !== undefined) {
        checkInteger(problems, `${field}.port`, port, 1, 65535);
    }
    const user = plainString(server.user);
    if (user !== undefined) {
        if (user === "") {
            problems.add(`${field}.user`, `must not be empty; leave it unset for ${show(K3S_OIDC_DEFAULTS.user)}.`);
        } else if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user)) {
            problems.add(`${field}.user`, `${show(user)} is not a login name; use letters, digits, ".", "_" and "-".`);
        }
    }
    const key = plainString(server.privateKey);
    if (key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
        // Never echo a key, not even a wrong one.
        problems.add(`${field}.privateKey`, "is not a PEM/OpenSSH private key (-----BEGIN ... PRIVATE KEY-----); pass the key file's content, not its path.");
    }
    const pass = plainString(server.privateKeyPassword);
    if (pass !== undefined && pass === "") {
        problems.add(`${field}.privateKeyPassword`, "must not be empty; leave it unset for a key without a passphrase.");
    }
    const hostKey = plainString(server.hostKey);
    if (hostKey !== undefined && !HOST_KEY_PATTERN.test(hostKey.trim())) {
        problems.add(`${field}.hostKey`, `${show(hostKey)} is not "<type> <base64>"; take the key from \`ssh-keyscan -t ed25519 <host>\` without the host name, e.g. "ssh-ed25519 AAAAC3Nz...".`);
    }
}

/** Checks every arg of K3sOidcApiServer and returns all problems (none when the args are fine). */
export function validateK3sArgs(name: string, args: K3sArgsToCheck | undefined): Problems {
    const problems = new Problems();
    if (!FILE_NAME_PATTERN.test(name)) {
        problems.add("name", `${show(name)} names the drop-in file on each server; use at most 63 letters, digits, ".", "_" and "-", starting with a letter or digit.`);
    }
    if (!args) {
        problems.add("args", "are required; give at least servers, issuerUrl and clientId.");
        return problems;
    }

    if (!Array.isArray(args.servers)) {
        problems.add("servers", 'is required; list the K3s server nodes as SSH targets, e.g. [{host: "k3s-1.lan", privateKey}].');
    } else if (args.servers.length === 0) {
        problems.add("servers", "must list at least one K3s server node (agents need nothing).");
    } else {
        const seen = new Map<string, number>();
        args.servers.forEach((server, i) => {
            checkServer(problems, `servers[${i}]`, server);
            const host = plainString(server?.host);
            const port = known(server?.port as number | undefined) ?? K3S_OIDC_DEFAULTS.port;
            if (host !== undefined) {
                const id = `${host}:${port}`;
                if (seen.has(id)) {
                    problems.add(`servers[${i}]`, `${show(id)} is also servers[${seen.get(id)}]; list each server once.`);
                }
                seen.set(id, i);
            }
        });
    }

    if (!isSet(args.issuerUrl)) {
        problems.add("issuerUrl", 'is required; give the OIDC issuer, e.g. "https://auth.example.com/application/o/headlamp/" (AuthentikOidcApp.issuerUrl).');
    } else {
        const issuer = plainString(args.issuerUrl);
        checkNoWhitespace(problems, "issuerUrl", issuer === undefined ? undefined : withoutUserinfo(issuer));
        checkHttpsUrl(problems, "issuerUrl", issuer, "https://auth.example.com/application/o/headlamp/");
    }
    if (!isSet(args.clientId)) {
        problems.add("clientId", "is required; give the OAuth2 client id the tokens are issued to (AuthentikOidcApp.clientId).");
    } else {
        const clientId = plainString(args.clientId);
        checkNonEmpty(problems, "clientId", clientId, "give the OAuth2 client id the tokens are issued to (the token's aud)");
        if (clientId !== undefined && clientId.trim() !== "") {
            checkNoWhitespace(problems, "clientId", clientId);
            checkReadBack(problems, "clientId", clientId);
            if (clientId.includes(",")) {
                problems.add("clientId", `${show(clientId)} must not contain ","; kube-apiserver would split it.`);
            }
        }
    }

    for (const field of ["usernameClaim", "groupsClaim"] as const) {
        const value = plainString(args[field]);
        if (value !== undefined) {
            if (value === "") {
                problems.add(field, `must not be empty; leave it unset for ${show(K3S_OIDC_DEFAULTS[field])}.`);
            }
            checkNoWhitespace(problems, field, value);
            checkReadBack(problems, field, value);
        }
    }
    for (const field of ["usernamePrefix", "groupsPrefix"] as const) {
        checkNoWhitespace(problems, field, plainString(args[field]));
        checkReadBack(problems, field, plainString(args[field]));
    }

    const claims = known(args.requiredClaims as Record<string, unknown> | undefined);
    if (claims !== undefined) {
        if (typeof claims !== "object" || Array.isArray(claims)) {
            problems.add("requiredClaims", 'must be a map of claim name to required value, e.g. {"hd": "example.com"}.');
        } else {
            for (const [claim, rawValue] of Object.entries(claims)) {
                const field = `requiredClaims.${claim}`;
                if (claim === "" || /[\s=,\u0000-\u001f]/.test(claim)) {
                    problems.add(field, `the claim name ${show(claim)} must be non-empty without whitespace, "=" or ","; fix the key.`);
                }
                checkReadBack(problems, field, claim);
                const value = plainString(rawValue);
                if (value !== undefined && (value === "" || /[\s,\u0000-\u001f]/.test(value))) {
                    problems.add(field, `${show(value)} must be a non-empty value without whitespace or ","; kube-apiserver splits the flag on ",".`);
                }
                checkReadBack(problems, field, value);
            }
        }
    }

    checkCertificateBundle(problems, "issuerCaPem", plainString(args.issuerCaPem), "the CA certificate(s) that signed the issuer's TLS certificate");

    checkEnum(problems, "mode", args.mode, Object.values(K3sOidcMode));
    checkEnum(problems, "apiVersion", args.apiVersion, Object.values(K3sAuthConfigApiVersion));
    checkEnum(problems, "distribution", args.distribution, Object.values(K3sDistribution));
    checkEnum(problems, "serviceManager", args.serviceManager, Object.values(K3sServiceManager));
    if (args.serviceManager === K3sServiceManager.OpenRc && args.distribution === K3sDistribution.Rke2) {
        problems.add("serviceManager", `${show(args.serviceManager)} with distribution "rke2": RKE2 supports systemd only (its install script and docs name no OpenRC service); use serviceManager "systemd" (or "auto") for RKE2, or distribution "k3s" on OpenRC hosts.`);
    }

    if (args.configFile !== undefined && !CONFIG_FILE_PATTERN.test(args.configFile)) {
        problems.add("configFile", `${show(args.configFile)} must be an absolute path to the main .yaml config of plain characters, e.g. ${show(DISTRIBUTIONS.k3s.configFile)}.`);
    } else if (args.configFile !== undefined && args.configFile.split("/").some((part) => part === "." || part === "..")) {
        problems.add("configFile", `${show(args.configFile)} must not contain "." or ".." path parts; give the real path.`);
    }
    if (args.serviceName !== undefined && !SERVICE_NAME_PATTERN.test(args.serviceName)) {
        problems.add("serviceName", `${show(args.serviceName)} is not a systemd unit name (without ".service") or an OpenRC /etc/init.d/<name>; e.g. "k3s" or "rke2-server".`);
    }
    if (args.sudo !== undefined && typeof args.sudo !== "boolean") {
        problems.add("sudo", `${show(args.sudo)} must be true or false.`);
    }
    checkInteger(problems, "readyTimeoutSeconds", args.readyTimeoutSeconds, 1, 3600);
    checkInteger(problems, "readyPollSeconds", args.readyPollSeconds, 1, 60);
    checkInteger(problems, "lockTimeoutSeconds", args.lockTimeoutSeconds, 1, 7200);
    // No Authentik user or group may become a Kubernetes "system:" identity (validation.ts).
    const usernameClaim = isSet(args.usernameClaim) ? plainString(args.usernameClaim) : K3S_OIDC_DEFAULTS.usernameClaim;
    const usernamePrefix = isSet(args.usernamePrefix) ? plainString(args.usernamePrefix) : K3S_OIDC_DEFAULTS.usernamePrefix;
    checkUsernamePrefix(problems, "usernamePrefix", usernamePrefix, usernameClaim, "usernameClaim");
    checkGroupsPrefix(problems, "groupsPrefix", plainString(args.groupsPrefix));
    return problems;
}

/** Everything the renderers need, resolved and plain. */
export interface K3sOidcPlan {
    /** The component's name: names the drop-in and the other files. */
    readonly name: string;
    /**
     * Who owns the files (the component's URN): the delete script leaves files that another
     * component instance has taken over since.
     */
    readonly owner: string;
    readonly issuerUrl: string;
    readonly clientId: string;
    readonly usernameClaim: string;
    /** "" means no prefix. */
    readonly usernamePrefix: string;
    readonly groupsClaim: string;
    /** "" means no prefix. */
    readonly groupsPrefix: string;
    readonly requiredClaims: Readonly<Record<string, string>>;
    readonly issuerCaPem?: string;
    readonly mode: K3sOidcMode;
    readonly apiVersion: K3sAuthConfigApiVersion;
    readonly distribution: K3sDistribution;
    readonly configFile: string;
    readonly serviceName: string;
    /** auto, systemd or openrc (see K3sServiceManager). */
    readonly serviceManager: K3sServiceManager;
    readonly readyTimeoutSeconds: number;
    readonly readyPollSeconds: number;
    readonly lockTimeoutSeconds: number;
}

/** The plain values a plan is built from; everything but the required ones is optional. */
export interface K3sPlanInput {
    name: string;
    owner: string;
    issuerUrl: string;
    clientId: string;
    usernameClaim?: string;
    usernamePrefix?: string;
    groupsClaim?: string;
    groupsPrefix?: string;
    requiredClaims?: Record<string, string>;
    issuerCaPem?: string;
    mode?: K3sOidcMode;
    apiVersion?: K3sAuthConfigApiVersion;
    distribution?: K3sDistribution;
    configFile?: string;
    serviceName?: string;
    serviceManager?: K3sServiceManager;
    readyTimeoutSeconds?: number;
    readyPollSeconds?: number;
    lockTimeoutSeconds?: number;
}

/** Fills in the defaults (the distribution's config file and service among them). */
export function resolvePlan(input: K3sPlanInput): K3sOidcPlan {
    const d = K3S_OIDC_DEFAULTS;
    const distribution = input.distribution ?? d.distribution;
    const dist = DISTRIBUTIONS[distribution];
    const prefix = (p: string | undefined, fallback: string) => {
        const value = p ?? fallback;
        return value === "-" ? "" : value;
    };
    return {
        name: input.name,
        owner: input.owner,
        issuerUrl: input.issuerUrl,
        clientId: input.clientId,
        usernameClaim: input.usernameClaim ?? d.usernameClaim,
        usernamePrefix: prefix(input.usernamePrefix, d.usernamePrefix),
        groupsClaim: input.groupsClaim ?? d.groupsClaim,
        groupsPrefix: prefix(input.groupsPrefix, d.groupsPrefix),
        requiredClaims: { ...(input.requiredClaims ?? {}) },
        issuerCaPem: input.issuerCaPem === undefined || input.issuerCaPem === "" ? undefined : input.issuerCaPem,
        mode: input.mode ?? d.mode,
        apiVersion: input.apiVersion ?? d.apiVersion,
        distribution,
        configFile: input.configFile ?? dist.configFile,
        serviceName: input.serviceName ?? dist.serviceName,
        serviceManager: input.serviceManager ?? d.serviceManager,
        readyTimeoutSeconds: input.readyTimeoutSeconds ?? d.readyTimeoutSeconds,
        readyPollSeconds: input.readyPollSeconds ?? d.readyPollSeconds,
        lockTimeoutSeconds: input.lockTimeoutSeconds ?? d.lockTimeoutSeconds,
    };
}
