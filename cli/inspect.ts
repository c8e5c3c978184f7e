// What the K3s runbook's read-only `inspect` action prints (INSPECT-CONTRACT: `key=value` lines on
// stdout, list keys repeated), parsed, and mapped to the doctor's three server checks:
// `server-config` (our drop-in and AuthenticationConfiguration, other files' OIDC settings),
// `server-args` (the running kube-apiserver's args), `server-pending` (files changed since K3s
// started). The runbook decides every state with the same shell functions apply's preflight uses;
// this file only reports them, each failure with the file or arg and the fix. Pure: no I/O here.
import { pathsFor } from "../components/k3s/render";
import { K3sOidcPlan } from "../components/k3s/settings";
import { Outcome, fail, pass } from "./report";

/** A file K3s reads at start that changed after it started. */
export interface PendingFile {
    /** Modification time, unix seconds. */
    mtime: number;
    path: string;
}

/** The facts one `inspect` run printed. */
export interface InspectReport {
    /** Single-valued keys (the last line wins); unknown keys are kept and ignored. */
    values: Record<string, string>;
    /** `pending=<mtime> <path>` lines. */
    pending: PendingFile[];
    /** `conflict=<sentence>` lines. */
    conflicts: string[];
}

/** Keys that repeat, one line per item. */
const LIST_KEYS = new Set(["pending", "conflict"]);

/**
 * Parses inspect's stdout. Throws when it is not an inspect report (no `inspect=1` line), with a
 * message naming what came instead. Lines without `=` are ignored (forward compatible).
 */
export function parseInspect(stdout: string): InspectReport {
    const report: InspectReport = { values: {}, pending: [], conflicts: [] };
    let marker = false;
    for (const raw of stdout.split("\n")) {
        const line = raw.replace(/\r$/, "");
        const eq = line.indexOf("=");
        if (eq <= 0) {
            continue;
        }
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1);
        if (!/^[a-z][a-z0-9._-]*$/.test(key)) {
            continue;
        }
        if (key === "inspect" && value === "1") {
            marker = true;
        }
        if (!LIST_KEYS.has(key)) {
            report.values[key] = value;
        } else if (key === "conflict") {
            if (value.trim() !== "") {
                report.conflicts.push(value);
            }
        } else {
            const m = /^(\d+) (.+)$/.exec(value);
            if (m) {
                report.pending.push({ mtime: Number(m[1]), path: m[2] });
            }
        }
    }
    if (!marker) {
        const first = stdout.trim().split("\n")[0] ?? "";
        throw new Error(`it printed no inspect=1 line${first ? ` (its first line: ${JSON.stringify(first.slice(0, 120))})` : " (nothing on stdout)"}`);
    }
    return report;
}

/** Where a fix may point: the plan the stack applied and the server it was applied to. */
export interface ServerContext {
    /** `user@host:port`, as the results name the server. */
    target: string;
    plan: K3sOidcPlan;
    /** Where the stack's last apply put the drop-in on this server (its dropInPaths output); undefined when unknown. */
    appliedDropIn?: string;
}

function iso(seconds: number): string {
    return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : "an unknown time";
}

function restartCommand(r: InspectReport, plan: K3sOidcPlan): string {
    const name = r.values["service.name"] || plan.serviceName;
    return r.values["service.manager"] === "openrc" ? `rc-service ${name} restart` : `systemctl restart ${name}`;
}

/** Where to read the service's log: the journal on systemd, the log file inspect names on OpenRC. */
function logHint(r: InspectReport, service: string): string {
    return r.values["service.manager"] === "openrc" ? `its log file, ${r.values["service.log"] || `/var/log/${service}.log`}` : `journalctl -u ${service}`;
}

/** The fix that rewrites our files: pulumi up makes no remote call while the stack's inputs are unchanged. */
function rewriteFix(ctx: ServerContext): string {
    return `Run pulumi up to write it again (when the stack's inputs are unchanged pulumi up makes no remote call: run pulumi up --replace on the K3sOidcApiServer command of ${ctx.target}, or pulumi destroy and up for that component).`;
}

/** Judges one managed file's state (the drop-in, or the AuthenticationConfiguration). */
function judgeFile(what: string, state: string | undefined, path: string, owner: string, ctx: ServerContext): Outcome | undefined {
    switch (state) {
        case "ours":
        case "unused":
            return undefined;
        case "missing":
            return fail(`${what} ${path} is missing: K3s no longer reads the stack's OIDC settings (removed by hand?).`, rewriteFix(ctx));
        case "edited":
            return fail(
                `${what} ${path} carries our owner line but not what the stack applied (edited by hand?): the next K3s restart applies the edit.`,
                `Undo the edit, or put the change into the stack's config and run pulumi up. ${rewriteFix(ctx)} After an edit by hand, restart K3s yourself.`,
            );
        case "foreign":
            return fail(`${what} ${path} exists but is not ours (no owner line): another tool or person wrote it.`, `Move ${path} away (keep its settings elsewhere if you need them), then ${rewriteFix(ctx).replace(/^Run/, "run")}`);
        case "other-stack":
            return fail(
                `${what} ${path} belongs to another stack or component (owner ${JSON.stringify(owner)}, this stack's is ${JSON.stringify(ctx.plan.owner)}).`,
                "Two stacks manage this server: keep one (pulumi destroy the other's K3sOidcApiServer), or give the components different names so each has its own files.",
            );
        default:
            return fail(`inspect reported ${what}'s state as ${JSON.stringify(state ?? null)}, which this doctor does not know.`, "Use a headlamp-sso doctor from the same release as the stack's headlamp-sso.");
    }
}

/** `server-config`: our files are there (beside the config file K3s really reads), ours and equal to the plan; no other file sets OIDC args. */
export function judgeServerConfig(r: InspectReport, ctx: ServerContext): Outcome {
    const problems: Outcome[] = [];
    const configFile = r.values["config.file"];
    // The runbook follows the config file K3s really reads (the unit's --config, K3S_CONFIG_FILE)
    // and puts our drop-in beside it, apply as inspect: a configFile other than the stack's is no
    // fault by itself, only said, so a failure below names where the files are looked for.
    const elsewhere = configFile && configFile !== ctx.plan.configFile
        ? `K3s reads ${configFile} (${r.values["config.source"] || "default"}), not the stack's configFile ${ctx.plan.configFile}: our files belong beside it.`
        : undefined;
    const dropInPath = r.values["dropin.path"];
    // The stack's apply wrote the drop-in elsewhere: K3s's config file moved since (--config,
    // K3S_CONFIG_FILE changed), so the file apply wrote is not read, whatever is beside the new one.
    const moved = ctx.appliedDropIn && dropInPath && ctx.appliedDropIn !== dropInPath
        ? fail(
            `pulumi up put our drop-in at ${ctx.appliedDropIn} (the stack's dropInPaths), but K3s now reads ${configFile} (${r.values["config.source"] || "default"}), whose drop-ins are in ${dropInPath.slice(0, dropInPath.lastIndexOf("/"))}: the file pulumi up wrote is not read.`,
            `Move K3s's config back (undo the --config / K3S_CONFIG_FILE change), or remove ${ctx.appliedDropIn} and ${rewriteFix(ctx).replace(/^Run/, "run")}`,
        )
        : undefined;
    if (moved) {
        problems.push(moved);
    }
    const dropIn = judgeFile("our drop-in", r.values["dropin.state"], dropInPath || "(path not reported)", r.values["dropin.owner"] ?? "", ctx);
    if (dropIn && !(moved && r.values["dropin.state"] === "missing")) {
        problems.push(dropIn);
    }
    const authcfg = judgeFile("our AuthenticationConfiguration", r.values["authcfg.state"], pathsFor(ctx.plan).authConfig, "", ctx);
    if (authcfg && r.values["authcfg.state"] !== undefined) {
        problems.push(authcfg);
    }
    if (r.conflicts.length > 0) {
        problems.push(fail(
            `another OIDC setting: ${r.conflicts.join("; ")}`,
            "Remove the other OIDC setting (the arg in that file) so only the stack's drop-in configures OIDC, then restart K3s yourself.",
        ));
    }
    if (problems.length > 0) {
        return fail([...(elsewhere ? [elsewhere] : []), ...problems.map((p) => p.detail)].join(" "), [...new Set(problems.map((p) => p.fix!))].join(" "));
    }
    return pass(`${r.values["dropin.path"]} is ours and equal to what the stack applied${r.values["authcfg.state"] === "ours" ? ", so is the AuthenticationConfiguration" : ""} (K3s reads ${configFile || ctx.plan.configFile}, ${r.values["config.source"] || "default"}); no other file sets OIDC args.`);
}

/** `server-args`: the running kube-apiserver has exactly the args the plan expects. */
export function judgeServerArgs(r: InspectReport, ctx: ServerContext): Outcome {
    const service = r.values["service.name"] || ctx.plan.serviceName;
    const state = r.values["running.state"];
    // OpenRC: one supervise-daemon per service; a second one runs a second K3s beside the first
    // (two overlapping rc-service restarts start it twice), which cannot bind its ports and, with
    // respawn_max=0, crash-loops under its own supervisor for ever.
    const supervisors = Number(r.values["service.supervisors"] || "0");
    if (supervisors > 1) {
        return fail(
            `${supervisors} supervise-daemon processes run for ${service}: K3s was started more than once (overlapping rc-service restarts start it twice); every K3s but one cannot bind its ports and crash-loops under its own supervisor, and which one runs after the next respawn is chance.`,
            `Stop the service (rc-service ${service} stop), end the supervise-daemon processes still running for it (ps -eo pid,args | grep "supervise-daemon ${service} ", then kill <pid> of each), then start it (rc-service ${service} start).`,
        );
    }
    if (r.values["service.state"] === "stopped" || state === "stopped") {
        return fail(`${service} is not running.`, `Start it (${restartCommand(r, ctx.plan).replace(/restart$/, "start")}); its log says why it stopped (${logHint(r, service)}).`);
    }
    const running = (r.values["running.args"] ?? "").split(" ").filter(Boolean);
    const expected = (r.values["expected.args"] ?? "").split(" ").filter(Boolean);
    if (state === "ours") {
        if (r.values["api.ready"] === "no") {
            return fail(`${service} runs with the stack's OIDC args but its API server is not ready.`, `See ${logHint(r, service)} on ${ctx.target} for why kube-apiserver is not ready.`);
        }
        return pass(`the running kube-apiserver (started ${iso(Number(r.values["service.started"]))}) has exactly the stack's args: ${expected.join(" ") || "(none)"}.`);
    }
    if (state === "differ") {
        // The runbook's rule (verify_in_force): the oidc-* and authentication-config args equal the
        // expected ones; --anonymous-auth is not among them (K3s and users set it too), only in
        // structured mode must the last one be false. So it is named only when it is the difference.
        const anonymous = (a: string) => a.startsWith("--anonymous-auth=");
        const missing = expected.filter((a) => !running.includes(a));
        const extra = running.filter((a) => !anonymous(a) && !expected.includes(a));
        if (missing.length === 0 && extra.length === 0) {
            const anon = running.filter(anonymous).pop();
            return fail(
                `the running kube-apiserver has the stack's OIDC args but ${anon ?? "no --anonymous-auth flag"}, so anonymous requests are allowed (the stack expects --anonymous-auth=false last).`,
                `Remove the other --anonymous-auth setting (or the one K3s runs with from an older file), then restart K3s yourself (${restartCommand(r, ctx.plan)}).`,
            );
        }
        return fail(
            `the running kube-apiserver's args differ from the stack's: ${missing.length ? `missing ${missing.join(" ")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `not the stack's ${extra.join(" ")}` : ""}.`,
            `If the files are right (server-config passes), restart K3s yourself (${restartCommand(r, ctx.plan)}) so it runs with them; else fix server-config first.`,
        );
    }
    if (state === "unreadable") {
        return fail(`the running kube-apiserver's args could not be read (no "Running kube-apiserver" line in ${service}'s log since it started).`, `Check ${service}'s log (${logHint(r, service)}); a log rotated since the start hides the line: restart K3s yourself to log it again.`);
    }
    return fail(`inspect reported running.state ${JSON.stringify(state ?? null)}, which this doctor does not know.`, "Use a headlamp-sso doctor from the same release as the stack's headlamp-sso.");
}

/** `server-pending`: no file K3s reads at start changed since it started (an edit waiting for a restart). */
export function judgeServerPending(r: InspectReport, ctx: ServerContext): Outcome {
    const started = Number(r.values["service.started"]);
    if (r.pending.length === 0) {
        return pass(`no file K3s reads changed since it started (${iso(started)}).`);
    }
    return fail(
        `changed since K3s started (${iso(started)}) and not yet in force: ${r.pending.map((p) => `${p.path} (${iso(p.mtime)})`).join(", ")}; the next restart applies ${r.pending.length === 1 ? "it" : "them"}.`,
        `If the edit is meant, restart K3s yourself after your edit (${restartCommand(r, ctx.plan)}) and run the doctor again; if not, undo it.`,
    );
}
