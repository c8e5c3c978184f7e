// Checks 4b: the K3s servers, between the token and the API server. For each server (--ssh, else
// the stack's apiServerInspect output) the doctor sends the runbook (renderScript of the plan the
// stack applied) on stdin with runCommand("inspect") over SSH, once, and reports what it printed
// as three results per server: server-config, server-args, server-pending (cli/inspect.ts). An
// unreachable server fails its server-config with the SSH cause, skips its other two, and every
// other check still runs.
import { K3sOidcPlan } from "../components/k3s/settings";
import { renderScript, runCommand } from "../components/k3s/script";
import { Check, DoctorInputs, Facts } from "./context";
import { InspectReport, ServerContext, judgeServerArgs, judgeServerConfig, judgeServerPending, parseInspect } from "./inspect";
import { Outcome, fail, skip } from "./report";
import { SshOptions, SshTarget, explainSshFailure, formatTarget, runSsh } from "./ssh";

/** The servers to inspect and the plan the stack applied to them. */
export interface ServerInputs {
    targets: SshTarget[];
    /** The plan (stack output apiServerInspect); without it the runbook cannot compare. */
    plan?: K3sOidcPlan;
    /** K3sOidcApiServer's sudo; default per server: true unless the user is root. */
    sudo?: boolean;
    /** Where the stack's apply put the drop-in (stack output apiServerInspect.dropInPaths), by `user@host:port`. */
    appliedDropIns?: Record<string, string>;
    ssh: SshOptions;
}


/** What one inspect run gave: the report, or why there is none. */
export type InspectOutcome = { report: InspectReport } | { failure: Outcome };

/** Runs inspect on one server and parses it; failures are outcomes naming the server. */
export async function inspectServer(t: SshTarget, plan: K3sOidcPlan, sudo: boolean, ssh: SshOptions): Promise<InspectOutcome> {
    const where = formatTarget(t);
    let run;
    try {
        run = await runSsh(t, runCommand("inspect", { sudo }), renderScript(plan), ssh);
    } catch (err) {
        return { failure: fail(`${where}: the ssh client could not run (${(err as Error).message}).`, "Install the OpenSSH client (ssh) on this machine, or run the doctor where it is.") };
    }
    return judgeInspectRun(t, run.code, run.stdout, run.stderr, ssh);
}

/** Turns one run's exit code and output into a report or a failure (pure). */
export function judgeInspectRun(t: SshTarget, code: number, stdout: string, stderr: string, ssh: SshOptions): InspectOutcome {
    const where = formatTarget(t);
    if (code === 255) {
        const why = explainSshFailure(t, stderr, ssh);
        return { failure: fail(why.detail, why.fix) };
    }
    const errors = stderr.split("\n").filter((l) => /^headlamp-sso\[[^\]]*\]: ERROR: /.test(l) || /^headlamp-sso: /.test(l)).map((l) => l.trim());
    if (code !== 0) {
        return {
            failure: fail(
                `${where}: the runbook could not look (exit ${code}): ${errors.join(" ") || stderr.trim().split("\n").slice(-2).join(" ").slice(0, 300) || "no message"}`,
                "Do what the message says (connect as root or give the user password-less sudo; check that K3s is installed as the stack says: distribution, serviceName).",
            ),
        };
    }
    try {
        return { report: parseInspect(stdout) };
    } catch (err) {
        return { failure: fail(`${where}: inspect's output is not a report: ${(err as Error).message}.`, "Use a headlamp-sso doctor from the same release as the stack's headlamp-sso (the runbook it sends must have the inspect action).") };
    }
}

const runs = new WeakMap<Facts, Map<string, Promise<InspectOutcome>>>();

function inspectOnce(facts: Facts, servers: ServerInputs, t: SshTarget): Promise<InspectOutcome> {
    let byTarget = runs.get(facts);
    if (!byTarget) {
        byTarget = new Map();
        runs.set(facts, byTarget);
    }
    const key = formatTarget(t);
    let run = byTarget.get(key);
    if (!run) {
        run = inspectServer(t, servers.plan!, servers.sudo ?? t.user !== "root", servers.ssh);
        byTarget.set(key, run);
    }
    return run;
}

export const SERVER_CHECKS = ["server-config", "server-args", "server-pending"] as const;

const NO_SERVERS = "no K3s servers (give --ssh user@host[:port], or run where `pulumi stack output` has apiServerInspect).";
const NO_PLAN = "no plan the stack applied (the stack output apiServerInspect): the runbook compares the servers with it; run where `pulumi stack output` has it.";

/** The three checks of one server, or (without servers) one skipped check of each name. */
export function serverChecks(inputs: DoctorInputs): Check[] {
    const servers = inputs.servers;
    if (!servers || servers.targets.length === 0) {
        return SERVER_CHECKS.map((name) => ({ name, needs: [], after: [], missing: () => NO_SERVERS, run: () => Promise.resolve(skip(NO_SERVERS)) }));
    }
    const judges: Record<(typeof SERVER_CHECKS)[number], (r: InspectReport, ctx: ServerContext) => Outcome> = {
        "server-config": judgeServerConfig,
        "server-args": judgeServerArgs,
        "server-pending": judgeServerPending,
    };
    const checks: Check[] = [];
    for (const t of servers.targets) {
        const where = formatTarget(t);
        for (const name of SERVER_CHECKS) {
            checks.push({
                name,
                server: where,
                needs: [],
                after: [],
                missing: () => (servers.plan ? undefined : NO_PLAN),
                async run(_inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
                    const got = await inspectOnce(facts, servers, t);
                    if ("failure" in got) {
                        // The cause once, on the first of the server's checks.
                        return name === "server-config" ? got.failure : skip(`${where}: server-config could not inspect it.`);
                    }
                    const o = judges[name](got.report, { target: where, plan: servers.plan!, appliedDropIn: servers.appliedDropIns?.[where] });
                    return { ...o, detail: `${where}: ${o.detail}` };
                },
            });
        }
    }
    return checks;
}
