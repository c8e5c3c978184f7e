// `headlamp-sso doctor`: gathers the inputs (flags, else the stack's outputs), runs the checks in
// the order a login crosses them, and prints one line per check. A check whose inputs are missing,
// or that builds on one that did not pass, is skipped with the reason, so the first ✘ is the
// first broken link.
import * as fs from "fs";
import * as path from "path";
import { K3S_OIDC_DEFAULTS } from "../components/k3s/settings";
import { DoctorArgs, USAGE, UsageError, parseArgs } from "./args";
import { grantsCheck, mappingsCheck, providerCheck, redirectsCheck, versionCheck } from "./authentik";
import { apiAuthCheck, apiServerCheck, rbacCheck } from "./apiserver";
import { Check, DoctorInputs, Facts } from "./context";
import { headlampCheck, loginCheck } from "./headlamp";
import { issuerCheck, signingCheck } from "./issuer";
import { CheckResult, Outcome, STATUS, exitCodeOf, fail, formatJson, formatLine, pass, skip, summaryOf } from "./report";
import { ClaimSettings, StackOutputs, claimSettingsOf, onPath, readStackOutputs } from "./stack";
import { claimsCheck, tokenCheck } from "./token";
import { serverChecks } from "./servers";
import { formatTarget, parseSshTarget } from "./ssh";
import { HEADLAMP_DEFAULTS } from "../components/headlamp/settings";

/** Every check but the per-server ones, in the order a login crosses them. */
export const CHECKS: readonly Check[] = [
    issuerCheck,
    signingCheck,
    providerCheck,
    versionCheck,
    redirectsCheck,
    mappingsCheck,
    grantsCheck,
    headlampCheck,
    loginCheck,
    tokenCheck,
    claimsCheck,
    apiServerCheck,
    apiAuthCheck,
    rbacCheck,
];

/** The checks for these inputs: the server checks (one set per server) between the token and the API server. */
export function checksFor(inputs: DoctorInputs): Check[] {
    const at = CHECKS.indexOf(apiServerCheck);
    return [...CHECKS.slice(0, at), ...serverChecks(inputs), ...CHECKS.slice(at)];
}

/** Where the doctor writes and what it reads besides files (tests pass their own). */
export interface DoctorIo {
    stdout: { write(s: string): unknown; isTTY?: boolean };
    stderr: { write(s: string): unknown };
    env: NodeJS.ProcessEnv;
    cwd: string;
    /** Reads all of stdin (for --token-file -). */
    readStdin: () => string;
    /** Current time in seconds. */
    now?: () => number;
}

/** Runs the checks in order; `onStart`/`onDone` drive the progress display. */
export async function runChecks(checks: readonly Check[], inputs: DoctorInputs, hooks: { onStart?: (c: Check) => void; onDone?: (r: CheckResult) => void } = {}): Promise<CheckResult[]> {
    const facts: Facts = {};
    const results: CheckResult[] = [];
    const statusOf = new Map<string, string>();
    for (const check of checks) {
        hooks.onStart?.(check);
        let outcome: Outcome;
        const missing = check.missing(inputs);
        const blocked = [...check.needs, ...check.after].find((n) => statusOf.get(n) === STATUS.fail)
            ?? check.needs.find((n) => statusOf.get(n) !== STATUS.pass);
        if (missing !== undefined) {
            outcome = skip(missing);
        } else if (blocked !== undefined) {
            outcome = statusOf.get(blocked) === STATUS.fail
                ? skip(`${blocked} failed; fix that first.`)
                : skip(`it needs ${blocked}, which was skipped.`);
        } else {
            try {
                outcome = await check.run(inputs, facts);
            } catch (err) {
                outcome = fail(`the doctor itself failed: ${(err as Error).message}`, "This is a bug in headlamp-sso doctor; please report it with this line.");
            }
        }
        const result: CheckResult = { check: check.name, ...(check.server !== undefined ? { server: check.server } : {}), ...outcome };
        statusOf.set(check.name, result.status);
        results.push(result);
        hooks.onDone?.(result);
    }
    return results;
}

function readFileFlag(flag: string, file: string, cwd: string): string {
    try {
        return fs.readFileSync(path.resolve(cwd, file), "utf8");
    } catch (err) {
        throw new UsageError(`${flag} ${JSON.stringify(file)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
}

/** Reads the stack's outputs when the flags leave something open and the Pulumi CLI is there. */
async function stackStep(args: DoctorArgs, io: DoctorIo): Promise<{ outputs: StackOutputs; result: CheckResult }> {
    const name = "stack";
    if (args.noStack) {
        return { outputs: {}, result: { check: name, ...skip("--no-stack: using the flags only.") } };
    }
    const pulumi = onPath("pulumi", io.env.PATH);
    if (!pulumi) {
        if (args.stack) {
            throw new UsageError("--stack needs the Pulumi CLI on PATH; install it or give the values as flags with --no-stack.");
        }
        return { outputs: {}, result: { check: name, ...skip("the Pulumi CLI is not on PATH; using the flags only.") } };
    }
    try {
        const outputs = await readStackOutputs(pulumi, args.stack, io.cwd, io.env);
        const got = Object.entries(outputs).filter(([, v]) => v !== undefined).map(([k]) => k);
        return { outputs, result: { check: name, ...pass(`read ${got.length ? got.join(", ") : "no outputs"} from ${args.stack ? `stack ${JSON.stringify(args.stack)}` : "the selected stack"}.`) } };
    } catch (err) {
        if (args.stack) {
            throw new UsageError(`pulumi stack output --stack ${args.stack} failed: ${(err as Error).message}`);
        }
        return { outputs: {}, result: { check: name, ...skip(`pulumi stack output failed (${(err as Error).message}); using the flags only.`) } };
    }
}

/** The servers: --ssh targets, else the stack's; the plan always from the stack (apiServerInspect). */
function serversFrom(args: DoctorArgs, outputs: StackOutputs, io: DoctorIo): DoctorInputs["servers"] {
    const inspect = outputs.apiServerInspect;
    let targets = args.ssh.map(parseSshTarget);
    if (targets.length === 0 && inspect) {
        targets = [];
        for (const s of inspect.servers) {
            try {
                targets.push(parseSshTarget(s));
            } catch {
                // A server the output names in another form is left out; --ssh can name it.
            }
        }
    }
    const file = (flag: string, f: string | undefined) => {
        if (f === undefined) {
            return undefined;
        }
        readFileFlag(flag, f, io.cwd);
        return path.resolve(io.cwd, f);
    };
    // Where the stack's apply put each server's drop-in, by `user@host:port` as the doctor names it.
    const appliedDropIns: Record<string, string> = {};
    inspect?.servers.forEach((s, i) => {
        const p = inspect.dropInPaths?.[i];
        try {
            if (p !== undefined) {
                appliedDropIns[formatTarget(parseSshTarget(s))] = p;
            }
        } catch {
            // A server the output names in another form has no recorded path.
        }
    });
    return {
        targets,
        plan: inspect?.plan,
        sudo: inspect?.sudo,
        appliedDropIns,
        ssh: { keyFile: file("--ssh-key", args.sshKey), knownHostsFile: file("--known-hosts", args.knownHosts), env: io.env },
    };
}

/** Flags first, then the stack's outputs, then defaults. */
export function inputsFrom(args: DoctorArgs, outputs: StackOutputs, io: DoctorIo, stackRead = false): DoctorInputs {
    const claims: ClaimSettings = outputs.apiServerDropIn ? claimSettingsOf(outputs.apiServerDropIn) : {};
    const kubeconfigText = args.kubeconfig ? readFileFlag("--kubeconfig", args.kubeconfig, io.cwd) : undefined;
    let token: string | undefined;
    if (args.tokenFile !== undefined) {
        token = args.tokenFile === "-" ? io.readStdin() : readFileFlag("--token-file", args.tokenFile, io.cwd);
        if (token.trim() === "") {
            throw new UsageError(`--token-file ${JSON.stringify(args.tokenFile)} is empty; save the ID token into it.`);
        }
        token = token.trim();
    }
    return {
        issuer: args.issuer ?? outputs.issuerUrl,
        clientId: args.clientId ?? outputs.clientId,
        headlampUrl: args.headlampUrl ?? outputs.headlampUrl,
        authentikUrl: args.authentikUrl,
        authentikToken: io.env.AUTHENTIK_TOKEN || undefined,
        caPem: args.caFile ? readFileFlag("--ca-file", args.caFile, io.cwd) : undefined,
        token,
        kubeconfig: kubeconfigText !== undefined
            ? { text: kubeconfigText, source: path.resolve(io.cwd, args.kubeconfig!) }
            : outputs.kubeconfig ? { text: outputs.kubeconfig, source: path.join(io.cwd, "<stack output kubeconfig>") } : undefined,
        usernameClaim: args.usernameClaim ?? claims.usernameClaim ?? K3S_OIDC_DEFAULTS.usernameClaim,
        usernamePrefix: args.usernamePrefix ?? claims.usernamePrefix ?? HEADLAMP_DEFAULTS.usernamePrefix,
        groupsClaim: args.groupsClaim ?? claims.groupsClaim ?? K3S_OIDC_DEFAULTS.groupsClaim,
        groupsPrefix: args.groupsPrefix ?? claims.groupsPrefix ?? HEADLAMP_DEFAULTS.groupsPrefix,
        kubectl: !args.noKubectl,
        cluster: args.cluster ?? "main",
        now: io.now ?? (() => Math.floor(Date.now() / 1000)),
        servers: serversFrom(args, outputs, io),
        configuredVersion: args.authentikVersion !== undefined
            ? { value: args.authentikVersion, from: "--authentik-version" }
            : stackRead ? { value: outputs.authentikVersion, from: "the stack's authentikVersion" } : undefined,
    };
}

/** `headlamp-sso doctor ...`: returns the exit code. */
export async function runDoctor(argv: readonly string[], io: DoctorIo): Promise<number> {
    let args: DoctorArgs;
    let inputs: DoctorInputs;
    let stack: CheckResult;
    try {
        args = parseArgs(argv);
        if (args.help) {
            io.stdout.write(USAGE);
            return 0;
        }
        const step = await stackStep(args, io);
        stack = step.result;
        inputs = inputsFrom(args, step.outputs, io, step.result.status === STATUS.pass);
    } catch (err) {
        if (err instanceof UsageError) {
            io.stderr.write(`headlamp-sso doctor: ${err.message}\n\n${USAGE}`);
            return 2;
        }
        throw err;
    }
    const checks = checksFor(inputs);
    const width = Math.max(...["stack", ...checks.map((c) => c.name)].map((n) => n.length));
    const progress = !args.json && io.stdout.isTTY === true;
    if (!args.json) {
        io.stdout.write(`${formatLine(stack, width)}\n`);
    }
    const results = await runChecks(checks, inputs, {
        onStart: (c) => {
            if (progress) {
                io.stdout.write(`… ${c.name.padEnd(width)}  checking`);
            }
        },
        onDone: (r) => {
            if (progress) {
                io.stdout.write("\r\x1b[2K");
            }
            if (!args.json) {
                io.stdout.write(`${formatLine(r, width)}\n`);
            }
        },
    });
    const all = [stack, ...results];
    if (args.json) {
        io.stdout.write(formatJson(all));
    } else {
        io.stdout.write(`\n${summaryOf(all)}\n`);
    }
    return exitCodeOf(all);
}
