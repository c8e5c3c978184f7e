// Pure rendering of the POSIX sh scripts K3sOidcApiServer runs on each server over SSH (the exact
// text remote.Command sends; the SSH tests run the same text). File contents travel base64-encoded,
// so they arrive byte for byte whatever they contain. Nothing secret is in them: the SSH key stays
// in the connection.
//
// apply (create and update):
//   1. preflight: root (or sudo -n), tools, the service, the config directory; in structured mode
//      the Kubernetes version, and no other config file may set oidc-* args (in flags mode: no
//      authentication-config). Refuses before writing anything.
//   2. stage the new files next to their targets; byte-identical everywhere -> "no change", exit 0.
//   3. only the AuthenticationConfiguration changed -> install it, no restart (re-read by the API server).
//   4. else back up, install atomically (mv), restart under timeout, poll /readyz; not ready in
//      time -> restore the backup byte for byte, restart, wait, fail with the journal's last lines.
// delete: leaves the files when another owner took them over; else backs up, removes only our
//   files, restarts, waits (and restores on failure).
import { quote } from "shell-quote";
import { AUTH_CONFIG_CURRENT_FROM_MINOR, OWNER_PREFIX, RenderedFiles, renderFiles } from "./render";
import { DISTRIBUTIONS, K3S_OIDC_DEFAULTS, K3sOidcPlan, MIN_MINOR_FOR_API_VERSION } from "./settings";

/** kube-apiserver OIDC flags that clash with `--authentication-config`. */
const OIDC_FLAG_PATTERN = "(^|[^A-Za-z0-9_-])(--)?oidc-(issuer-url|client-id|username-claim|username-prefix|groups-claim|groups-prefix|ca-file|required-claim|signing-algs)=";
const AUTH_CONFIG_FLAG_PATTERN = "(^|[^A-Za-z0-9_-])(--)?authentication-config=";

function q(value: string | number): string {
    return quote([String(value)]);
}

function b64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}

/** Variables and helper functions both scripts share. */
function prelude(plan: K3sOidcPlan, files: RenderedFiles, action: string): string {
    const dist = DISTRIBUTIONS[plan.distribution];
    const p = files.paths;
    return `# headlamp-sso K3sOidcApiServer ${JSON.stringify(plan.name)}: ${action} (${plan.distribution}, ${plan.mode} mode)
set -eu
umask 077
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LC_ALL=C
export PATH LC_ALL
name=${q(plan.name)}
service=${q(plan.serviceName)}
config_file=${q(plan.configFile)}
config_dir=${q(p.configDir)}
dropin_dir=${q(p.dropInDir)}
dropin=${q(p.dropIn)}
authcfg=${q(p.authConfig)}
ca_file=${q(p.caFile)}
backup_dir=${q(p.backupDir)}
owner=${q(plan.owner)}
dist_bin=${q(dist.binary)}
ready_timeout=${plan.readyTimeoutSeconds}
ready_poll=${plan.readyPollSeconds}
journal_lines=${K3S_OIDC_DEFAULTS.journalLines}

# A dropped SSH session must not stop a change half-way: ignore hang-ups and broken pipes (the
# output is then lost, the rollback is not), and never fail because a message cannot be written.
trap "" HUP PIPE
log() { printf "%s\\n" "headlamp-sso[$name]: $*" 2>/dev/null || true; }
die() { printf "%s\\n" "headlamp-sso[$name]: ERROR: $*" >&2 2>/dev/null || true; exit 1; }
tmp_files=""
cleanup() { for f in $tmp_files; do rm -f "$f"; done; }
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

[ "$(id -u)" = 0 ] || die "must run as root, runs as $(id -un); connect as root or set sudo: true (password-less sudo)"
for tool in systemctl timeout base64 cmp mktemp grep sed; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed on this server; install it (needed by the apply and delete scripts)"
done

api_ready() { timeout 20 ${dist.kubectl.map(q).join(" ")} get --raw=/readyz >/dev/null 2>&1; }

# Restarts the service under a timeout, then polls /readyz until ready_timeout has passed.
restart_and_wait() {
    started=$(date +%s)
    deadline=$((started + ready_timeout))
    log "restarting $service, waiting up to \${ready_timeout}s for the API server"
    timeout "$ready_timeout" systemctl restart "$service" || log "systemctl restart $service exited with $?; polling readiness anyway"
    while :; do
        if api_ready; then
            log "API server ready after $(($(date +%s) - started))s"
            return 0
        fi
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep "$ready_poll"
    done
}

# The API server lines of the journal (or its last lines when none match).
journal_tail() {
    all=$(journalctl -u "$service" -n 300 --no-pager 2>&1 || true)
    errs=$(printf "%s\\n" "$all" | grep -iE "apiserver|oidc|authentic|error|fatal|fail" | tail -n "$journal_lines" || true)
    if [ -n "$errs" ]; then printf "%s\\n" "$errs"; else printf "%s\\n" "$all" | tail -n "$journal_lines"; fi
}

# backup <target>...: copies each target (or an ".absent" marker) to backup_dir, byte for byte.
backup() {
    rm -rf "$backup_dir"
    mkdir -p "$backup_dir"
    chmod 700 "$backup_dir" "$config_dir/headlamp-sso-backup"
    for t in "$@"; do
        b="$backup_dir/\${t##*/}"
        if [ -e "$t" ]; then cp -p "$t" "$b"; else : > "$b.absent"; fi
    done
}

# restore <target>...: puts back each backed-up file atomically and removes files that were absent.
restore() {
    for t in "$@"; do
        b="$backup_dir/\${t##*/}"
        if [ -e "$b" ]; then
            r=$(mktemp "\${t%/*}/.headlamp-sso-restore.XXXXXX")
            cp -p "$b" "$r"
            mv -f "$r" "$t"
            log "restored $t"
        elif [ -e "$b.absent" ]; then
            rm -f "$t"
            log "removed $t (it did not exist before)"
        fi
    done
}

# The owner line of a drop-in ("" when none).
owner_of() { sed -n "s/^${OWNER_PREFIX}//p" "$1" | head -n 1; }

# rollback_or_die <reason> <target>...: after a failed readiness wait.
rollback_or_die() {
    reason=$1
    shift
    journal=$(journal_tail)
    log "API server not ready within \${ready_timeout}s; restoring the previous files"
    restore "$@"
    if restart_and_wait; then
        die "$reason: the API server did not become ready within \${ready_timeout}s. The previous files were restored byte for byte and $service is ready again. Last API server lines of journalctl -u $service:
$journal"
    fi
    die "$reason: the API server did not become ready within \${ready_timeout}s, and is STILL NOT READY after restoring the previous files byte for byte; check journalctl -u $service. Lines before the rollback:
$journal"
}
`;
}

/** The apply script (remote.Command create and update). */
export function renderApplyScript(plan: K3sOidcPlan): string {
    const files = renderFiles(plan);
    const dist = DISTRIBUTIONS[plan.distribution];
    const structured = plan.mode === "structured";
    const minMinor = MIN_MINOR_FOR_API_VERSION[plan.apiVersion];
    const versionCheck = structured ? `
version_line=$("$dist_bin" --version 2>/dev/null | head -n 1) || version_line=""
minor=$(printf "%s\\n" "$version_line" | sed -n "s/.*v1\\.\\([0-9][0-9]*\\)\\..*/\\1/p" | head -n 1)
[ -n "$minor" ] || die "cannot tell the Kubernetes version ($dist_bin --version printed: $version_line); structured mode needs Kubernetes 1.${minMinor}+ for apiVersion ${plan.apiVersion}"
[ "$minor" -ge ${minMinor} ] || die "Kubernetes 1.$minor is too old for AuthenticationConfiguration apiserver.config.k8s.io/${plan.apiVersion} (needs 1.${minMinor}+); upgrade ${plan.distribution}, ${plan.apiVersion === "v1" ? "use apiVersion v1beta1 (1.30+) or " : ""}use mode flags"
log "${plan.distribution} is Kubernetes 1.$minor: AuthenticationConfiguration ${plan.apiVersion} is supported"
` : "";
    const conflictPattern = structured ? OIDC_FLAG_PATTERN : AUTH_CONFIG_FLAG_PATTERN;
    const conflictWhy = structured
        ? "set oidc-* kube-apiserver args, which cannot be combined with --authentication-config (the API server would crash-loop); remove them there, or use mode flags"
        : "set authentication-config, which cannot be combined with the --oidc-* args of flags mode (the API server would crash-loop); remove it there, or use mode structured";
    const authCfg = files.authConfig
        ? `if [ "$minor" -ge ${AUTH_CONFIG_CURRENT_FROM_MINOR} ]; then authcfg_b64=${q(b64(files.authConfig.current))}; else authcfg_b64=${q(b64(files.authConfig.legacy))}; fi`
        : `authcfg_b64=""`;
    return `${prelude(plan, files, "apply")}
# 1. Preflight: nothing is written before all of it passes.
systemctl cat "$service" >/dev/null 2>&1 || die "service $service not found (systemctl cat $service failed); is this a ${plan.distribution} server node? set serviceName"
[ -d "$config_dir" ] || die "config directory $config_dir does not exist; is ${plan.distribution} installed here? set configFile"
${versionCheck}
conflicts=""
others=""
for f in "$config_file" "$dropin_dir"/*.yaml "$dropin_dir"/*.yml; do
    [ -f "$f" ] || continue
    if [ "$f" = "$dropin" ]; then continue; fi
    if grep -v "^[[:space:]]*#" "$f" | grep -qE "${conflictPattern}"; then conflicts="$conflicts $f"; fi
    if grep -v "^[[:space:]]*#" "$f" | grep -qE "${OIDC_FLAG_PATTERN}"; then others="$others $f"; fi
done
[ -z "$conflicts" ] || die "refusing to change anything:$conflicts ${conflictWhy}"
${structured ? "" : `[ -z "$others" ] || log "warning:$others also set oidc-* args; ours come later and win for single-valued flags"`}

# 2. Stage the new files next to their targets and compare.
mkdir -p -m 0755 "$dropin_dir"
installs=""
removes=""
restart=no
authcfg_changed=no
owner_only=no
# consider <target> <base64 content, empty when the file must not exist> <mode> <restart when changed: yes|no>
consider() {
    t=$1
    if [ -z "$2" ]; then
        if [ -e "$t" ]; then removes="$removes $t"; fi
        return 0
    fi
    s=$(mktemp "\${t%/*}/.headlamp-sso.XXXXXX")
    tmp_files="$tmp_files $s"
    printf "%s" "$2" | base64 -d > "$s"
    chmod "$3" "$s"
    chown 0:0 "$s"
    if [ -f "$t" ] && cmp -s "$s" "$t"; then return 0; fi
    installs="$installs $t:$s"
    if [ "$t" = "$authcfg" ]; then authcfg_changed=yes; fi
    if [ "$4" = yes ]; then
        if [ -f "$t" ] && [ "$(sed "/^${OWNER_PREFIX}/d" "$s" | cksum)" = "$(sed "/^${OWNER_PREFIX}/d" "$t" | cksum)" ]; then
            owner_only=yes
        else
            restart=yes
        fi
    fi
}
${structured ? "" : `minor=0
`}${authCfg}
consider "$dropin" ${q(b64(files.dropIn))} 600 yes
consider "$authcfg" "$authcfg_b64" 600 ${dist.staticPod ? "yes" : "no"}
consider "$ca_file" ${files.caFile === undefined ? '""' : q(b64(files.caFile))} 644 yes
if [ -f "$dropin" ] && [ "$(owner_of "$dropin")" != "$owner" ]; then
    log "taking over $dropin from $(owner_of "$dropin")"
fi

if [ -z "$installs" ] && [ -z "$removes" ]; then
    log "no change: $dropin${structured ? " and $authcfg are" : files.caFile ? " and $ca_file are" : " is"} already up to date; nothing written, no restart"
    exit 0
fi

# 3. Back up, then install atomically (mv within the same directory).
targets="$dropin $authcfg $ca_file"
backup $targets
log "backed up the previous files to $backup_dir"
for pair in $installs; do
    mv -f "\${pair#*:}" "\${pair%%:*}"
    log "installed \${pair%%:*}"
done
for t in $removes; do
    rm -f "$t"
    log "removed $t (no longer used)"
done

if [ "$restart" = no ]; then
    if [ "$authcfg_changed" = yes ]; then
        log "only the AuthenticationConfiguration changed: the API server re-reads $authcfg by itself (about once a minute), so $service was not restarted"
    elif [ "$owner_only" = yes ]; then
        log "only the owner line of $dropin changed; $service was not restarted"
    else
        log "nothing the running API server reads at start-up changed; $service was not restarted"
    fi
    exit 0
fi

# 4. Restart and wait; roll back byte for byte when the API server does not come back.
if restart_and_wait; then
    log "applied: ${dist.binary} on this server trusts ${plan.issuerUrl.replace(/[^A-Za-z0-9:/._~%?=&+-]/g, "")} for client ${plan.clientId.replace(/[^A-Za-z0-9:/._~%?=&+@-]/g, "")}"
    exit 0
fi
rollback_or_die "new OIDC settings rolled back" $targets
`;
}

/** The delete script (remote.Command delete). */
export function renderDeleteScript(plan: K3sOidcPlan): string {
    const files = renderFiles(plan);
    return `${prelude(plan, files, "delete")}
if [ -f "$dropin" ]; then
    current=$(owner_of "$dropin")
    if [ "$current" != "$owner" ]; then
        log "$dropin now belongs to \${current:-another owner} (not $owner); leaving it and its files in place"
        exit 0
    fi
fi
present=""
for t in "$dropin" "$authcfg" "$ca_file"; do
    if [ -e "$t" ]; then present="$present $t"; fi
done
if [ -z "$present" ]; then
    log "nothing to remove: none of $dropin, $authcfg, $ca_file exists"
    exit 0
fi
had_dropin=no
if [ -e "$dropin" ]; then had_dropin=yes; fi
targets="$dropin $authcfg $ca_file"
backup $targets
for t in $present; do
    rm -f "$t"
    log "removed $t"
done
if [ "$had_dropin" = yes ]; then
    if systemctl cat "$service" >/dev/null 2>&1; then
        restart_and_wait || rollback_or_die "removal rolled back" $targets
    else
        log "service $service not found; nothing to restart"
    fi
fi
rm -rf "$backup_dir"
rmdir "$config_dir/headlamp-sso-backup" 2>/dev/null || true
log "removed the OIDC files of K3sOidcApiServer ${plan.name}; the API server no longer trusts its issuer"
`;
}

/** How the script is started over SSH. */
export interface WrapOptions {
    /** Run through `sudo -n` (the SSH user is not root). */
    readonly sudo: boolean;
}

/**
 * The command text remote.Command sends: `sh -c '<script>'`, or through `sudo -n`, with a clear
 * error when sudo wants a password. Works from any POSIX-like login shell.
 */
export function wrapScript(script: string, options: WrapOptions): string {
    const quoted = quote([script]);
    if (!options.sudo) {
        return `sh -c ${quoted}`;
    }
    const help = "headlamp-sso: sudo -n sh failed for user $(id -un): sudo wants a password or does not allow sh. Give the user password-less sudo (a line $(id -un) ALL=(root) NOPASSWD: ALL in /etc/sudoers.d/), or connect as root.";
    return `sudo -n sh -c : 2>/dev/null || { echo "${help}" >&2; exit 1; }; exec sudo -n sh -c ${quoted}`;
}

/** The three command texts of one server. */
export interface K3sCommands {
    readonly create: string;
    readonly update: string;
    readonly delete: string;
}

export function renderCommands(plan: K3sOidcPlan, options: WrapOptions): K3sCommands {
    const apply = wrapScript(renderApplyScript(plan), options);
    return { create: apply, update: apply, delete: wrapScript(renderDeleteScript(plan), options) };
}
