// Runs the stand-ins' calls as root (systemctl, journalctl, `k3s --version`, `k3s kubectl`) inside
// the test process instead of a new node process per call: a node start costs about 50 ms of CPU
// (150 ms with the YAML module a restart reads), and one script run makes a dozen such calls. The
// executable the remote script finds on PATH stays a real process with the real process's interface
// (argv, stdout, stderr, exit code, its parent, signals): a small bash client (see `clientScript`)
// that sends its argv and $PPID over TCP to 127.0.0.1 and prints what comes back. The call itself
// runs the very same stand-in JavaScript file, in a worker thread, with a `process` object that
// gives that argv and parent and collects stdout, stderr and the exit code. Calls run one per thread
// (a pool that grows), so one call never holds another up.
//
// Signals reach the client, and the call ends as the process would have: a client killed before the
// answer (its connection closes) ends the call at its next pause (`process.standInPause`, the
// restart's and a hung client's waits), with no further writes and no exit handlers, as SIGKILL ends
// a process; what a call does between pauses takes milliseconds. `systemctl restart` ignores TERM,
// INT and HUP (a systemd job: signals to the client do not stop it), so only SIGKILL (a reboot, the
// OOM killer, timeout's -k) stops it midway, as it stopped the node process that ran it before.
//
// The server lives in its own thread because the tests run ssh with spawnSync, which blocks the test
// process's event loop for the whole script run. It is unref'd: it never keeps a process alive.
import * as fs from "fs";
import { Worker } from "worker_threads";

/** The acceptor thread: a TCP server on 127.0.0.1 that hands each call to a free executor thread. */
const ACCEPTOR = String.raw`
"use strict";
const net = require("net");
const { Worker, workerData } = require("worker_threads");
const shared = new Int32Array(workerData.shared);
const EXECUTOR = workerData.executor;
const idle = [];
function executor() {
    const w = idle.pop() || new Worker(EXECUTOR, { eval: true });
    w.unref();
    return w;
}
const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on("error", () => {});
    socket.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        // Request: js, tool, ppid, argc, argv... each NUL-terminated.
        const fields = buf.toString("utf8").split("\0");
        if (started || fields.length < 5) return;
        const argc = Number(fields[3]);
        if (fields.length < 5 + argc) return;
        started = true;
        const w = executor();
        // Set when the client goes away before its answer (killed): the call ends at its next pause.
        const killed = new Int32Array(new SharedArrayBuffer(4));
        let answered = false;
        socket.on("close", () => {
            if (!answered) {
                Atomics.store(killed, 0, 1);
                Atomics.notify(killed, 0);
            }
        });
        w.once("message", (r) => {
            answered = true;
            idle.push(w);
            // Response: exit code, stdout, stderr, each NUL-terminated (the stand-ins print no NUL).
            if (!r.killed) socket.end(r.code + "\0" + r.stdout + "\0" + r.stderr + "\0");
        });
        w.postMessage({ js: fields[0], tool: fields[1], ppid: Number(fields[2]), args: fields.slice(4, 4 + argc), killed: killed.buffer });
    });
});
server.listen(0, "127.0.0.1", () => {
    Atomics.store(shared, 0, server.address().port);
    Atomics.notify(shared, 0);
});
server.on("error", () => {
    Atomics.store(shared, 0, -1);
    Atomics.notify(shared, 0);
});
`;

/**
 * An executor thread: runs the stand-in file as its process would, with a `process` that has the
 * call's argv and parent, collects what it writes, and ends at process.exit (or an uncaught error,
 * which node prints with its stack and ends with status 1).
 */
const EXECUTOR = String.raw`
"use strict";
const fs = require("fs");
const { parentPort } = require("worker_threads");
const compiled = new Map();
class Exit { constructor(code) { this.code = code; } }
class Killed {}
parentPort.on("message", (m) => {
    let out = "";
    let err = "";
    const exitHandlers = [];
    const proc = {
        argv: [process.execPath, m.js, m.tool, ...m.args],
        env: process.env,
        ppid: m.ppid,
        pid: process.pid,
        stdout: { write: (s) => { out += s; return true; } },
        stderr: { write: (s) => { err += s; return true; } },
        // Signals go to the client (see the top of this file); an "exit" handler runs when the call ends.
        on(event, fn) { if (event === "exit") exitHandlers.push(fn); return proc; },
        exit(code) { throw new Exit(code === undefined ? 0 : code); },
        // Waits ms, or ends the call as SIGKILL would when the client is killed meanwhile.
        standInPause(ms) {
            const killed = new Int32Array(m.killed);
            if (Atomics.load(killed, 0) === 1 || Atomics.wait(killed, 0, 0, ms) !== "timed-out") throw new Killed();
        },
    };
    let code = 0;
    try {
        const text = fs.readFileSync(m.js, "utf8");
        let fn = compiled.get(text);
        if (!fn) {
            fn = new Function("require", "process", "__filename", "module", "exports", text);
            compiled.set(text, fn);
        }
        // Run as the main module (require.main === module), as \`node standin.js\` runs it.
        const mod = { exports: {}, filename: m.js };
        const req = Object.assign((id) => require(id), { main: mod, resolve: require.resolve, cache: require.cache });
        fn(req, proc, m.js, mod, mod.exports);
    } catch (e) {
        if (e instanceof Killed) {
            parentPort.postMessage({ killed: true });
            return;
        }
        if (e instanceof Exit) {
            code = e.code;
        } else {
            err += (e && e.stack ? e.stack : String(e)) + "\n";
            code = 1;
        }
    }
    for (const h of exitHandlers) {
        try { h(code); } catch (e) { err += String(e) + "\n"; }
    }
    parentPort.postMessage({ code, stdout: out, stderr: err });
});
`;

let port: number | undefined;

/** The port of this process's stand-in call server (started on the first call; undefined if it cannot start). */
export function standInServerPort(): number | undefined {
    if (port === undefined) {
        const shared = new SharedArrayBuffer(4);
        const flag = new Int32Array(shared);
        const acceptor = new Worker(ACCEPTOR, { eval: true, workerData: { shared, executor: EXECUTOR } });
        acceptor.unref();
        // The test process waits (at most 10 s) for the thread to listen: install() is synchronous.
        Atomics.wait(flag, 0, 0, 10_000);
        const p = Atomics.load(flag, 0);
        port = p > 0 ? p : -1;
    }
    return port > 0 ? port : undefined;
}

/**
 * The executable for `tool`: the bash client of the call server for its calls as root, else (a
 * `k3s server`, a call as another user than root, no server) the stand-in as its own node process.
 */
export function clientScript(tool: string, js: string, nodePath: string, serverPort: number | undefined): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const fallback = `exec ${q(nodePath)} ${q(js)} ${tool} "$@"`;
    if (serverPort === undefined) {
        return `#!/bin/sh\n${fallback}\n`;
    }
    const served = tool === "systemctl" || tool === "journalctl"
        ? "1"
        : `$( [ "$1" = --version ] || [ "$1" = -v ] || [ "$1" = kubectl ] && echo 1 )`;
    return [
        "#!/bin/bash",
        `# A stand-in ${tool}: its calls as root go to the test process's call server (tests/ssh/stand-in-server.ts).`,
        // First thing: a restart is a systemd job, TERM, INT and HUP to the client do not stop it
        // (only SIGKILL does). Ignored signals stay ignored in the node process of the fallback too.
        ...(tool === "systemctl" ? ["[ \"$1\" = restart ] && trap '' TERM INT HUP"] : []),
        `if [ "${served}" = 1 ] && [ "$EUID" = 0 ] && { exec 3<>/dev/tcp/127.0.0.1/${serverPort}; } 2>/dev/null; then`,
        `    printf '%s\\0' ${q(js)} ${tool} "$PPID" "$#" "$@" >&3`,
        "    IFS= read -r -d '' code <&3 || exit 1",
        "    IFS= read -r -d '' out <&3",
        "    IFS= read -r -d '' err <&3",
        "    printf '%s' \"$out\"",
        "    printf '%s' \"$err\" >&2",
        "    exit \"$code\"",
        "fi",
        fallback,
        "",
    ].join("\n");
}

/** Whether bash can run the clients here (it opens TCP with /dev/tcp). */
export function haveBash(): boolean {
    return fs.existsSync("/bin/bash");
}
