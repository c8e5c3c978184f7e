// Pure rendering of the files K3sOidcApiServer installs on each server: the config drop-in, the
// AuthenticationConfiguration (structured mode) and the issuer's CA file (flags mode).
import * as path from "path";
import * as YAML from "yaml";
import { ANONYMOUS_SECTION_MIN_MINOR, DISTRIBUTIONS, K3sOidcPlan } from "./settings";

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

/** The first line of every drop-in, and the line that records its owner. */
export const MANAGED_MARKER = "# Managed by headlamp-sso";
export const OWNER_PREFIX = "# owner: ";

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
    const paths = pathsFor(plan);
    const args = plan.mode === "structured" ? [`authentication-config=${paths.authConfig}`] : oidcFlags(plan);
    const doc: Record<string, string[]> = { "kube-apiserver-arg+": args };
    const mounts = hostFiles(plan);
    if (DISTRIBUTIONS[plan.distribution].staticPod && mounts.length > 0) {
        doc["kube-apiserver-extra-mount+"] = mounts.map((f) => `${f}:${f}:ro`);
    }
    const header = [
        `${MANAGED_MARKER} (K3sOidcApiServer ${JSON.stringify(plan.name)}): OIDC for kube-apiserver.`,
        "# Do not edit: pulumi up rewrites this file and pulumi destroy removes it. The \"+\" keys append",
        "# to the kube-apiserver args of config.yaml instead of replacing them.",
        `${OWNER_PREFIX}${plan.owner}`,
    ];
    return `${header.join("\n")}\n${YAML.stringify(doc, { lineWidth: 0 })}`;
}

/**
 * The AuthenticationConfiguration (structured mode). `withAnonymous` adds
 * `anonymous: {enabled: false}`, for Kubernetes 1.32+ where K3s no longer passes
 * `--anonymous-auth=false` itself; older API servers refuse that section.
 */
export function renderAuthConfig(plan: K3sOidcPlan, withAnonymous: boolean): string {
    const issuer: Record<string, unknown> = {
        url: plan.issuerUrl,
        audiences: [plan.clientId],
    };
    if (plan.issuerCaPem !== undefined) {
        issuer.certificateAuthority = plan.issuerCaPem.endsWith("\n") ? plan.issuerCaPem : `${plan.issuerCaPem}\n`;
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
    if (withAnonymous) {
        doc.anonymous = { enabled: false };
    }
    const header = `${MANAGED_MARKER} (K3sOidcApiServer ${JSON.stringify(plan.name)}); pulumi destroy removes it.\n`;
    return header + YAML.stringify(doc, { lineWidth: 0 });
}

/** The CA file of flags mode (the PEM as given, ending in a newline). */
export function renderCaFile(plan: K3sOidcPlan): string | undefined {
    if (plan.mode !== "flags" || plan.issuerCaPem === undefined) {
        return undefined;
    }
    return plan.issuerCaPem.endsWith("\n") ? plan.issuerCaPem : `${plan.issuerCaPem}\n`;
}

/** Every file a plan installs, with its content (authConfig in both variants). */
export interface RenderedFiles {
    readonly paths: K3sPaths;
    readonly dropIn: string;
    /** Structured mode: the file for API servers older than 1.32 (no `anonymous` section) and the one for 1.32+. */
    readonly authConfig?: { readonly legacy: string; readonly current: string };
    /** Flags mode with issuerCaPem. */
    readonly caFile?: string;
}

export function renderFiles(plan: K3sOidcPlan): RenderedFiles {
    return {
        paths: pathsFor(plan),
        dropIn: renderDropIn(plan),
        authConfig: plan.mode === "structured"
            ? { legacy: renderAuthConfig(plan, false), current: renderAuthConfig(plan, true) }
            : undefined,
        caFile: renderCaFile(plan),
    };
}

/** The Kubernetes minor version from which the `current` AuthenticationConfiguration is used. */
export const AUTH_CONFIG_CURRENT_FROM_MINOR = ANONYMOUS_SECTION_MIN_MINOR;
