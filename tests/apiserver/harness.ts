// A real kube-apiserver for tests, started the way K3s starts it (envtest-style: etcd and
// kube-apiserver, no nodes), everything on 127.0.0.1 with certificates made for the run.
//
//   const api = await ApiServer.start({ extraArgs: kubeApiserverArgs(configFile) });
//   await api.kubectl(["auth", "whoami", "-o", "json"], { token });   // a real client
//   await api.request("GET", "/api", { token });                      // raw HTTPS
//   await api.restart(newExtraArgs);                                  // "systemctl restart k3s"
//   await api.stop();                                                 // always, in after()
//
// The binaries: kube-apiserver from tests/apiserver/setup.sh (cached by version under
// ~/.cache/headlamp-sso, or $KUBE_APISERVER), etcd from Debian's etcd-server (or $ETCD). A
// missing binary is an error that says how to get it, never a skip.
//
// K3s's own kube-apiserver args (k3s-io/k3s pkg/daemons/control/server.go apiServer): storage,
// allow-privileged, bootstrap tokens, authorization-mode Node,RBAC, anonymous-auth=false unless
// the extra args name an authentication-config file (the May 2025 change, k3s-io/k3s#12245),
// the service-account key and issuer, the service range, client CA, NodeRestriction, profiling
// off; the user's `kube-apiserver-arg` values are applied to them with K3s's GetArgs
// (tests/k3s-config). Left out because no node or aggregated API runs here: the kubelet client
// certificates, the front-proxy (requestheader) CA and the egress selector; and advertise-port,
// a flag of K3s's own kube-apiserver fork (upstream kube-apiserver has no such flag). Added, as
// envtest does: --endpoint-reconciler-type=none (Kubernetes 1.37 refuses the loopback advertise
// address with the default reconciler). The version is K8S_VERSION (1.34.4 and 1.37.2 in CI).
// No kube-controller-manager runs either, so the harness does the one thing of it that RBAC needs:
// the clusterrole-aggregation controller's work (aggregateClusterRoles), without which the
// built-in `view`, `edit` and `admin` roles have no rules.
import { ChildProcess, spawn } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { onPath } from "../../cli/stack";
import { getArgs } from "../k3s-config/k3s-config";
import { KeyPair, issueCert, makeCa } from "../pki";
import { freePort } from "../ssh/sshd";

export { freePort };

/**
 * The Kubernetes versions the tier runs on (`.ci/run` runs it once per version; setup.sh builds
 * each): the oldest docs/ promise structured mode `v1` for that the Go module proxy serves,
 * and the newest the proxy serves.
 */
export const K8S_VERSIONS = ["1.34.4", "1.37.2"] as const;

/** The version a run uses: `K8S_VERSION` (as for setup.sh), default the oldest of K8S_VERSIONS. */
export function k8sVersionOf(env: NodeJS.ProcessEnv): string {
    const version = env.K8S_VERSION?.trim().replace(/^v/, "") || K8S_VERSIONS[0];
    if (!/^1\.\d+\.\d+$/.test(version)) {
        throw new Error(`K8S_VERSION ${JSON.stringify(env.K8S_VERSION)} is not a Kubernetes release such as ${K8S_VERSIONS.join(" or ")}; unset it for ${K8S_VERSIONS[0]}.`);
    }
    return version;
}

/** The Kubernetes version of this run (setup.sh builds it with the same K8S_VERSION). */
export const K8S_VERSION = k8sVersionOf(process.env);

/** Where setup.sh caches the kube-apiserver binary. */
export function kubeApiserverPath(): string {
    const cache = process.env.HEADLAMP_SSO_CACHE ?? path.join(os.homedir(), ".cache", "headlamp-sso");
    return process.env.KUBE_APISERVER ?? path.join(cache, `kube-apiserver-v${K8S_VERSION}`);
}

/** The binaries of the tier; throws (never skips) with the fix when one is missing. */
export function binaries(): { kubeApiserver: string; etcd: string; kubectl: string } {
    const kubeApiserver = kubeApiserverPath();
    const etcd = process.env.ETCD ?? onPath("etcd", process.env.PATH);
    // The kubectl setup.sh built for this version (when the machine had none) before the one on PATH.
    const cachedKubectl = path.join(path.dirname(kubeApiserver), `kubectl-v${K8S_VERSION}`);
    const kubectl = process.env.KUBECTL ?? (fs.existsSync(cachedKubectl) ? cachedKubectl : onPath("kubectl", process.env.PATH));
    const missing: string[] = [];
    if (!fs.existsSync(kubeApiserver)) {
        const setup = `${K8S_VERSION === K8S_VERSIONS[0] ? "" : `K8S_VERSION=${K8S_VERSION} `}bash tests/apiserver/setup.sh`;
        missing.push(`kube-apiserver v${K8S_VERSION} is not at ${kubeApiserver}: run "${setup}" (builds it from the Go module proxy, 15-25 min the first time)`);
    }
    if (!etcd) {
        missing.push('etcd is not on PATH: run "bash tests/apiserver/setup.sh" (installs Debian\'s etcd-server) or set ETCD');
    }
    if (!kubectl) {
        missing.push('kubectl is not on PATH: run "bash tests/apiserver/setup.sh" (builds one into the cache when the machine has none) or set KUBECTL');
    }
    if (missing.length > 0) {
        throw new Error(`the kube-apiserver tier cannot run:\n  - ${missing.join("\n  - ")}`);
    }
    return { kubeApiserver, etcd: etcd!, kubectl: kubectl! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A spawned process whose output goes to a log file. */
class Proc {
    readonly child: ChildProcess;
    exited: number | string | undefined;
    private readonly exit: Promise<void>;

    constructor(readonly name: string, cmd: string, args: string[], readonly logFile: string, env?: NodeJS.ProcessEnv) {
        const out = fs.openSync(logFile, "a");
        this.child = spawn(cmd, args, { stdio: ["ignore", out, out], env: { ...process.env, ...env } });
        fs.closeSync(out);
        this.exit = new Promise((resolve) => {
            this.child.once("exit", (code, signal) => {
                this.exited = code ?? signal ?? "exited";
                resolve();
            });
            this.child.once("error", (e) => {
                this.exited = String(e);
                resolve();
            });
        });
    }

    log(): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "";
    }

    tail(lines = 30): string {
        return this.log().split("\n").filter(Boolean).slice(-lines).join("\n");
    }

    /** SIGTERM, then SIGKILL after `ms`; resolves when the process is gone. */
    async stop(ms = 10000): Promise<void> {
        if (this.exited !== undefined) {
            return;
        }
        this.child.kill("SIGTERM");
        const killer = setTimeout(() => this.child.kill("SIGKILL"), ms);
        await this.exit;
        clearTimeout(killer);
    }
}

/** A response of the API server. */
export interface ApiResponse {
    readonly status: number;
    readonly body: any;
    readonly text: string;
}

/** What a kubectl run returned. */
export interface KubectlResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface ApiServerOptions {
    /** The `kube-apiserver-arg` values K3s would pass (e.g. from kubeApiserverArgs()); default none. */
    extraArgs?: string[];
    /** Working directory (certs, data, logs); default a temp dir, removed by stop(). */
    dir?: string;
    /** Seconds to wait for /readyz. Default 90. */
    readyTimeoutSeconds?: number;
    /**
     * Start it as a K3s release from before k3s-io/k3s#12245 (before 1.33.1, 1.32.5, 1.31.9,
     * 1.30.13) does: `anonymous-auth=false` among K3s's own args even when an authentication-config
     * file is given. Default false: a patched release, which then passes no anonymous-auth flag.
     */
    k3sBefore12245?: boolean;
}

/** etcd plus a kube-apiserver with K3s's args. Create with `await ApiServer.start()`, end with `stop()`. */
export class ApiServer {
    /** `https://127.0.0.1:<port>`. */
    readonly url: string;
    readonly dir: string;
    /** The cluster CA (PEM) that signed the serving certificate and the admin client certificate. */
    readonly caPem: string;
    /** kubeconfig of a system:masters client certificate (for setup, e.g. applying RBAC). */
    readonly adminKubeconfig: string;
    /** kubeconfig with the server and its CA only: no credentials (tokens are passed per call). */
    readonly anonymousKubeconfig: string;
    /** The kube-apiserver command line of the running process (what GetArgs produced). */
    args: string[] = [];

    private apiserver: Proc | undefined;
    private etcd: Proc | undefined;

    private constructor(
        private readonly bins: ReturnType<typeof binaries>,
        private readonly ownsDir: boolean,
        dir: string,
        private readonly port: number,
        private readonly etcdPort: number,
        private readonly ca: KeyPair,
        private readonly admin: KeyPair,
        private readonly serving: KeyPair,
        private readonly readyTimeoutSeconds: number,
    ) {
        this.dir = dir;
        this.url = `https://127.0.0.1:${port}`;
        this.caPem = ca.certPem;
        this.adminKubeconfig = path.join(dir, "admin.kubeconfig");
        this.anonymousKubeconfig = path.join(dir, "anonymous.kubeconfig");
        const cluster = { name: "test", cluster: { server: this.url, "certificate-authority": ca.certFile } };
        const write = (file: string, user: Record<string, string>) => fs.writeFileSync(file, JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [cluster],
            users: [{ name: "u", user }],
            contexts: [{ name: "c", context: { cluster: "test", user: "u" } }],
            "current-context": "c",
        }), { mode: 0o600 });
        write(this.adminKubeconfig, { "client-certificate": admin.certFile, "client-key": admin.keyFile });
        write(this.anonymousKubeconfig, {});
    }

    /** Starts etcd and kube-apiserver and waits until /readyz says ok. */
    static async start(options: ApiServerOptions = {}): Promise<ApiServer> {
        const bins = binaries();
        const ownsDir = options.dir === undefined;
        const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "apiserver-tier-"));
        let api: ApiServer | undefined;
        try {
            const pki = path.join(dir, "pki");
            const ca = makeCa(pki, "cluster");
            const serving = issueCert(ca, pki, "serving", { commonName: "kube-apiserver", ips: ["127.0.0.1", "10.43.0.1"], dnsNames: ["localhost", "kubernetes", "kubernetes.default.svc"] });
            const admin = issueCert(ca, pki, "admin", { commonName: "system:admin", organizations: ["system:masters"], usage: "client" });
            api = new ApiServer(bins, ownsDir, dir, await freePort(), await freePort(), ca, admin, serving, options.readyTimeoutSeconds ?? 90);
            api.k3sBefore12245 = options.k3sBefore12245 ?? false;
            await api.startEtcd();
            await api.startApiserver(options.extraArgs ?? []);
            return api;
        } catch (e) {
            if (api) {
                await api.stop();
            } else if (ownsDir) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            throw e;
        }
    }

    /** See {@link ApiServerOptions.k3sBefore12245}. */
    private k3sBefore12245 = false;

    /** K3s's own kube-apiserver flags for this run, before the extra args (see the file comment). */
    k3sDefaults(extraArgs: readonly string[]): Record<string, string> {
        const pki = path.join(this.dir, "pki");
        const saKey = path.join(pki, "service.key");
        if (!fs.existsSync(saKey)) {
            // K3s's service-account key pair (server/tls/service.key).
            fs.writeFileSync(saKey, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
        }
        // util.ArgValue: the first extra arg named exactly "authentication-config".
        const argValue = (name: string) => extraArgs.map((a) => a.replace(/^--/, "").split("=")).find(([k]) => k === name)?.[1];
        const m: Record<string, string> = {
            "storage-backend": "etcd3",
            "etcd-servers": `http://127.0.0.1:${this.etcdPort}`,
            "cert-dir": path.join(this.dir, "temporary-certs"),
            "allow-privileged": "true",
            "enable-bootstrap-token-auth": "true",
            "authorization-mode": "Node,RBAC",
            "service-account-signing-key-file": saKey,
            "service-cluster-ip-range": "10.43.0.0/16",
            "service-node-port-range": "30000-32767",
            "advertise-address": "127.0.0.1",
            // Not a K3s arg: envtest's. No node or Service network exists here, and from 1.37 the
            // default (lease) endpoint reconciler refuses a loopback advertise address ("may not
            // be in the loopback range"); "none" keeps the kubernetes Service's endpoints unmanaged.
            "endpoint-reconciler-type": "none",
            "secure-port": String(this.port),
            "bind-address": "127.0.0.1",
            "tls-cert-file": this.serving.certFile,
            "tls-private-key-file": this.serving.keyFile,
            "service-account-key-file": saKey,
            "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
            "api-audiences": "https://kubernetes.default.svc.cluster.local,k3s",
            "client-ca-file": this.ca.certFile,
            "enable-admission-plugins": "NodeRestriction",
            profiling: "false",
        };
        if (this.k3sBefore12245 || argValue("authentication-config") === undefined) {
            m["anonymous-auth"] = "false";
        }
        return m;
    }

    private async startEtcd(): Promise<void> {
        const peer = await freePort();
        const data = path.join(this.dir, "etcd");
        fs.mkdirSync(data, { recursive: true, mode: 0o700 });
        const client = `http://127.0.0.1:${this.etcdPort}`;
        this.etcd = new Proc("etcd", this.bins.etcd, [
            "--name", "default", "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", `http://127.0.0.1:${peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
            "--initial-cluster", `default=http://127.0.0.1:${peer}`,
            "--listen-metrics-urls", `http://127.0.0.1:${await freePort()}`,
        ], path.join(this.dir, "etcd.log"));
        const until = Date.now() + 30000;
        for (;;) {
            const ok = await new Promise<boolean>((resolve) => {
                const s = net.connect(this.etcdPort, "127.0.0.1");
                s.once("connect", () => { s.destroy(); resolve(true); });
                s.once("error", () => resolve(false));
            });
            if (ok) {
                return;
            }
            if (this.etcd.exited !== undefined || Date.now() > until) {
                throw new Error(`etcd did not start (${this.etcd.exited ?? "timeout"}):\n${this.etcd.tail()}`);
            }
            await sleep(100);
        }
    }

    private async startApiserver(extraArgs: readonly string[]): Promise<void> {
        this.args = getArgs(this.k3sDefaults(extraArgs), [...extraArgs]);
        const log = path.join(this.dir, "kube-apiserver.log");
        fs.appendFileSync(log, `---- start ${new Date().toISOString()}: kube-apiserver ${this.args.join(" ")}\n`);
        this.apiserver = new Proc("kube-apiserver", this.bins.kubeApiserver, this.args, log);
        const until = Date.now() + this.readyTimeoutSeconds * 1000;
        let last = "";
        for (;;) {
            if (this.apiserver.exited !== undefined) {
                throw new Error(`kube-apiserver exited (${this.apiserver.exited}) before it was ready:\n${this.apiserver.tail()}`);
            }
            try {
                const r = await this.request("GET", "/readyz", { admin: true });
                if (r.status === 200) {
                    await this.aggregateClusterRoles();
                    return;
                }
                last = `${r.status} ${r.text.slice(0, 500)}`;
            } catch (e) {
                last = String(e);
            }
            if (Date.now() > until) {
                throw new Error(`kube-apiserver was not ready within ${this.readyTimeoutSeconds} s (last: ${last}):\n${this.apiserver.tail()}`);
            }
            await sleep(500);
        }
    }

    /**
     * Does what kube-controller-manager's clusterrole-aggregation controller does
     * (kubernetes pkg/controller/clusterroleaggregation): each ClusterRole with an aggregationRule
     * gets the rules of every ClusterRole its selectors match, without duplicates. The controller
     * re-syncs a role whenever any ClusterRole changes, so chains settle (`admin` aggregates `edit`,
     * which aggregates `view`): here, passes repeat until one changes nothing.
     */
    async aggregateClusterRoles(): Promise<void> {
        const base = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
        for (let pass = 0; pass < 10; pass++) {
            const list = await this.request("GET", base, { admin: true });
            if (list.status !== 200) {
                throw new Error(`listing ClusterRoles failed: ${list.status} ${list.text}`);
            }
            const roles = list.body.items as any[];
            const matches = (labels: Record<string, string> | undefined, sel: { matchLabels?: Record<string, string> }) =>
                Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
            let changed = false;
            for (const role of roles.filter((r) => r.aggregationRule)) {
                const rules: any[] = [];
                for (const sel of role.aggregationRule.clusterRoleSelectors ?? []) {
                    for (const other of roles.filter((r) => r.metadata.name !== role.metadata.name && matches(r.metadata.labels, sel))) {
                        for (const rule of other.rules ?? []) {
                            if (!rules.some((x) => JSON.stringify(x) === JSON.stringify(rule))) {
                                rules.push(rule);
                            }
                        }
                    }
                }
                if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) {
                    continue;
                }
                const put = await this.request("PUT", `${base}/${role.metadata.name}`, { admin: true, body: { ...role, rules } });
                if (put.status !== 200) {
                    throw new Error(`aggregating ClusterRole ${role.metadata.name} failed: ${put.status} ${put.text}`);
                }
                // Later roles of this pass read the new rules.
                role.rules = rules;
                changed = true;
            }
            if (!changed) {
                return;
            }
        }
        throw new Error("the ClusterRole aggregation did not settle in 10 passes");
    }

    /** Stops kube-apiserver and starts it again with new extra args (etcd and its data stay). */
    async restart(extraArgs: readonly string[]): Promise<void> {
        await this.apiserver?.stop();
        await this.startApiserver(extraArgs);
    }

    /** pid of the running kube-apiserver (changes with every (re)start). */
    get pid(): number | undefined {
        return this.apiserver?.child.pid;
    }

    /** The kube-apiserver log so far (every start, each preceded by its command line). */
    log(): string {
        return this.apiserver?.log() ?? "";
    }

    /** A raw HTTPS request: as the admin client certificate, with a bearer token, or with no credentials. */
    request(method: string, urlPath: string, opts: { token?: string; admin?: boolean; body?: unknown; contentType?: string } = {}): Promise<ApiResponse> {
        return new Promise((resolve, reject) => {
            const headers: Record<string, string> = { accept: "application/json" };
            if (opts.token !== undefined) {
                headers.authorization = `Bearer ${opts.token}`;
            }
            const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
            if (payload !== undefined) {
                headers["content-type"] = opts.contentType ?? "application/json";
            }
            const req = https.request(`${this.url}${urlPath}`, {
                method,
                headers,
                ca: this.caPem,
                cert: opts.admin ? this.admin.certPem : undefined,
                key: opts.admin ? this.admin.keyPem : undefined,
                timeout: 15000,
            }, (res) => {
                let text = "";
                res.on("data", (c: Buffer) => (text += c.toString()));
                res.on("end", () => {
                    let body: any;
                    try {
                        body = JSON.parse(text);
                    } catch {
                        body = undefined;
                    }
                    resolve({ status: res.statusCode ?? 0, body, text });
                });
            });
            req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
            req.on("error", reject);
            req.end(payload);
        });
    }

    /** Runs the machine's kubectl against this server: as admin, with a token, or anonymously. */
    kubectl(args: string[], opts: { token?: string; admin?: boolean; stdin?: string } = {}): Promise<KubectlResult> {
        const kubeconfig = opts.admin ? this.adminKubeconfig : this.anonymousKubeconfig;
        const full = ["--kubeconfig", kubeconfig, "--request-timeout=15s", ...(opts.token !== undefined ? [`--token=${opts.token}`] : []), ...args];
        return new Promise((resolve, reject) => {
            const child = spawn(this.bins.kubectl, full, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
            child.stdin.end(opts.stdin ?? "");
        });
    }

    /** Stops kube-apiserver and etcd (whatever state they are in) and removes the temp dir. */
    async stop(): Promise<void> {
        await this.apiserver?.stop().catch(() => undefined);
        await this.etcd?.stop().catch(() => undefined);
        if (this.ownsDir && !process.env.KEEP_APISERVER_TIER) {
            fs.rmSync(this.dir, { recursive: true, force: true });
        }
    }
}
