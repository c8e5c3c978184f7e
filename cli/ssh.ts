// The doctor's SSH transport: the system `ssh` client (as the doctor already runs `pulumi`), never
// a prompt (BatchMode: no password, no passphrase, no "trust this host key?"), host keys only from
// --known-hosts or the user's own known_hosts, a key from --ssh-key or the user's SSH agent and
// default keys. A command and its standard input go in; the exit code, stdout and stderr come out,
// and transport failures (refused, unknown or changed host key, authentication) are named.
import { spawn } from "child_process";

/** One server to reach: `user@host[:port]`. */
export interface SshTarget {
    user: string;
    host: string;
    port: number;
}

/** How to connect: a key file instead of the agent, a known_hosts file instead of the user's. */
export interface SshOptions {
    /** Private key file (`--ssh-key`); default: the SSH agent and ssh's default keys. */
    keyFile?: string;
    /** known_hosts file (`--known-hosts`); default: the user's own (~/.ssh/known_hosts). */
    knownHostsFile?: string;
    /** The ssh executable; default `ssh` on PATH. */
    ssh?: string;
    /** Environment of the ssh client (SSH_AUTH_SOCK, HOME, PATH). */
    env?: NodeJS.ProcessEnv;
    /** Give up on the whole run after this many milliseconds (default 60 000). */
    timeoutMs?: number;
    /** Give up connecting after this many seconds (default 10). */
    connectTimeoutSeconds?: number;
}

/** What a run returned. `code` 255 is ssh's own failure (see explainSshFailure). */
export interface SshRun {
    code: number;
    stdout: string;
    stderr: string;
}

const USER = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;

/** Parses `user@host[:port]` (IPv6 as `user@[::1]:22`); throws with a message naming the problem. */
export function parseSshTarget(text: string): SshTarget {
    const m = /^([^@\s]+)@(\[[0-9A-Fa-f:.]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(text);
    if (!m) {
        throw new Error(`${JSON.stringify(text)} is not user@host or user@host:port`);
    }
    const [, user, rawHost, port] = m;
    const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
    if (!USER.test(user)) {
        throw new Error(`${JSON.stringify(text)}: the user ${JSON.stringify(user)} is not a user name`);
    }
    if (!rawHost.startsWith("[") && !HOST.test(host)) {
        throw new Error(`${JSON.stringify(text)}: the host ${JSON.stringify(host)} is not a host name or address`);
    }
    const n = port === undefined ? 22 : Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
        throw new Error(`${JSON.stringify(text)}: the port ${port} is not 1-65535`);
    }
    return { user, host, port: n };
}

/** `user@host:port` (IPv6 in brackets), as results name a server. */
export function formatTarget(t: SshTarget): string {
    return `${t.user}@${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
}

/** The ssh client's arguments for one run (pure, so the tests can read them). */
export function sshArgs(t: SshTarget, command: string, o: SshOptions): string[] {
    return [
        "-T",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `ConnectTimeout=${o.connectTimeoutSeconds ?? 10}`,
        "-o", "ServerAliveInterval=10",
        "-o", "ServerAliveCountMax=3",
        "-o", "LogLevel=ERROR",
        ...(o.knownHostsFile ? ["-o", `UserKnownHostsFile=${o.knownHostsFile}`, "-o", "GlobalKnownHostsFile=/dev/null"] : []),
        ...(o.keyFile ? ["-i", o.keyFile, "-o", "IdentitiesOnly=yes"] : []),
        "-p", String(t.port),
        "-l", t.user,
        "--",
        t.host,
        command,
    ];
}

/** Runs `command` on the server with `stdin` as its standard input. Rejects only when ssh cannot start. */
export function runSsh(t: SshTarget, command: string, stdin: string, o: SshOptions = {}): Promise<SshRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(o.ssh ?? "ssh", sshArgs(t, command, o), { env: o.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, o.timeoutMs ?? 60_000);
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: timedOut ? 255 : code ?? 255, stdout, stderr: timedOut ? `${stderr}no answer within ${o.timeoutMs ?? 60_000} ms\n` : stderr });
        });
        // A server that closes early (refused, authentication) must not crash the doctor with EPIPE.
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin);
    });
}

/** ssh's own failure (exit 255) as a cause and a fix that name the server. */
export function explainSshFailure(t: SshTarget, stderr: string, o: SshOptions): { detail: string; fix: string } {
    const where = formatTarget(t);
    const said = stderr.split("\n").map((l) => l.trim()).filter(Boolean).slice(-2).join(" ").slice(0, 300);
    const known = o.knownHostsFile ? `--known-hosts ${o.knownHostsFile}` : "your ~/.ssh/known_hosts";
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(stderr)) {
        return { detail: `${where}: its host key is not the one in ${known} (${said}).`, fix: `If the server was reinstalled, replace its line with the output of ssh-keyscan -p ${t.port} ${t.host} after checking the key out of band; otherwise someone may be in between: do not connect.` };
    }
    if (/Host key verification failed|No .*host key is known/i.test(stderr)) {
        return { detail: `${where}: its host key is not in ${known}, and the doctor never trusts an unknown key (${said}).`, fix: `Add the server's key to ${known} (ssh-keyscan -p ${t.port} ${t.host}, checked out of band), or give --known-hosts FILE.` };
    }
    if (/Permission denied|Too many authentication failures/i.test(stderr)) {
        return { detail: `${where}: the server refused the login of ${t.user} (${said}).`, fix: `Give the key with --ssh-key FILE or load it into your SSH agent (ssh-add); the doctor never asks for a password or passphrase.` };
    }
    if (/Could not resolve hostname|Name or service not known/i.test(stderr)) {
        return { detail: `${where}: the host name does not resolve (${said}).`, fix: "Check the host in --ssh (or the stack's servers)." };
    }
    return { detail: `${where} is not reachable over SSH (${said || "ssh exited 255"}).`, fix: `Check that sshd listens on ${t.host} port ${t.port} and that this machine may reach it (try ssh -p ${t.port} ${t.user}@${t.host} true).` };
}
