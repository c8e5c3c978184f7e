// Rendering of the runbook K3sOidcApiServer runs on each server over SSH: a header of variable
// assignments (the plan, shell-quoted) followed by the POSIX sh file components/k3s/runbook.sh,
// which branches on those variables at run time. The whole script travels on stdin and the
// command text is short and fixed (`exec sh -c "$(cat)" headlamp-sso apply|delete|inspect`), so a
// failed `pulumi up` shows the script's ERROR lines, not the script. File contents travel
// base64-encoded, so they arrive byte for byte. Nothing secret is in it: the SSH key stays in the
// connection. The runbook's steps are described at the top of runbook.sh.
import * as fs from "fs";
import * as path from "path";
import { quote } from "shell-quote";
import { OWNER_PREFIX, authConfigHash, expectedAuthArgs, renderFiles } from "./render";
import { DISTRIBUTIONS, K3S_OIDC_DEFAULTS, K3sOidcPlan, MIN_MINOR_FOR_API_VERSION } from "./settings";

/**
 * Where runbook.sh is: beside this file when run from source (ts-node), and in the package's
 * components/k3s/ when run from the build (bin/components/k3s/script.js; package.json "files"
 * ships components/k3s/runbook.sh).
 */
const RUNBOOK_CANDIDATES = [
    path.join(__dirname, "runbook.sh"),
    path.resolve(__dirname, "..", "..", "..", "components", "k3s", "runbook.sh"),
];

let runbookText: string | undefined;

/** The text of runbook.sh (read once). */
export function runbook(): string {
    if (runbookText === undefined) {
        const found = RUNBOOK_CANDIDATES.find((p) => fs.existsSync(p));
        if (found === undefined) {
            throw new Error(`headlamp-sso: the K3s runbook is missing (looked for ${RUNBOOK_CANDIDATES.join(", ")}); reinstall the package`);
        }
        runbookText = fs.readFileSync(found, "utf8");
    }
    return runbookText;
}

function q(value: string | number): string {
    return quote([String(value)]);
}

function b64(text: string | undefined): string {
    return text === undefined ? "" : Buffer.from(text, "utf8").toString("base64");
}

/** Text safe to print in a log line (the issuer and client id are validated, this is belt and braces). */
function printable(text: string): string {
    return text.replace(/[^A-Za-z0-9:/._~%?=&+@-]/g, "");
}

/** The header's variables, in order: every value runbook.sh reads from the plan. */
export function headerVariables(plan: K3sOidcPlan): [string, string | number][] {
    const dist = DISTRIBUTIONS[plan.distribution];
    const files = renderFiles(plan);
    const p = files.paths;
    return [
        ["name", plan.name],
        ["service", plan.serviceName],
        // auto, systemd or openrc: which service manager restarts the service (runbook.sh detect_manager).
        ["service_manager", plan.serviceManager],
        ["config_file", plan.configFile],
        ["config_dir", p.configDir],
        ["dropin_dir", p.dropInDir],
        ["dropin", p.dropIn],
        ["authcfg", p.authConfig],
        ["ca_file", p.caFile],
        ["backup_root", `${p.configDir}/headlamp-sso-backup`],
        ["backup_dir", p.backupDir],
        ["made_dir_marker", `${p.configDir}/.headlamp-sso-created-${p.dropInDir.slice(p.configDir.length + 1)}`],
        ["owner", plan.owner],
        ["owner_scope", `${plan.owner.split("::").slice(0, 2).join("::")}::`],
        ["owner_prefix", OWNER_PREFIX],
        ["distribution", plan.distribution],
        ["dist_bin", dist.binary],
        ["manifest", dist.apiserverManifest],
        ["kubectl", dist.kubectl.join(" ")],
        ["mode", plan.mode],
        ["api_version", plan.apiVersion],
        ["min_minor", MIN_MINOR_FOR_API_VERSION[plan.apiVersion]],
        ["ready_timeout", plan.readyTimeoutSeconds],
        ["ready_poll", plan.readyPollSeconds],
        ["lock_timeout", plan.lockTimeoutSeconds],
        ["journal_lines", K3S_OIDC_DEFAULTS.journalLines],
        // The args the running kube-apiserver must show (sorted), and the loaded AuthenticationConfiguration's hash.
        ["expected_args", expectedAuthArgs(plan).join("\n")],
        ["authcfg_hash", files.authConfig === undefined ? "" : authConfigHash(files.authConfig)],
        // The files to install, base64 ("" when the file must not exist).
        ["dropin_b64", b64(files.dropIn)],
        ["authcfg_b64", b64(files.authConfig)],
        ["ca_b64", b64(files.caFile)],
        // RKE2 bind-mounts the AuthenticationConfiguration into its static pod: a change needs a restart.
        ["authcfg_restart", dist.staticPod ? "yes" : "no"],
        ["applied", `applied: ${dist.binary} on this server trusts ${printable(plan.issuerUrl)} for client ${printable(plan.clientId)}`],
    ];
}

/** The whole script: the header, then runbook.sh (which runs `apply`, `delete` or `inspect` as its first argument says). */
export function renderScript(plan: K3sOidcPlan): string {
    const lines = headerVariables(plan).map(([k, v]) => `${k}=${q(v)}`);
    return `# headlamp-sso K3sOidcApiServer ${JSON.stringify(plan.name)} (${plan.distribution}, ${plan.mode} mode): run as sh -c <this> headlamp-sso apply|delete|inspect\n${lines.join("\n")}\n${runbook()}`;
}

/** How the script is started over SSH. */
export interface WrapOptions {
    /** Run through `sudo -n` (the SSH user is not root). */
    readonly sudo: boolean;
}

/**
 * The short fixed command remote.Command runs for one action: it reads the script from stdin
 * (`$(cat)`, so nothing the script starts can read its text) and runs it with `sh -c`, through
 * `sudo -n` with a clear error when sudo wants a password. Works from any POSIX-like login shell.
 */
export function runCommand(action: "apply" | "delete" | "inspect", options: WrapOptions): string {
    if (!options.sudo) {
        return `exec sh -c "$(cat)" headlamp-sso ${action}`;
    }
    const help = "headlamp-sso: sudo -n sh failed for user $(id -un): sudo wants a password or does not allow sh. Give the user password-less sudo (a line $(id -un) ALL=(root) NOPASSWD: ALL in /etc/sudoers.d/), or connect as root.";
    return `sudo -n sh -c : 2>/dev/null || { echo "${help}" >&2; exit 1; }; exec sudo -n sh -c "$(cat)" headlamp-sso ${action}`;
}

/** The command texts and the stdin of one server. */
export interface K3sCommands {
    readonly create: string;
    readonly update: string;
    readonly delete: string;
    /** The script, sent on stdin to each of the commands. */
    readonly stdin: string;
}

export function renderCommands(plan: K3sOidcPlan, options: WrapOptions): K3sCommands {
    const apply = runCommand("apply", options);
    return { create: apply, update: apply, delete: runCommand("delete", options), stdin: renderScript(plan) };
}

/**
 * The drop-in's path the runbook used on one server, from what its apply printed (the last
 * `headlamp-sso[<name>]: drop-in path: <path>` line): the plan's path, or the one beside the config
 * file the server's K3s really reads (--config, K3S_CONFIG_FILE). undefined when the output has no
 * such line (no run yet, a preview, a release before this line).
 */
export function reportedDropInPath(stdout: string | undefined): string | undefined {
    let found: string | undefined;
    for (const line of (stdout ?? "").split("\n")) {
        const m = /^headlamp-sso\[[^\]]*\]: drop-in path: (\/.*)$/.exec(line.replace(/\r$/, ""));
        if (m) {
            found = m[1];
        }
    }
    return found;
}
