// K3sOidcApiServer: makes each K3s (or RKE2) server's kube-apiserver trust an OIDC issuer, over
// SSH, one server at a time, with a readiness check and a byte-for-byte rollback. Resource wiring
// only; checks live in ./k3s/settings.ts, file rendering in ./k3s/render.ts and the remote
// scripts in ./k3s/script.ts.
import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import { RenderedFiles, renderFiles } from "./k3s/render";
import { renderCommands, reportedDropInPath } from "./k3s/script";
import { unpinnedHostKeyWarning } from "./k3s/warnings";
import {
    K3S_OIDC_DEFAULTS,
    K3sAuthConfigApiVersion,
    K3sDistribution,
    K3sOidcMode,
    K3sOidcPlan,
    K3sServiceManager,
    resolvePlan,
    validateK3sArgs,
} from "./k3s/settings";

export { K3S_OIDC_DEFAULTS, K3sAuthConfigApiVersion, K3sDistribution, K3sOidcMode, K3sServiceManager, DISTRIBUTIONS } from "./k3s/settings";

/** One K3s server node reached over SSH. */
export interface K3sServer {
    /**
     * DNS name or IP address of the server. Required. A plain string also names the server's
     * command (`<name>-<host>`), so reordering `servers` moves nothing; an Output names it by position.
     */
    host: pulumi.Input<string>;
    /** SSH port. Default 22. */
    port?: pulumi.Input<number>;
    /**
     * SSH user. Default `root`. Any other user runs the scripts through `sudo -n`, so it needs
     * password-less sudo (remote.Command has no terminal to type a password into).
     */
    user?: pulumi.Input<string>;
    /**
     * The SSH private key (OpenSSH or PEM text, not a path). Kept a secret Output; it is only used
     * for the connection and never written to a server or a log. Default: none, then the SSH agent
     * (`SSH_AUTH_SOCK`) is used.
     */
    privateKey?: pulumi.Input<string>;
    /** Passphrase of `privateKey` (secret). Default: none (an unencrypted key). */
    privateKeyPassword?: pulumi.Input<string>;
    /**
     * The server's host key as `<type> <base64>` (e.g. from `ssh-keyscan -t ed25519 <host>` without
     * the host name). Default: none, which means the host key is NOT checked (and `pulumi up`
     * warns, naming the ssh-keyscan command); set it to make sure the scripts run on the right machine.
     */
    hostKey?: pulumi.Input<string>;
    /** A bastion host to connect through (its privateKey is kept secret too). Default: direct. */
    proxy?: pulumi.Input<types.input.remote.ProxyConnectionArgs>;
}

/** Arguments of {@link K3sOidcApiServer}. */
export interface K3sOidcApiServerArgs {
    /**
     * The server (control-plane) nodes, configured one at a time in this order, each after the
     * previous one is ready again (keeps etcd quorum). Agents need nothing. At least one.
     */
    servers: K3sServer[];
    /**
     * OIDC issuer URL, exactly as in the tokens' `iss` (Authentik: with the trailing slash), e.g.
     * `AuthentikOidcApp.issuerUrl`. https only, no query or fragment: the API server crash-loops
     * on a non-https issuer.
     */
    issuerUrl: pulumi.Input<string>;
    /** OAuth2 client id the tokens are issued to (their `aud`), e.g. `AuthentikOidcApp.clientId`. */
    clientId: pulumi.Input<string>;
    /** Token claim that becomes the Kubernetes username. Default `email`. */
    usernameClaim?: pulumi.Input<string>;
    /**
     * Prefix for usernames. Default `""`: no prefix, so users are plain claim values (e.g.
     * `alice@example.com`), which is how HeadlampRelease's RBAC binds them. In flags mode an empty
     * prefix is passed as `oidc-username-prefix=-`, because kube-apiserver would otherwise prefix
     * every claim but `email` with `<issuer>#`. `-` also means none. Empty only with `usernameClaim`
     * `email` (another claim could name a `system:` user), never `system:` or a start of it; must match
     * HeadlampRelease's.
     */
    usernamePrefix?: pulumi.Input<string>;
    /** Token claim with the user's groups (Authentik's `profile` scope carries `groups`). Default `groups`. */
    groupsClaim?: pulumi.Input<string>;
    /**
     * Prefix for group names. Default `oidc:`, so an Authentik group named `system:masters` becomes
     * `oidc:system:masters` and cannot pose as a built-in group. Required: `""`, `-`, and `system:` or
     * a start of it are refused. Must match HeadlampRelease's.
     */
    groupsPrefix?: pulumi.Input<string>;
    /**
     * Claims every token must carry with exactly this value (`oidc-required-claim`, or
     * `claimValidationRules`). Default: none. Values must not contain whitespace or `,`.
     */
    requiredClaims?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * PEM of the CA that signed the issuer's TLS certificate, when it is a private CA. Default:
     * none (the server's system trust store). Flags mode writes it to `<configDir>/<name>-oidc-ca.pem`;
     * structured mode puts it in the AuthenticationConfiguration.
     */
    issuerCaPem?: pulumi.Input<string>;
    /**
     * `flags` (default): `--oidc-*` kube-apiserver args, any Kubernetes version. `structured`: an
     * AuthenticationConfiguration file (Kubernetes 1.30+) that the API server re-reads without a
     * restart when only it changes (K3s; RKE2's static pod sees the file through a bind mount, so
     * RKE2 restarts on every change).
     */
    mode?: K3sOidcMode;
    /** AuthenticationConfiguration apiVersion in structured mode: `v1beta1` (default, 1.30+) or `v1` (1.34+). Ignored in flags mode. */
    apiVersion?: K3sAuthConfigApiVersion;
    /** `k3s` (default) or `rke2`: picks the default config file, service, version binary and kubectl. */
    distribution?: K3sDistribution;
    /**
     * The main config file; the drop-in goes to `<configFile>.d/<name>.yaml`. Default
     * `/etc/rancher/k3s/config.yaml` (rke2: `/etc/rancher/rke2/config.yaml`). Never modified.
     */
    configFile?: string;
    /**
     * The service to restart: a systemd unit (without `.service`) or an OpenRC `/etc/init.d/<name>`
     * script. Default `k3s` (rke2: `rke2-server`).
     */
    serviceName?: string;
    /**
     * Which service manager runs it: `auto` (default: systemd when `systemctl` knows the service,
     * else OpenRC when `/etc/init.d/<serviceName>` is an `openrc-run` script and `rc-service`
     * exists, else the run refuses before changing anything), `systemd` or `openrc` (K3s only:
     * RKE2 supports systemd only). On OpenRC the restart is `rc-service <name> restart` and the
     * args in force are read back from the init script's log file (`output_log`, e.g.
     * `/var/log/k3s.log`), only from the lines written after that restart.
     */
    serviceManager?: K3sServiceManager;
    /**
     * Run the scripts through `sudo -n`. Default: true when a server's user is not `root`. A user
     * whose sudo wants a password gets a clear error before anything changes.
     */
    sudo?: boolean;
    /**
     * Seconds to wait for the API server after a restart (the restart itself runs under this
     * timeout too) before restoring the previous files. Default 180. In structured mode it is also
     * the wait for the API server to load a changed AuthenticationConfiguration without a restart;
     * it re-reads the file about once a minute, so keep it above 60.
     */
    readyTimeoutSeconds?: number;
    /** Seconds between readiness checks (`<kubectl> get --raw=/readyz`). Default 2. */
    readyPollSeconds?: number;
    /**
     * Seconds a run waits for the server-wide lock (`<configDir>/.headlamp-sso.lock`) that keeps
     * two runs from changing one server at the same time (two stacks, or an earlier run still
     * going after its SSH session dropped). Default 600 (enough for another run's restart and
     * rollback); then the run fails, naming since when the lock is held.
     */
    lockTimeoutSeconds?: number;
}

/**
 * Makes the kube-apiserver of each K3s/RKE2 server trust an OIDC issuer: one remote.Command per
 * server, rolled out one server at a time. Each writes only its own drop-in (and CA or
 * AuthenticationConfiguration file), restarts the service only when something changed, waits for
 * `/readyz` and restores the previous files byte for byte when the API server does not come back.
 * Deleting it removes only those files.
 */
export class K3sOidcApiServer extends pulumi.ComponentResource {
    /** The drop-in file's text (the same on every server). */
    public readonly dropIn: pulumi.Output<string>;
    /**
     * Where the drop-in is, as the servers' runs reported it: the path when every server has it at
     * the same place, else each distinct path, joined by ", " (see dropInPaths). The runbook
     * follows the config file K3s really reads (the unit's --config, K3S_CONFIG_FILE), so this is
     * not always `<configFile>.d/<name>.yaml`. Known once the servers are configured.
     */
    public readonly dropInPath: pulumi.Output<string>;
    /**
     * Where the drop-in is on each server, in server order, as its last run reported it (the
     * plan's path for a server whose output names none).
     */
    public readonly dropInPaths: pulumi.Output<string[]>;
    /** Structured mode: the AuthenticationConfiguration written on every server. Flags mode: undefined. */
    public readonly authenticationConfig: pulumi.Output<string | undefined>;
    /** The paths this component may write on each server. */
    public readonly files: pulumi.Output<string[]>;
    /** `user@host:port` of every server, resolved once all of them are configured. */
    public readonly appliedServers: pulumi.Output<string[]>;
    /** The issuer the API servers trust, resolved once all of them are configured. */
    public readonly issuerUrl: pulumi.Output<string>;
    /** The client id the API servers accept, resolved once all of them are configured. */
    public readonly clientId: pulumi.Output<string>;
    /** What each server's last run printed (stdout), in server order. */
    public readonly reports: pulumi.Output<string[]>;
    /** The remote.Command of each server, in order. */
    public readonly commands: remote.Command[];
    /**
     * The resolved plan every server got, as JSON (no secret: the issuer's CA is public), resolved
     * once all of them are configured: what `headlamp-sso doctor` renders its read-only inspect
     * runbook from. A string, so every language reads it the same way.
     */
    public readonly planJson: pulumi.Output<string>;

    constructor(name: string, args: K3sOidcApiServerArgs, opts?: pulumi.ComponentResourceOptions) {
        validateK3sArgs(name, args).throwIfAny(`K3sOidcApiServer "${name}"`);
        super("headlamp-sso:index:K3sOidcApiServer", name, {}, opts);
        const d = K3S_OIDC_DEFAULTS;
        args.servers.forEach((server, i) => {
            const warning = unpinnedHostKeyWarning(i, server);
            if (warning) {
                void pulumi.log.warn(warning, this);
            }
        });

        // The files' owner is this component's URN, so the delete of an instance that was moved or
        // renamed leaves the files its successor wrote. It is taken as a plain value: an input that
        // depends on this component would make each command wait for all of the component's
        // children, itself included (a deadlock).
        const ownerUrn = pulumi.output(new Promise<string>((resolve) => {
            this.urn.apply((urn) => {
                resolve(urn);
                return urn;
            });
        }));
        const claimArgs = pulumi.all([args.usernameClaim, args.usernamePrefix, args.groupsClaim, args.groupsPrefix]);
        const plan: pulumi.Output<K3sOidcPlan> = pulumi
            .all([ownerUrn, args.issuerUrl, args.clientId, claimArgs, args.requiredClaims, args.issuerCaPem])
            .apply(([owner, issuerUrl, clientId, [usernameClaim, usernamePrefix, groupsClaim, groupsPrefix], requiredClaims, issuerCaPem]) =>
                resolvePlan({
                    name,
                    owner,
                    issuerUrl,
                    clientId,
                    usernameClaim,
                    usernamePrefix,
                    groupsClaim,
                    groupsPrefix,
                    requiredClaims,
                    issuerCaPem,
                    mode: args.mode,
                    apiVersion: args.apiVersion,
                    distribution: args.distribution,
                    configFile: args.configFile,
                    serviceName: args.serviceName,
                    serviceManager: args.serviceManager,
                    readyTimeoutSeconds: args.readyTimeoutSeconds,
                    readyPollSeconds: args.readyPollSeconds,
                    lockTimeoutSeconds: args.lockTimeoutSeconds,
                }));
        const files: pulumi.Output<RenderedFiles> = plan.apply(renderFiles);

        const commands: remote.Command[] = [];
        const targets: pulumi.Output<string>[] = [];
        args.servers.forEach((server, i) => {
            const user = pulumi.output(server.user ?? d.user);
            const port = pulumi.output(server.port ?? d.port);
            const host = pulumi.output(server.host);
            const knownHost = typeof server.host === "string" ? server.host.trim() : undefined;
            const scripts = pulumi.all([plan, user]).apply(([p, u]) => renderCommands(p, { sudo: args.sudo ?? u !== "root" }));
            const previous = commands[commands.length - 1];
            const command = new remote.Command(`${name}-${knownHost ?? String(i)}`, {
                connection: {
                    host,
                    port,
                    user,
                    privateKey: server.privateKey === undefined ? undefined : pulumi.secret(server.privateKey),
                    privateKeyPassword: server.privateKeyPassword === undefined ? undefined : pulumi.secret(server.privateKeyPassword),
                    hostKey: server.hostKey,
                    proxy: server.proxy === undefined ? undefined : pulumi.secret(server.proxy),
                },
                // The script goes on stdin and the commands are short and fixed, so a failure shows
                // the script's ERROR lines rather than the script (the provider quotes the command).
                create: scripts.create,
                update: scripts.update,
                delete: scripts.delete,
                stdin: scripts.stdin,
                // Moving the files (another configFile or distribution) replaces the command: the
                // old delete cleans the old location first (deleteBeforeReplace below).
                triggers: [files.apply((f) => f.paths.dropIn)],
                logging: "stdoutAndStderr",
                // The scripts do not read the previous run's output; keep it out of their environment.
                addPreviousOutputInEnv: false,
            }, {
                parent: this,
                dependsOn: previous ? [previous] : [],
                // A replacement of the same command (new triggers, a forced replace) runs the old
                // delete first, so it can never remove the files the new create writes.
                deleteBeforeReplace: true,
            });
            commands.push(command);
            targets.push(pulumi.all([user, host, port, command.stdout]).apply(([u, h, p]) => `${u}@${h}:${p}`));
        });

        const last = commands[commands.length - 1];
        const afterAll = <T>(value: pulumi.Input<T>): pulumi.Output<T> =>
            pulumi.all([last.stdout, value]).apply(([, v]) => v as T);

        this.commands = commands;
        this.dropIn = files.apply((f) => f.dropIn);
        // Each server's run says where it put the drop-in (it follows --config / K3S_CONFIG_FILE).
        this.dropInPaths = pulumi.all(commands.map((c) => pulumi.all([c.stdout, files]).apply(([out, f]) => reportedDropInPath(out) ?? f.paths.dropIn)));
        this.dropInPath = this.dropInPaths.apply((paths) => [...new Set(paths)].join(", "));
        this.authenticationConfig = files.apply((f) => f.authConfig);
        this.files = pulumi.all([files, this.dropInPaths]).apply(([f, dropIns]) => [
            ...new Set(dropIns),
            ...(f.authConfig ? [f.paths.authConfig] : []),
            ...(f.caFile !== undefined ? [f.paths.caFile] : []),
        ]);
        this.appliedServers = pulumi.all(targets);
        this.issuerUrl = afterAll(args.issuerUrl);
        this.clientId = afterAll(args.clientId);
        this.reports = pulumi.all(commands.map((c) => c.stdout));
        this.planJson = afterAll(plan.apply((p) => JSON.stringify(p)));
        this.registerOutputs({
            dropIn: this.dropIn,
            dropInPath: this.dropInPath,
            dropInPaths: this.dropInPaths,
            authenticationConfig: this.authenticationConfig,
            files: this.files,
            appliedServers: this.appliedServers,
            issuerUrl: this.issuerUrl,
            clientId: this.clientId,
            reports: this.reports,
            planJson: this.planJson,
        });
    }
}
