// The values of the current Pulumi stack: `pulumi stack output --json --show-secrets` gives
// issuerUrl, clientId, headlampUrl, the kubectl kubeconfig (secret: it carries the client secret,
// which the doctor never prints) and the API server drop-in, whose kube-apiserver args say which
// claims and prefixes the API server uses.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { K3sOidcPlan } from "../components/k3s/settings";

/** What the doctor needs to inspect the K3s servers: the plan K3sOidcApiServer applied, and where. */
export interface ApiServerInspect {
    /** The resolved plan (components/k3s/settings.ts K3sOidcPlan): renderScript renders the runbook from it. */
    plan: K3sOidcPlan;
    /** `user@host:port` of every server. */
    servers: string[];
    /** K3sOidcApiServer's sudo arg, when set (else: sudo unless the user is root). */
    sudo?: boolean;
    /** Where each server's last apply put the drop-in, in the order of servers (stacks before this output: absent). */
    dropInPaths?: string[];
}

/** The stack outputs the doctor uses (all optional: older stacks or partial deployments). */
export interface StackOutputs {
    issuerUrl?: string;
    clientId?: string;
    headlampUrl?: string;
    kubeconfig?: string;
    apiServerDropIn?: string;
    apiServerInspect?: ApiServerInspect;
    /** The Authentik release the stack is configured for (`authentikVersion`), when set. */
    authentikVersion?: string;
}

/** The API server's claim settings, as a drop-in's kube-apiserver args give them. */
export interface ClaimSettings {
    usernameClaim?: string;
    usernamePrefix?: string;
    groupsClaim?: string;
    groupsPrefix?: string;
}

/** Reads the claim settings from a flags-mode drop-in (structured mode keeps them in another file). */
export function claimSettingsOf(dropIn: string): ClaimSettings {
    let doc: unknown;
    try {
        doc = parseYaml(dropIn);
    } catch {
        return {};
    }
    const args = (doc as Record<string, unknown> | null)?.["kube-apiserver-arg+"];
    if (!Array.isArray(args)) {
        return {};
    }
    const flags = new Map<string, string>();
    for (const a of args) {
        const m = /^(oidc-[a-z-]+)=(.*)$/.exec(String(a));
        if (m) {
            flags.set(m[1], m[2]);
        }
    }
    if (!flags.has("oidc-issuer-url")) {
        return {};
    }
    return {
        usernameClaim: flags.get("oidc-username-claim") ?? "sub",
        usernamePrefix: flags.get("oidc-username-prefix"),
        groupsClaim: flags.get("oidc-groups-claim"),
        // kube-apiserver's default groups prefix is none.
        groupsPrefix: flags.get("oidc-groups-prefix") ?? "",
    };
}

/** Picks the known outputs (strings only) from `pulumi stack output --json`. */
export function pickOutputs(json: unknown): StackOutputs {
    const o = (json ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof o[k] === "string" && o[k] !== "" ? o[k] : undefined);
    const inspect = o.apiServerInspect as Partial<ApiServerInspect> | undefined;
    const plan = inspect?.plan as Partial<K3sOidcPlan> | undefined;
    const usable = !!inspect && Array.isArray(inspect.servers) && inspect.servers.every((s) => typeof s === "string")
        && !!plan && typeof plan === "object" && typeof plan.name === "string" && typeof plan.owner === "string" && typeof plan.configFile === "string" && typeof plan.issuerUrl === "string";
    return {
        issuerUrl: str("issuerUrl"), clientId: str("clientId"), headlampUrl: str("headlampUrl"), kubeconfig: str("kubeconfig"), apiServerDropIn: str("apiServerDropIn"), authentikVersion: str("authentikVersion"),
        apiServerInspect: usable
            ? {
                plan: plan as K3sOidcPlan,
                servers: inspect.servers as string[],
                ...(typeof inspect.sudo === "boolean" ? { sudo: inspect.sudo } : {}),
                ...(Array.isArray(inspect.dropInPaths) && inspect.dropInPaths.length === inspect.servers!.length && inspect.dropInPaths.every((p) => typeof p === "string")
                    ? { dropInPaths: inspect.dropInPaths }
                    : {}),
            }
            : undefined,
    };
}

/** The path of an executable on PATH, or undefined. */
export function onPath(name: string, envPath: string | undefined): string | undefined {
    for (const dir of (envPath ?? "").split(path.delimiter).filter(Boolean)) {
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) {
                return candidate;
            }
        } catch {
            // not here
        }
    }
    return undefined;
}

/** Runs `pulumi stack output --json --show-secrets [--stack NAME]`; rejects with pulumi's own message. */
export function readStackOutputs(pulumi: string, stack: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Promise<StackOutputs> {
    const args = ["stack", "output", "--json", "--show-secrets", "--non-interactive", ...(stack ? ["--stack", stack] : [])];
    return new Promise((resolve, reject) => {
        execFile(pulumi, args, { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) {
                const first = String(stderr).split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 3).join(" ");
                reject(new Error(first || err.message));
                return;
            }
            try {
                resolve(pickOutputs(JSON.parse(String(stdout)) as unknown));
            } catch {
                reject(new Error("pulumi stack output --json did not print JSON"));
            }
        });
    });
}
