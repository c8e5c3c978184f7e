// A throwaway OpenSSH server for tests: /usr/sbin/sshd on 127.0.0.1 on a free port, with its own
// host key, a client key, a pinned known_hosts file and a bin directory that sessions find first
// on PATH (for stand-in executables). Optionally a non-root user with password-less sudo that
// keeps that PATH. Everything lives in one temp directory; `stop()` kills sshd, removes the user
// and the sudoers drop-in, and deletes the directory.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const SSHD = "/usr/sbin/sshd";

/** What one SSH run returned. */
export interface SshResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

export interface SshServerOptions {
    /** Create this non-root user (password-less sudo that keeps PATH); default none. */
    sudoUser?: string;
    /** Give the sudo user NOPASSWD (true, default) or a sudo rule that wants a password (false). */
    sudoNoPassword?: boolean;
}

function run(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.error ? String(r.error) : ""}`);
    }
    return r.stdout;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address() as net.AddressInfo;
            srv.close(() => resolve(addr.port));
        });
    });
}

async function waitForPort(port: number, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1");
            s.once("connect", () => { s.destroy(); resolve(true); });
            s.once("error", () => resolve(false));
        });
        if (ok) {
            return;
        }
        if (Date.now() > until) {
            throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${ms} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** A running throwaway sshd. Create with `await SshServer.start()`, end with `stop()`. */
export class SshServer {
    /** The temp directory holding keys, config, `bin/` and anything a test puts there. */
    readonly dir: string;
    /** Directory first on every session's PATH (also root's through sudo). */
    readonly binDir: string;
    readonly port: number;
    readonly host = "127.0.0.1";
    /** OpenSSH private key text of the client key. */
    readonly privateKey: string;
    readonly privateKeyPath: string;
    /** `ssh-ed25519 AAAA...` of the server's host key (what remote.Command's hostKey takes). */
    readonly hostKey: string;
    readonly sudoUser?: string;
    private readonly proc: ChildProcess;
    private readonly sudoersFile?: string;
    private readonly log: string[];

    private constructor(init: {
        dir: string; binDir: string; port: number; privateKey: string; privateKeyPath: string; hostKey: string;
        sudoUser?: string; sudoersFile?: string; proc: ChildProcess; log: string[];
    }) {
        this.dir = init.dir;
        this.binDir = init.binDir;
        this.port = init.port;
        this.privateKey = init.privateKey;
        this.privateKeyPath = init.privateKeyPath;
        this.hostKey = init.hostKey;
        this.sudoUser = init.sudoUser;
        this.sudoersFile = init.sudoersFile;
        this.proc = init.proc;
        this.log = init.log;
    }

    /** True when this machine can run the fixture (sshd installed, running as root). */
    static available(): boolean {
        return fs.existsSync(SSHD) && process.getuid?.() === 0;
    }

    static async start(options: SshServerOptions = {}): Promise<SshServer> {
        if (!fs.existsSync(SSHD)) {
            throw new Error(`${SSHD} is missing; install openssh-server (apt-get install -y openssh-server), as .ci/run does`);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hsso-sshd-"));
        fs.chmodSync(dir, 0o755);
        const binDir = path.join(dir, "bin");
        fs.mkdirSync(binDir, { mode: 0o755 });
        const hostKeyPath = path.join(dir, "host_ed25519");
        const privateKeyPath = path.join(dir, "client_ed25519");
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hsso-host", "-f", hostKeyPath]);
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hsso-client", "-f", privateKeyPath]);
        const hostPub = fs.readFileSync(`${hostKeyPath}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
        fs.copyFileSync(`${privateKeyPath}.pub`, path.join(dir, "authorized_keys"));
        fs.chmodSync(path.join(dir, "authorized_keys"), 0o644);
        const port = await freePort();
        fs.writeFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostPub}\n`);

        let sudoersFile: string | undefined;
        const sudoUser = options.sudoUser;
        if (sudoUser) {
            if (!/^[a-z][a-z0-9-]{0,30}$/.test(sudoUser)) {
                throw new Error(`bad test user name ${sudoUser}`);
            }
            if (!fs.existsSync("/usr/bin/sudo")) {
                throw new Error("sudo is missing; install it (apt-get install -y sudo), as .ci/run does");
            }
            spawnSync("userdel", [sudoUser]);
            run("useradd", ["-M", "-d", dir, "-s", "/bin/sh", sudoUser]);
            // "*" (not "!"): the account cannot log in with a password but is not locked for keys.
            run("usermod", ["-p", "*", sudoUser]);
            sudoersFile = `/etc/sudoers.d/hsso-test-${sudoUser}`;
            const rule = options.sudoNoPassword === false
                ? `${sudoUser} ALL=(root) ALL\n`
                : `${sudoUser} ALL=(root) NOPASSWD: ALL\n`;
            // Keep the session's PATH so root finds the stand-ins too (Debian sets secure_path).
            fs.writeFileSync(sudoersFile, `Defaults:${sudoUser} !secure_path\n${rule}`, { mode: 0o440 });
            run("visudo", ["-cf", sudoersFile]);
        }

        const config = [
            `Port ${port}`,
            "ListenAddress 127.0.0.1",
            `HostKey ${hostKeyPath}`,
            `PidFile ${path.join(dir, "sshd.pid")}`,
            `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
            "StrictModes no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            `AllowUsers root${sudoUser ? ` ${sudoUser}` : ""}`,
            // SHLVL=1: bash sources ~/.bashrc for a command sent by sshd only at shell level 1 (bash's
            // shell.c, SSH_SOURCE_BASHRC, which Debian's bash has), and root's ~/.bashrc on these
            // machines runs `pyenv init` (about 160 ms of CPU per session): the tests run our scripts,
            // not the machine's login files.
            `SetEnv PATH=${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SHLVL=1`,
            // One key exchange that costs little CPU (the default sntrup761x25519 hybrid costs about
            // 100 ms on each side per connection, and every script run is a new connection).
            "KexAlgorithms curve25519-sha256",
            "LogLevel ERROR",
            "",
        ].join("\n");
        const configPath = path.join(dir, "sshd_config");
        fs.writeFileSync(configPath, config);
        fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        const log: string[] = [];
        const proc = spawn(SSHD, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
        proc.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
        try {
            await waitForPort(port, 5000);
        } catch (e) {
            proc.kill();
            throw new Error(`${(e as Error).message}: ${log.join("")}`);
        }
        return new SshServer({
            dir, binDir, port, privateKey: fs.readFileSync(privateKeyPath, "utf8"), privateKeyPath,
            hostKey: hostPub, sudoUser, sudoersFile, proc, log,
        });
    }

    /**
     * Runs `command` (one string, exactly as remote.Command would send it, with `stdin` as its
     * standard input) as `user` over SSH with the system ssh client, the throwaway key and the
     * pinned host key.
     */
    exec(command: string, user = "root", stdin = ""): SshResult {
        const started = Date.now();
        const r = spawnSync("ssh", [...this.sshArgs(user), command], { encoding: "utf8", input: stdin, maxBuffer: 16 * 1024 * 1024 });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
    }

    /** Like `exec`, but returns the running ssh client (e.g. to kill it mid-way). */
    spawn(command: string, user = "root", stdin = ""): ChildProcess {
        const child = spawn("ssh", [...this.sshArgs(user), command], { stdio: ["pipe", "pipe", "pipe"] });
        child.stdin?.end(stdin);
        return child;
    }

    private sshArgs(user: string): string[] {
        return [
            "-q",
            "-i", this.privateKeyPath,
            "-p", String(this.port),
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", `UserKnownHostsFile=${path.join(this.dir, "known_hosts")}`,
            "-o", "LogLevel=ERROR",
            `${user}@${this.host}`,
        ];
    }

    /** Switches the sudo user's rule between NOPASSWD and one that wants a password. */
    setSudoNoPassword(noPassword: boolean): void {
        if (!this.sudoUser || !this.sudoersFile) {
            throw new Error("started without sudoUser");
        }
        const rule = noPassword ? `${this.sudoUser} ALL=(root) NOPASSWD: ALL\n` : `${this.sudoUser} ALL=(root) ALL\n`;
        fs.writeFileSync(this.sudoersFile, `Defaults:${this.sudoUser} !secure_path\n${rule}`, { mode: 0o440 });
    }

    /** sshd's own error log so far. */
    get sshdLog(): string {
        return this.log.join("");
    }

    async stop(): Promise<void> {
        if (this.proc.exitCode === null) {
            const exited = new Promise((resolve) => this.proc.once("exit", resolve));
            this.proc.kill("SIGTERM");
            await exited;
        }
        if (this.sudoUser) {
            spawnSync("pkill", ["-KILL", "-u", this.sudoUser]);
            spawnSync("userdel", [this.sudoUser]);
        }
        if (this.sudoersFile) {
            fs.rmSync(this.sudoersFile, { force: true });
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
