// Pure rendering of the files K3sOidcApiServer installs on each server: the config drop-in, the
// AuthenticationConfiguration (structured mode) and the issuer's CA file (flags mode). Every file
// carries the owner line, so a later run (or another stack) can tell it from a file a user wrote.
import { createHash } from "crypto";
import * as path from "path";
import * as YAML from "yaml";
import { DISTRIBUTIONS, K3sOidcPlan } from "./settings";

/** Where the files of one component live on a server. */
export interface K3sPaths {
    /** Directory of the main config file, e.g. /etc/rancher/k3s. */
    readonly configDir: string;
    /** `<configFile>.d`, read after the main file in alphabetical order. */
    readonly dropInDir: string;
    /** `<configFile>.d/<name>.yaml`. */
    readonly dropIn: string;
    /** `<configDir>/<name>-authentication-config.yaml` (structured mode). */
    readonly authConfig: string;
    /** `<configDir>/<name>-oidc-ca.pem` (flags mode with issuerCaPem). */
    readonly caFile: string;
    /** `<configDir>/headlamp-sso-backup/<name>`: copies of what the last change replaced. */
    readonly backupDir: string;
}

export function pathsFor(plan: Pick<K3sOidcPlan, "name" | "configFile">): K3sPaths {
    const configDir = path.posix.dirname(plan.configFile);
    const dropInDir = `${plan.configFile}.d`;
    return {
        configDir,
        dropInDir,
        dropIn: `${dropInDir}/${plan.name}.yaml`,
        authConfig: `${configDir}/${plan.name}-authentication-config.yaml`,
        caFile: `${configDir}/${plan.name}-oidc-ca.pem`,
        backupDir: `${configDir}/headlamp-sso-backup/${plan.name}`,
    };
}

/** The first line of every file the component writes, and the line that records its owner. */
export const MANAGED_MARKER = "# Managed by headlamp-sso";
export const OWNER_PREFIX = "# owner: ";

/**
 * YAML output that every parser reads the same: kube-apiserver and K3s read YAML 1.1
 * (sigs.k8s.io/yaml, yaml.v2), where plain `on`, `yes`, `n`, `~` or `0644` are not strings. Every
 * string value is double-quoted; keys are our own fixed names.
 */
const YAML_OPTIONS = { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" } as const;

function header(plan: K3sOidcPlan, what: string): string {
    return `${MANAGED_MARKER} (K3sOidcApiServer ${JSON.stringify(plan.name)}): ${what}\n${OWNER_PREFIX}${plan.owner}\n`;
}

/** The `kube-apiserver-arg` values of flags mode, in a stable order. */
export function oidcFlags(plan: K3sOidcPlan): string[] {
    const paths = pathsFor(plan);
    const flags = [
        `oidc-issuer-url=${plan.issuerUrl}`,
        `oidc-client-id=${plan.clientId}`,
        `oidc-username-claim=${plan.usernameClaim}`,
        // "-" disables kube-apiserver's default prefix (the issuer URL and "#" for claims other
        // than email), so usernames are exactly the claim's value.
        `oidc-username-prefix=${plan.usernamePrefix === "" ? "-" : plan.usernamePrefix}`,
        `oidc-groups-claim=${plan.groupsClaim}`,
    ];
    if (plan.groupsPrefix !== "") {
        flags.push(`oidc-groups-prefix=${plan.groupsPrefix}`);
    }
    for (const claim of Object.keys(plan.requiredClaims).sort()) {
        flags.push(`oidc-required-claim=${claim}=${plan.requiredClaims[claim]}`);
    }
    if (plan.issuerCaPem !== undefined) {
        flags.push(`oidc-ca-file=${paths.caFile}`);
    }
    return flags;
}

/** The host files the API server must read (mounted into RKE2's static pod). */
export function hostFiles(plan: K3sOidcPlan): string[] {
    const paths = pathsFor(plan);
    if (plan.mode === "structured") {
        return [paths.authConfig];
    }
    return plan.issuerCaPem !== undefined ? [paths.caFile] : [];
}

/** The drop-in `<configFile>.d/<name>.yaml`: appends (`+`) to the user's own kube-apiserver args. */
export function renderDropIn(plan: K3sOidcPlan): string {
    const args = plan.mode === "structured" ? structuredFlags(plan) : oidcFlags(plan);
    const doc: Record<string, string[]> = { "kube-apiserver-arg+": args };
    const mounts = hostFiles(plan);
    if (DISTRIBUTIONS[plan.distribution].staticPod && mounts.length > 0) {
        doc["kube-apiserver-extra-mount+"] = mounts.map((f) => `${f}:${f}:ro`);
    }
    const note = [
        "# Do not edit: pulumi up rewrites this file and pulumi destroy removes it. The \"+\" keys append",
        "# to the kube-apiserver args of config.yaml instead of replacing them.",
    ];
    return `${header(plan, "OIDC for kube-apiserver.")}${note.join("\n")}\n${YAML.stringify(doc, YAML_OPTIONS)}`;
}

/**
 * The drop-in args of structured mode. `anonymous-auth=false` sits here, not in the file: K3s
 * before the May 2025 fix (k3s-io/k3s#12245; 1.33.1, 1.32.5, 1.31.9, 1.30.13) passes
 * `--anonymous-auth=false` itself and kube-apiserver refuses a file with an `anonymous` section
 * next to that flag; patched releases pass nothing, so a file without the section would leave
 * anonymous auth on. K3s's default gives way to an extra arg of the same name, so exactly one such
 * flag results on both (a user's own `anonymous-auth` arg stays before ours; the last one wins).
 */
export function structuredFlags(plan: K3sOidcPlan): string[] {
    return [`authentication-config=${pathsFor(plan).authConfig}`, "anonymous-auth=false"];
}

/**
 * The kube-apiserver args the running API server must show after a restart (K3s logs them as
 * "Running kube-apiserver --a=b ..."; RKE2 writes them to the static pod manifest), sorted: every
 * `--oidc-*` and `--authentication-config` arg, and no other.
 */
export function expectedAuthArgs(plan: K3sOidcPlan): string[] {
    const args = plan.mode === "structured" ? [`authentication-config=${pathsFor(plan).authConfig}`] : oidcFlags(plan);
    return args.map((a) => `--${a}`).sort();
}

/**
 * The AuthenticationConfiguration (structured mode). It has no `anonymous` section on purpose:
 * see {@link structuredFlags}.
 */
export function renderAuthConfig(plan: K3sOidcPlan): string {
    const issuer: Record<string, unknown> = {
        url: plan.issuerUrl,
        audiences: [plan.clientId],
    };
    if (plan.issuerCaPem !== undefined) {
        // A literal block (|) keeps the PEM readable; block scalars are strings in every YAML version.
        const pem = new YAML.Scalar(plan.issuerCaPem.endsWith("\n") ? plan.issuerCaPem : `${plan.issuerCaPem}\n`);
        pem.type = "BLOCK_LITERAL";
        issuer.certificateAuthority = pem;
    }
    const jwt: Record<string, unknown> = {
        issuer,
        claimMappings: {
            username: { claim: plan.usernameClaim, prefix: plan.usernamePrefix },
            groups: { claim: plan.groupsClaim, prefix: plan.groupsPrefix },
        },
    };
    const claims = Object.keys(plan.requiredClaims).sort();
    if (claims.length > 0) {
        jwt.claimValidationRules = claims.map((claim) => ({ claim, requiredValue: plan.requiredClaims[claim] }));
    }
    const doc: Record<string, unknown> = {
        apiVersion: `apiserver.config.k8s.io/${plan.apiVersion}`,
        kind: "AuthenticationConfiguration",
        jwt: [jwt],
    };
    return header(plan, "pulumi destroy removes it.") + YAML.stringify(doc, YAML_OPTIONS);
}

/**
 * How kube-apiserver names a loaded AuthenticationConfiguration in its
 * `apiserver_authentication_config_controller_last_config_info{hash=...}` metric: sha256 of the
 * file's bytes (k8s.io/apiserver authenticationconfigmetrics.getHash).
 */
export function authConfigHash(text: string): string {
    return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/**
 * The CA file of flags mode: the owner lines, then the PEM as given, ending in a newline (Go's
 * pem.Decode, which reads `--oidc-ca-file`, skips text before the first BEGIN line).
 */
export function renderCaFile(plan: K3sOidcPlan): string | undefined {
    if (plan.mode !== "flags" || plan.issuerCaPem === undefined) {
        return undefined;
    }
    const pem = plan.issuerCaPem.endsWith("\n") ? plan.issuerCaPem : `${plan.issuerCaPem}\n`;
    return header(plan, "CA of the OIDC issuer; pulumi destroy removes it.") + pem;
}

/** Every file a plan installs, with its content (authConfig in both variants). */
export interface RenderedFiles {
    readonly paths: K3sPaths;
    readonly dropIn: string;
    /** Structured mode: the AuthenticationConfiguration. */
    readonly authConfig?: string;
    /** Flags mode with issuerCaPem. */
    readonly caFile?: string;
}

export function renderFiles(plan: K3sOidcPlan): RenderedFiles {
    return {
        paths: pathsFor(plan),
        dropIn: renderDropIn(plan),
        authConfig: plan.mode === "structured" ? renderAuthConfig(plan) : undefined,
        caFile: renderCaFile(plan),
    };
}
