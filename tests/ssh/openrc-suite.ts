// The shared fixture of the OpenRC test files (tests/k3s-openrc*.test.ts): a real OpenSSH server
// on 127.0.0.1 and, per test, a K3s server under the REAL OpenRC (tests/ssh/openrc.ts) with its
// own service name (with process.pid), state and files; the component's command text and stdin
// (registered under mocks) run over SSH as remote.Command runs them. Call openRcSuite() inside a
// describe(): it registers the hooks.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { K3sOidcApiServerArgs } from "../../components";
import { SshResult, SshServer } from "./sshd";
import { StandIns } from "./stand-ins";
import { OpenRcK3s, OpenRcK3sOptions, endServers, openRcAvailable, prepareOpenRc, removeStaleServices } from "./openrc";
import { Commands, ISSUER, OIDC_ARGS, caseRoot, registeredCommands } from "./k3s-fixture";

export { ISSUER, OIDC_ARGS };
export const USER_CONFIG = "# the user's own K3s config\nkube-apiserver-arg:\n  - audit-log-maxage=30\n";

export type { Commands };

export interface OpenRcSuite {
    readonly ssh: SshServer;
    readonly standIns: StandIns;
    readonly k3s: OpenRcK3s | undefined;
    readonly configFile: string;
    readonly dropIn: string;
    freshServer(options?: OpenRcK3sOptions): Promise<OpenRcK3s>;
    commandsFor(args?: Partial<K3sOidcApiServerArgs>): Promise<Commands>;
    run(cmds: Commands, which?: "create" | "update" | "delete"): SshResult;
    ok(r: SshResult): SshResult;
    failed(r: SshResult): SshResult;
    editedAfterStart(file: string): void;
}

export function openRcSuite(): OpenRcSuite {
    let ssh: SshServer;
    let standIns: StandIns;
    let n = 0;
    let k3s: OpenRcK3s | undefined;
    let configFile = "";
    let dropIn = "";
    let root: string;

    before(async function () {
        if (!openRcAvailable()) {
            throw new Error("OpenRC is missing; install it (apt-get install -y openrc), as .ci/run does");
        }
        prepareOpenRc();
        removeStaleServices();
        ssh = await SshServer.start();
    });
    // Each service stops in the background while the next test runs (supervise-daemon takes a
    // second or two); all are gone before sshd's directory (their logs, the stand-ins) is removed.
    const removals: Promise<void>[] = [];
    afterEach(() => {
        if (k3s) {
            removals.push(k3s.remove());
        }
        k3s = undefined;
    });
    after(async () => {
        await Promise.all(removals);
        if (ssh) {
            endServers(ssh.dir);
        }
        await ssh?.stop();
    });

    /** A K3s server under OpenRC, started: config.yaml with the user's own arg, no OIDC yet. */
    async function freshServer(options: OpenRcK3sOptions = {}): Promise<OpenRcK3s> {
        n += 1;
        ({ root, configFile } = caseRoot(ssh.dir, n, USER_CONFIG));
        dropIn = path.join(`${configFile}.d`, "oidc-dev.yaml");
        // Its own state: the previous test's server may still be stopping (and writes its state as it ends).
        // The systemd stand-in knows only "k3s": systemctl does not know our OpenRC service.
        standIns = new StandIns(ssh.binDir, path.join(root, "state"));
        standIns.install({ service: "k3s", configFile, version: "v1.31.4", binary: "k3s" });
        k3s = new OpenRcK3s(standIns, `hsso-k3s-${process.pid}-${n}`, root);
        k3s.install(options);
        // As on a real server, the files K3s reads were written before it started: OpenRC records
        // the start in whole seconds, so a file of the start's second counts as a pending edit.
        const before = new Date(Date.now() - 2000);
        for (const f of [configFile, k3s.initScript, k3s.envFile]) {
            fs.utimesSync(f, before, before);
        }
        await k3s.start();
        return k3s;
    }

    function commandsFor(args: Partial<K3sOidcApiServerArgs> = {}): Promise<Commands> {
        // Generous: a real rc-service restart takes 1.5 s, longer on a loaded machine.
        return registeredCommands(ssh, configFile, { serviceName: k3s?.service, readyTimeoutSeconds: 10, readyPollSeconds: 1, ...args });
    }

    function run(cmds: Commands, which: "create" | "update" | "delete" = "create"): SshResult {
        return ssh.exec(cmds[which], "root", cmds.stdin);
    }
    function ok(r: SshResult): SshResult {
        assert.strictEqual(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nlog:\n${k3s?.log()}`);
        return r;
    }
    function failed(r: SshResult): SshResult {
        assert.notStrictEqual(r.code, 0, `expected a failure, got exit 0\nstdout:\n${r.stdout}`);
        return r;
    }
    /** Makes `file` look edited after the running K3s started (a second later). */
    function editedAfterStart(file: string): void {
        const t = new Date(Date.now() + 1500);
        fs.utimesSync(file, t, t);
    }

    return {
        get ssh() { return ssh; },
        get standIns() { return standIns; },
        get k3s() { return k3s; },
        get configFile() { return configFile; },
        get dropIn() { return dropIn; },
        freshServer, commandsFor, run, ok, failed, editedAfterStart,
    };
}
