# shellcheck shell=sh
# The runbook of K3sOidcApiServer: the POSIX sh script it runs on each K3s (or RKE2) server over
# SSH. components/k3s/script.ts renders a header of variable assignments (the plan: paths, owner,
# mode, distribution, file contents in base64, timeouts) and sends header + this file on stdin; the
# command text is short and fixed (`exec sh -c "$(cat)" headlamp-sso apply|delete|inspect`), so a
# failed `pulumi up` shows the script's ERROR lines, not the script. Everything below branches at
# run time on the header's variables. Nothing secret is in it: the SSH key stays in the connection.
#
# apply (create and update), as numbered runbook steps:
#   1. preflight: root (or sudo -n), tools, the service and its manager (systemd, or OpenRC: an
#      /etc/init.d/<service> openrc-run script; see detect_manager), the config file K3s really
#      reads (the unit's --config, else K3S_CONFIG_FILE / RKE2_CONFIG_FILE from the environment
#      systemd gives it: the manager's, then Environment=, then EnvironmentFile=; on OpenRC the
#      init script's command_args and the files it sources; else the plan's; our drop-in goes
#      into that file's .d), the config directory, the Kubernetes version in structured mode.
#      Nothing is written before it passes.
#      Every external command that can hang runs under `timeout -k` (its bound plus a grace).
#   2. lock: one change at a time per server (flock on <configDir>/.headlamp-sso.lock, bounded wait).
#   3. settle an unfinished change: a run killed after installing files left its backup with a
#      "pending" marker; restore it and restart before anything else.
#   4. refuse what would not be ours or not in force: a file at one of our paths without our owner
#      line (a user's file, another stack's component of the same name); any other oidc-* or
#      authentication-config arg (config.yaml, config.yaml.d/*.yaml|*.yml in any case, the unit's
#      ExecStart); a later drop-in with kube-apiserver-arg without "+" (it would drop ours).
#   5. compare the new files with the installed ones; identical and the API server ready -> "no
#      change", exit 0 (no restart, no further check).
#   5b. a restart is due: refuse when a file K3s reads at start (the config file and its .d files,
#      the unit and its drop-ins, its environment files) changed after the running K3s started,
#      and is not ours: the restart would apply that edit too, and our rollback cannot undo it.
#      Then stage the new files next to their targets.
#   6. back up, mark pending, install atomically (mv). From here TERM/INT are deferred until the
#      change is settled (HUP and PIPE are always ignored).
#   7. only the AuthenticationConfiguration changed (K3s) -> no restart; confirm the reload through
#      kube-apiserver's metrics (the loaded file's hash), else restore it and fail.
#   8. else restart under timeout (systemctl restart, or rc-service stop then start: see
#      openrc_restart), poll /readyz, and
#      read back the args in force (the "Running kube-apiserver" line K3s logs at start: from the
#      journal, or on OpenRC from the init script's log file, only what was written after our
#      restart; RKE2's static pod manifest); not ready or other args ->
#      restore the backup byte for byte, restart, wait, fail with what was found.
#   9. success: drop the backup; only now is "applied: ... trusts <issuer>" printed.
# delete: lock, settle, refuse pending edits as apply does, then remove only the files this
# component owns, restart, wait (restoring on failure), and remove config.yaml.d when this
# component created it and it is empty.
# inspect (read-only, for `headlamp-sso doctor`): the same preflight functions as apply (service,
# config file, pending edits, conflicts, the running args), reported as key=value lines on
# stdout; no lock, no write, no restart. See do_inspect.
#
# The header sets (every one is required; see renderHeader in script.ts):
#   name service service_manager config_file config_dir dropin_dir dropin authcfg ca_file backup_root backup_dir
#   made_dir_marker owner owner_scope owner_prefix distribution dist_bin manifest kubectl mode
#   api_version min_minor ready_timeout ready_poll lock_timeout journal_lines expected_args
#   authcfg_hash dropin_b64 authcfg_b64 ca_b64 authcfg_restart applied
set -eu
umask 077
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LC_ALL=C
export PATH LC_ALL
# The header's variables must all be set: a runbook sent without its header stops here.
: \
    "${name?}" "${service?}" "${service_manager?}" "${config_file?}" "${config_dir?}" "${dropin_dir?}" "${dropin?}" \
    "${authcfg?}" "${ca_file?}" "${backup_root?}" "${backup_dir?}" "${made_dir_marker?}" \
    "${owner?}" "${owner_scope?}" "${owner_prefix?}" "${distribution?}" "${dist_bin?}" \
    "${manifest?}" "${kubectl?}" "${mode?}" "${api_version?}" "${min_minor?}" "${ready_timeout?}" \
    "${ready_poll?}" "${lock_timeout?}" "${journal_lines?}" "${expected_args?}" "${authcfg_hash?}" \
    "${dropin_b64?}" "${authcfg_b64?}" "${ca_b64?}" "${authcfg_restart?}" "${applied?}"
action=${1:-}
pending="$backup_dir/pending"
lock_file="$config_dir/.headlamp-sso.lock"
targets="$dropin $authcfg $ca_file"
owner_word=${owner_prefix% }

# Any kube-apiserver OIDC flag (`oidc-issuer-url=`, `--oidc-required-claim=`, ...), an
# authentication-config flag, and a top-level `kube-apiserver-arg:` key (plain or quoted, i.e.
# without the appending "+").
oidc_flag_pattern='(^|[^A-Za-z0-9_-])(--)?oidc-[a-z-]+='
auth_config_flag_pattern='(^|[^A-Za-z0-9_-])(--)?authentication-config='
plain_arg_key_pattern="^[\"']?kube-apiserver-arg[\"']?[[:space:]]*:"

# A dropped SSH session must not stop a change half-way: ignore hang-ups and broken pipes (the
# output is then lost, the rollback is not), and never fail because a message cannot be written.
trap "" HUP PIPE
log() {
    # inspect's stdout carries only its key=value lines.
    if [ "$action" = inspect ]; then printf "%s\n" "headlamp-sso[$name]: $*" >&2 2>/dev/null || true; return 0; fi
    printf "%s\n" "headlamp-sso[$name]: $*" 2>/dev/null || true
}
die() { printf "%s\n" "headlamp-sso[$name]: ERROR: $*" >&2 2>/dev/null || true; exit 1; }
tmp_files=""
cleanup() { for f in $tmp_files; do rm -f "$f"; done; }
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# TERM and INT (Pulumi cancelling, systemd stopping the session) between the first write and the
# settled end would leave an unverified change: from defer_signals on they are only recorded, the
# change is finished or rolled back, and stop_if_interrupted ends the run after that.
interrupted=""
defer_signals() { trap "interrupted=INT" INT; trap "interrupted=TERM" TERM; }
stop_if_interrupted() {
    [ -n "$interrupted" ] || return 0
    printf "%s\n" "headlamp-sso[$name]: ERROR: stopped by SIG$interrupted; the change was settled first: $1" >&2 2>/dev/null || true
    if [ "$interrupted" = INT ]; then exit 130; fi
    exit 143
}

[ "$(id -u)" = 0 ] || die "must run as root, runs as $(id -un); connect as root or set sudo: true (password-less sudo)"
need_tools() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed on this server; install it (needed by the apply and delete scripts)"
    done
}
need_tools timeout flock base64 cmp mktemp grep sed sort awk stat

# Every external command that can hang is bounded: `bounded <seconds> <command>...` sends TERM
# after <seconds> and KILL after a further $kill_grace seconds (a systemctl client that ignores
# TERM, a kubectl stuck on a dead socket), so a run ends within its bounds and then rolls back or
# verifies as usual.
kill_grace=3
quick=20
bounded() { b=$1; shift; timeout -k "$kill_grace" "$b" "$@"; }

# The cluster-admin kubectl of the distribution (k3s kubectl, RKE2's kubectl with its kubeconfig).
# kubectl is a list of plain words (no spaces inside one), split on purpose.
# shellcheck disable=SC2086
api_ready() { bounded "$quick" $kubectl get --raw=/readyz >/dev/null 2>&1; }

# Restarts the service under a timeout, then polls /readyz until ready_timeout has passed.
# restart_started holds the second the restart began (for the journal read-back).
log_offset=0
restart_and_wait() {
    restart_started=$(date +%s)
    props=""
    deadline=$((restart_started + ready_timeout))
    log "restarting $service, waiting up to ${ready_timeout}s for the API server"
    if [ "$manager" = openrc ]; then
        # Only the lines K3s writes after this restart count for the read-back: remember where
        # its log file ends now.
        log_offset=$(wc -c < "$(k3s_log_file)" 2>/dev/null) || log_offset=0
        rc_out=$(mktemp)
        tmp_files="$tmp_files $rc_out"
        # Its output goes to a file and the lock's fd 9 is closed for it: supervise-daemon, which
        # it starts, keeps the fds it inherits, and must hold neither our SSH session nor our lock
        # (every later run would wait for it).
        openrc_restart > "$rc_out" 2>&1 9>&- ||
            log "rc-service $service stop/start exited with $? ($(grep -v "needs non existent service" "$rc_out" | tail -n 3 | tr "\n" " ")); polling readiness anyway"
    else
        bounded "$ready_timeout" systemctl restart "$service" || log "systemctl restart $service exited with $?; polling readiness anyway"
    fi
    while :; do
        if api_ready; then
            log "API server ready after $(($(date +%s) - restart_started))s"
            return 0
        fi
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep "$ready_poll" || :
    done
}

# 8. OpenRC: restart the service alone, as two calls, `rc-service <service> stop` then `start`, never
#    `rc-service <service> restart`: openrc-run's restart (svc_restart, also with --nodeps in
#    0.45) lists every service that is started before it stops ours (get_started_services) and,
#    after starting ours, starts each of them that is stopped by then, dependency or not
#    (start_services): a service someone else is restarting at that moment is started twice, and
#    two overlapping restarts start K3s twice (the second K3s cannot bind its ports and, with
#    respawn_max=0, crash-loops under its own supervise-daemon for ever). stop and start lock the
#    service as restart does (svc_lock) and start only what ours needs (svc_start_deps). The
#    started services that need ours, which stop takes down with it, are started again after it.
openrc_restart() {
    dependents=""
    for d in $(bounded "$quick" rc-service "$service" needsme 2>/dev/null || true); do
        if bounded "$quick" rc-service "$d" status >/dev/null 2>&1; then dependents="$dependents $d"; fi
    done
    bounded "$ready_timeout" rc-service "$service" stop || :
    rc=0
    bounded "$ready_timeout" rc-service "$service" start || rc=$?
    for d in $dependents; do bounded "$quick" rc-service "$d" start || :; done
    return "$rc"
}
# OpenRC: how many supervise-daemon processes supervise the service (openrc-run starts one as
# `supervise-daemon <service> --start ...`); more than one means a second K3s was started beside
# the first. A supervisor's child between its fork and its exec still shows the supervisor's
# args: a process whose parent is one of them does not count. Empty when ps cannot tell.
openrc_supervisors() {
    command -v ps >/dev/null 2>&1 || return 0
    { ps -eo pid=,ppid=,args= 2>/dev/null || ps -o pid=,ppid=,args= 2>/dev/null; } | awk -v s="$service" '
        { n = split($3, p, "/"); if (p[n] == "supervise-daemon" && $4 == s) { sup[$1] = 1; parent[$1] = $2 } }
        END { for (pid in sup) if (!(parent[pid] in sup)) c++; print c + 0 }'
}

# The API server lines of the journal (or its last lines when none match).
journal_tail() {
    if [ "$manager" = openrc ]; then all=$(tail -n 300 "$(k3s_log_file)" 2>&1 || true); else
    all=$(bounded "$quick" journalctl -u "$service" -n 300 --no-pager 2>&1 || true); fi
    errs=$(printf "%s\n" "$all" | grep -iE "apiserver|oidc|authentic|error|fatal|fail" | tail -n "$journal_lines" || true)
    if [ -n "$errs" ]; then printf "%s\n" "$errs"; else printf "%s\n" "$all" | tail -n "$journal_lines"; fi
}

# The drop-ins K3s reads after the config file: config.yaml.d/*.yaml|*.yml (extensions in any
# case, regular files), in lexical order, with ours among them even before it exists.
ls_dropins() {
    for f in "$dropin_dir"/* "$dropin"; do
        case "${f##*/}" in *.[yY][aA][mM][lL] | *.[yY][mM][lL]) { [ "$f" = "$dropin" ] || [ -f "$f" ]; } && printf "%s\n" "$f" ;; esac
    done | sort -u
}

# The OIDC, authentication-config and anonymous-auth args the running kube-apiserver got, in the
# order it got them, one per line: K3s logs its command line at every start ("Running
# kube-apiserver --a=b ...", sorted by name, the repeats of one name in the order given; the API
# server keeps the last of a repeated single-valued flag); RKE2 writes it to the static pod manifest.
running_args() {
    if [ -n "$manifest" ]; then
        text=$(cat "$manifest" 2>/dev/null || true)
    elif [ "$manager" = openrc ]; then
        # OpenRC: supervise-daemon appends K3s's output to the init script's output_log (K3s's
        # own log: or --log file when set); only what was written since log_offset (where the
        # file ended before our restart) counts, so an older start's line never passes.
        text=$(log_since "$(k3s_log_file)" "$log_offset" | grep "Running kube-apiserver " | since_lines "$1" | tail -n 1 || true)
    else
        text=$(bounded "$quick" journalctl -u "$service" --since "@$1" --no-pager -o cat 2>/dev/null | grep "Running kube-apiserver " | tail -n 1 || true)
        if [ -z "$text" ]; then
            # K3s told to log to a file (log: in a config file, --log in ExecStart) writes it there.
            # shellcheck disable=SC2046 # one path per line, plain characters
            log_file=$(k3s_own_log)
            if [ -n "$log_file" ]; then text=$(grep "Running kube-apiserver " "$log_file" 2>/dev/null | tail -n 1 || true); fi
        fi
    fi
    if [ -z "$text" ]; then
        printf "%s\n" "--no-command-line"
        return 0
    fi
    printf "%s\n" "$text" | grep -oE -- "--(oidc-[a-z-]+|authentication-config|anonymous-auth)=[^ \"\\]*" || true
}

# verify_in_force <since>: the API server runs exactly our OIDC settings (and, in structured mode,
# anonymous auth off); sets "found" to what it runs otherwise.
verify_in_force() {
    args=$(running_args "$1")
    if [ "$args" = "--no-command-line" ]; then
        if [ -n "$manifest" ]; then
            found="cannot read back the running kube-apiserver's args: $manifest is missing or empty"
        elif [ "$manager" = openrc ]; then
            found="cannot read back the running kube-apiserver's args: no 'Running kube-apiserver' line in $(k3s_log_file) since the restart (K3s writes it at every start; is that the file $service logs to?)"
        else
            found="cannot read back the running kube-apiserver's args: no 'Running kube-apiserver' line in journalctl -u $service since the restart (K3s logging to a file, log: or --log, keeps it out of the journal; remove that setting)"
        fi
        return 1
    fi
    got=$(printf "%s\n" "$args" | grep -v -- "^--anonymous-auth=" | sort || true)
    found="$(printf "%s" "$got" | tr "\n" " ")"
    if [ "$got" != "$expected_args" ]; then
        found="the running kube-apiserver has ${found:-no oidc-* or authentication-config args} (expected $(printf "%s" "$expected_args" | tr "\n" " "))"
        return 1
    fi
    if [ "$mode" = structured ]; then
        # The last --anonymous-auth wins: a user's own anonymous-auth=false (hardening) next to ours is fine.
        anon=$(printf "%s\n" "$args" | grep -- "^--anonymous-auth=" | tail -n 1 || true)
        if [ "$anon" != "--anonymous-auth=false" ]; then
            found="the running kube-apiserver has ${anon:-no --anonymous-auth flag}, so anonymous requests are allowed (expected --anonymous-auth=false last)"
            return 1
        fi
    fi
    return 0
}

# backup <target>...: copies each target (or an ".absent" marker) to backup_dir, byte for byte,
# then writes the pending marker: from now on an interrupted run is settled by the next one.
backup() {
    rm -rf "$backup_dir"
    mkdir -p "$backup_dir"
    chmod 700 "$backup_root" "$backup_dir"
    for t in "$@"; do
        b="$backup_dir/${t##*/}"
        if [ -e "$t" ]; then cp -p "$t" "$b"; else : > "$b.absent"; fi
    done
    printf "%s\n" "$owner_prefix$owner" "# started: $(date -u +%Y-%m-%dT%H:%M:%SZ) ($action)" > "$pending.tmp"
    mv -f "$pending.tmp" "$pending"
}

# restore <target>...: puts back each backed-up file atomically and removes files that were absent.
restore() {
    for t in "$@"; do
        b="$backup_dir/${t##*/}"
        if [ -e "$b" ]; then
            r=$(mktemp "${t%/*}/.headlamp-sso-restore.XXXXXX")
            cp -p "$b" "$r"
            mv -f "$r" "$t"
            log "restored $t"
        elif [ -e "$b.absent" ]; then
            rm -f "$t"
            log "removed $t (it did not exist before)"
        fi
    done
}

# The change is settled: the backup (and its pending marker) is no longer needed.
drop_backup() {
    rm -rf "$backup_dir"
    rmdir "$backup_root" 2>/dev/null || true
}

# The owner line of a file ("" when none).
owner_of() { sed -n "s/^$owner_prefix//p" "$1" 2>/dev/null | head -n 1; }
# A URN of this stack and project: this component, or one that was moved or renamed within it.
same_stack() { case "$1" in "$owner_scope"*) return 0 ;; *) return 1 ;; esac; }
# mine <file>: written by this component. A CA or AuthenticationConfiguration file without an owner
# line (written by a release before the owner line) counts when this component's drop-in points
# the API server at it (oidc-ca-file=<file>, authentication-config=<file>).
mine() {
    o=$(owner_of "$1")
    [ "$o" = "$owner" ] && return 0
    [ -z "$o" ] && [ "$1" != "$dropin" ] && [ "$(owner_of "$dropin")" = "$owner" ] && grep -qF -e "oidc-ca-file=$1" -e "authentication-config=$1" "$dropin" && return 0
    return 1
}

# rollback_or_die <reason> <target>...: restore the backup, restart, wait, fail with the journal.
rollback_or_die() {
    reason=$1
    shift
    journal=$(journal_tail)
    log "$reason; restoring the previous files"
    restore "$@"
    drop_backup
    if restart_and_wait; then
        die "$reason. The previous files were restored byte for byte and $service is ready again. Last API server lines of $(logs_where):
$journal"
    fi
    die "$reason, and the API server is STILL NOT READY after restoring the previous files byte for byte; check $(logs_where). Lines before the rollback:
$journal"
}

# 2. One change at a time per server: two stacks, or a re-run while an earlier run (whose SSH
#    session dropped) is still going, must never interleave. Held until the run ends.
take_lock() {
    exec 9>>"$lock_file"
    if ! flock -w "$lock_timeout" 9; then
        holder=$(cat "$lock_file" 2>/dev/null || true)
        die "another headlamp-sso run holds the lock $lock_file since ${holder:-an unknown time}; waited ${lock_timeout}s. Let that run finish, then run pulumi up again (or raise lockTimeoutSeconds)"
    fi
    printf "%s\n" "$(date -u +%Y-%m-%dT%H:%M:%SZ) (K3sOidcApiServer $name, $action, pid $$)" > "$lock_file"
}

# 3. An unfinished change is never mistaken for "no change": a run killed (kill -9, reboot, OOM)
#    after installing files left its backup with the pending marker. Put the previous files back
#    and restart before going on, so the server runs what its files say.
settle_unfinished() {
    if [ ! -e "$pending" ]; then
        # A backup without the marker is from a finished run (earlier releases kept it).
        drop_backup
        return 0
    fi
    p_owner=$(owner_of "$pending")
    same_stack "$p_owner" || die "refusing to change anything: $pending records an unfinished change of ${p_owner:-an unknown owner}, not of this stack. Run that stack again to settle it, or rename this K3sOidcApiServer"
    defer_signals
    log "an earlier run was cut short after installing files ($(sed -n "s/^# started: //p" "$pending")); restoring the files it replaced first"
    # shellcheck disable=SC2086 # targets is a list of plain paths
    restore $targets
    drop_backup
    if [ -z "$unit" ]; then
        log "service $service not found; the previous files are back, nothing to restart"
    elif restart_and_wait; then
        log "the unfinished change is rolled back and the API server is ready with the previous files"
    else
        die "an earlier run was cut short; its previous files are restored byte for byte, but the API server is STILL NOT READY; check $(logs_where):
$(journal_tail)"
    fi
}

# 1. Preflight: the service manager. K3s's install script (k3s-io/k3s install.sh, verify_system
#    and create_openrc_service_file) installs a systemd unit, or on OpenRC hosts (Alpine) an
#    /etc/init.d/<name> script run by openrc-run with supervisor=supervise-daemon, logging to
#    /var/log/<name>.log; restarted here with `rc-service <name> stop`, then `start`
#    (openrc_restart). service_manager (the plan's serviceManager) auto: systemd when systemctl
#    knows the service, else OpenRC when /etc/init.d/<service> is an openrc-run script and
#    rc-service exists. Sets manager
#    (systemd|openrc|none).
manager=""
init_script="/etc/init.d/$service"
# OpenRC's state directory (RC_SVCDIR): supervise-daemon records the supervised child there.
openrc_dir="${RC_SVCDIR:-/run/openrc}"
is_openrc_script() { [ -f "$1" ] && head -n 1 "$1" | grep -qE "^#![[:space:]]*(/usr)?/s?bin/openrc-run([[:space:]]|$)"; }
systemd_knows() { command -v systemctl >/dev/null 2>&1 && bounded "$quick" systemctl cat "$service" >/dev/null 2>&1; }
openrc_knows() { is_openrc_script "$init_script" && command -v rc-service >/dev/null 2>&1; }
detect_manager() {
    [ -z "$manager" ] || return 0
    case "$service_manager" in
    systemd) manager=systemd ;;
    openrc) manager=openrc ;;
    *)
        if systemd_knows; then
            manager=systemd
        elif openrc_knows; then
            manager=openrc
        else
            manager=none
        fi
        ;;
    esac
    case "$manager" in
    systemd) need_tools systemctl journalctl ;;
    openrc)
        need_tools rc-service
        [ "$distribution" != rke2 ] || die "$init_script is an OpenRC service, but RKE2 supports systemd only (its docs: \"any Linux distribution that uses systemd\"); run RKE2 under systemd, or use distribution k3s"
        ;;
    esac
}
# Where the service's own messages are, for the error messages.
logs_where() { if [ "$manager" = openrc ]; then k3s_log_file; else printf "journalctl -u %s\n" "$service"; fi; }

# 1. The unit (its file and drop-ins, as `systemctl cat` shows them; on OpenRC the init script),
#    read into $unit. read_unit dies when the service does not exist; find_unit leaves $unit
#    empty then.
unit=""
find_unit() {
    detect_manager
    case "$manager" in
    systemd)
        u=$(mktemp)
        tmp_files="$tmp_files $u"
        if bounded "$quick" systemctl cat "$service" > "$u" 2>/dev/null; then unit=$u; fi
        ;;
    openrc) if is_openrc_script "$init_script"; then unit=$init_script; fi ;;
    esac
}
read_unit() {
    find_unit
    [ -n "$unit" ] && return 0
    case "$manager" in
    systemd) die "service $service not found (systemctl cat $service failed); is this a $distribution server node? set serviceName" ;;
    openrc) die "service $service not found: $init_script is not an OpenRC (openrc-run) script; is this a $distribution server node? set serviceName" ;;
    esac
    die "service $service not found: systemd does not know it (systemctl is not installed, or systemctl cat $service failed) and $init_script is not an OpenRC script (#!/sbin/openrc-run, with rc-service installed); is this a $distribution server node? Set serviceName to the service that runs $distribution (and serviceManager to systemd or openrc when auto picks the wrong one)"
}

# OpenRC: the text of the init script's command_args (K3s's args after \`server\`), which may span
# lines (the install script writes one quoted arg per line, ending in \`>>/var/log/k3s.log 2>&1"\`).
openrc_command_args() {
    awk '/^[[:space:]]*command_args=/ { on = 1 } on { print; if (NR > 0 && $0 ~ /"[[:space:]]*$/ && $0 !~ /^[[:space:]]*command_args="[[:space:]]*$/) on = 0 }' "$unit"
}
# The file supervise-daemon appends K3s's output to: output_log (else error_log, else the
# command_args' ">>file", else /var/log/<service>.log as the install script names it).
openrc_log_file() {
    v=$(sed -n "s/^[[:space:]]*output_log=//p" "$init_script" 2>/dev/null | tail -n 1 | tr -d "\"'")
    [ -n "$v" ] || v=$(sed -n "s/^[[:space:]]*error_log=//p" "$init_script" 2>/dev/null | tail -n 1 | tr -d "\"'")
    [ -n "$v" ] || v=$(openrc_command_args 2>/dev/null | sed -n "s/.*>>[[:space:]]*\([^[:space:]\"']*\).*/\1/p" | tail -n 1)
    printf "%s\n" "${v:-/var/log/$service.log}"
}
# K3s told to log to a file (log: in a config file, --log in ExecStart / command_args) writes
# its own lines there ("" when not).
# shellcheck disable=SC2046 # one path per line, plain characters
k3s_own_log() { (sed -n "s/^log:[[:space:]]*//p" "$config_file" $(ls_dropins) 2>/dev/null; if [ -n "$unit" ]; then sed -n "s/.*--log[= ]\([^ ]*\).*/\1/p" "$unit"; fi) | tr -d "\"'" | tail -n 1; }
# Where K3s's "Running kube-apiserver" line goes on OpenRC.
k3s_log_file() { l=$(k3s_own_log); if [ -n "$l" ]; then printf "%s\n" "$l"; else openrc_log_file; fi; }
# since_lines <unix seconds>: inspect has no restart of its own to take an offset from, so it
# keeps the lines whose logrus time="<RFC 3339>" is not before the service's start (every other
# action passes them all through: the offset already chose them).
since_lines() {
    if [ "$action" != inspect ] || [ -z "$1" ]; then cat; return 0; fi
    awk -v since="$1" '
        function days(y, m, d) { if (m <= 2) { y--; m += 12 } return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d - 1 - 719468 }
        {
            if (!match($0, /time="[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9][^"]*"/)) next
            t = substr($0, RSTART + 6, RLENGTH - 7)
            s = days(substr(t, 1, 4) + 0, substr(t, 6, 2) + 0, substr(t, 9, 2) + 0) * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)
            z = substr(t, 20); sub(/^\.[0-9]*/, "", z)
            if (z ~ /^[+-][0-9][0-9]:[0-9][0-9]$/) { o = substr(z, 2, 2) * 3600 + substr(z, 5, 2) * 60; if (substr(z, 1, 1) == "+") s -= o; else s += o }
            if (s >= since) print
        }'
}
# log_since <file> <offset>: what was written to <file> after its first <offset> bytes (the whole
# file when it is shorter now: logrotate's copytruncate emptied it).
log_since() {
    size=$(wc -c < "$1" 2>/dev/null) || return 0
    if [ "$size" -ge "$2" ]; then tail -c "+$(($2 + 1))" "$1"; else cat "$1"; fi
}

# show <property>: one property of the service (a list property gives one line per item). One
# `systemctl show` call reads them all (ExecMainStartTimestamp with microseconds, "Tue 2026-12-01
# 20:55:35.123456 UTC", with --timestamp=us+utc, systemd 248+; older ones print "Tue 2026-12-01
# 20:55:35 UTC", whole seconds). load_props runs it in the main shell (show runs in $(...)
# subshells); a restart forgets them.
props=""
load_props() {
    [ -z "$props" ] || return 0
    if [ "$manager" != systemd ]; then props="."; return 0; fi
    set -- ActiveState ExecMainStartTimestamp Environment EnvironmentFiles
    props=$(bounded "$quick" systemctl show --timestamp=us+utc -p "$1" -p "$2" -p "$3" -p "$4" "$service" 2>/dev/null) ||
        props=$(bounded "$quick" systemctl show -p "$1" -p "$2" -p "$3" -p "$4" "$service" 2>/dev/null) || props=""
    props="$props
."
}
show() {
    load_props
    # Without a sed per property: the preflight reads several (a shell loop, no new process).
    printf "%s\n" "$props" | while IFS= read -r l; do case "$l" in "$1="*) printf "%s\n" "${l#*=}" ;; esac; done
}

# The environment files of the unit (EnvironmentFile=; "-" there means optional), in order. On
# OpenRC: the init script itself, then the files it sources (". <file>" or "source <file>"; the
# install script's sources /etc/environment and /etc/rancher/k3s/<name>.env with allexport).
env_files() {
    if [ "$manager" = openrc ]; then
        [ -n "$unit" ] || return 0
        printf "%s\n" "$unit"
        grep -v "^[[:space:]]*#" "$unit" | grep -oE "(^|[;&|[:space:]])(\.|source)[[:space:]]+[^[:space:];&|]+" | sed -E "s/^.*(\.|source)[[:space:]]+//" | tr -d "\"'" | grep "^/" || true
        return 0
    fi
    show EnvironmentFiles | sed "s/ (ignore_errors=[a-z]*)$//"
}

# manager_env <variable>: the value systemd's manager environment gives <variable> (every unit
# inherits it: `systemctl set-environment`, DefaultEnvironment= in system.conf), "" when none.
# `systemctl show-environment` prints NAME=value lines, the value as it is when plain, else
# quoted as $'...' with backslash escapes (systemctl's print_variable: shell_maybe_quote with
# SHELL_ESCAPE_POSIX).
manager_env() {
    [ "$manager" = systemd ] || return 0
    v=$(bounded "$quick" systemctl show-environment 2>/dev/null | sed -n "s/^$1=//p" | tail -n 1) || v=""
    case "$v" in
    \$\'*\') v=${v#??}; v=${v%?}; v=$(printf "%s" "$v" | sed "s/\\\\'/'/g"); printf "%b\n" "$v" ;;
    *) printf "%s\n" "$v" ;;
    esac
}

# unit_env <variable>: the value the service's environment gives <variable>, in env_value, and
# in env_source what sets it. systemd builds it from its manager environment, then the unit's
# Environment=, then each EnvironmentFile= in order; a later one overrides an earlier one
# (systemd.exec(5)). Lines of an environment file: KEY=VALUE, "#" and ";" start comments, the
# value may be quoted.
unit_env() {
    env_value=$(manager_env "$1")
    env_source=""
    if [ -n "$env_value" ]; then env_source="systemd's manager environment (systemctl show-environment)"; fi
    set -f
    for w in $(show Environment); do
        case "$w" in "$1="*) env_value=${w#*=}; env_source="Environment= of $service" ;; esac
    done
    set +f
    for f in $(env_files); do
        [ -r "$f" ] || continue
        if [ "$manager" = openrc ]; then
            # Shell assignments, "export NAME=value" too (the files are sourced by sh).
            v=$(sed -n "s/^[[:space:]]*\(export[[:space:]][[:space:]]*\)\{0,1\}$1=//p" "$f" | tail -n 1)
        else
            v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$f" | tail -n 1)
        fi
        [ -n "$v" ] || continue
        v=${v%"${v##*[![:space:]]}"}
        case "$v" in \"*\") v=${v#\"}; v=${v%\"} ;; \'*\') v=${v#\'}; v=${v%\'} ;; esac
        env_value=$v
        env_source=$f
    done
}

# The args the service gives K3s: the unit's ExecStart, or the init script's command_args.
service_cmdline() {
    [ -n "$unit" ] || return 0
    if [ "$manager" = openrc ]; then openrc_command_args; else sed -n "/^ExecStart=/,/[^\\]$/p" "$unit"; fi
}
# What names them in messages.
cmdline_label() { if [ "$manager" = openrc ]; then printf "command_args of %s\n" "$init_script"; else printf "ExecStart of %s\n" "$service"; fi; }

# The --config (-c) the unit's ExecStart (command_args) gives K3s ("" when none; the last one counts).
exec_config() {
    [ -n "$unit" ] || return 0
    service_cmdline | tr -d "\\\\\"'" |
        awk '{ for (i = 1; i <= NF; i++) { w = $i; if (want) { v = w; want = 0 } else if (w ~ /^--?(config|c)$/) { want = 1 } else if (w ~ /^--?config=/) { v = substr(w, index(w, "=") + 1) } } } END { if (v != "") print v }'
}

# 1. The config file K3s really reads: the unit's --config, else $K3S_CONFIG_FILE
#    ($RKE2_CONFIG_FILE) from the service's environment (systemd's manager environment, then the
#    unit's), else the plan's configFile; K3s reads its .d
#    beside it (pkg/configfilearg: --config has EnvVar K3S_CONFIG_FILE, and a flag given on the
#    command line wins over the variable). Our drop-in follows it. Sets config_source.
resolve_config_file() {
    load_props
    config_source=default
    env_name=K3S_CONFIG_FILE
    if [ "$distribution" = rke2 ]; then env_name=RKE2_CONFIG_FILE; fi
    real=$(exec_config)
    if [ -n "$real" ]; then
        config_source="--config $(cmdline_label)"
    else
        unit_env "$env_name"
        if [ -n "$env_value" ]; then
            real=$env_value
            config_source="$env_name $env_source"
        fi
    fi
    [ -n "$real" ] && [ "$real" != "$config_file" ] || return 0
    case "$real" in /*) ;; *) die "$service reads the config file $real ($config_source), a relative path; give it as an absolute path there" ;; esac
    log "$service reads $real ($config_source), not $config_file: our drop-in goes into $real.d"
    config_file=$real
    dropin_dir="$config_file.d"
    dropin="$dropin_dir/${dropin##*/}"
    made_dir_marker="${config_file%/*}/.headlamp-sso-created-${dropin_dir##*/}"
    targets="$dropin $authcfg $ca_file"
}

# The second the running service started ("" when it is not running): systemd's
# ExecMainStartTimestamp ("Tue 2026-12-01 20:55:35[.123456] UTC", read by date -d; "@<seconds>"
# from a systemctl that printed unix time).
service_active() {
    if [ "$manager" = openrc ]; then
        bounded "$quick" rc-service "$service" status >/dev/null 2>&1 9>&-
    else
        [ "$(show ActiveState)" = active ]
    fi
}
service_started() {
    if [ "$manager" = openrc ]; then openrc_started; return 0; fi
    [ "$(show ActiveState)" = active ] || return 0
    ts=$(show ExecMainStartTimestamp)
    case "$ts" in
    @*) printf "%s\n" "${ts#@}" ;;
    ?*) date -d "$ts" +%s 2>/dev/null || true ;;
    esac
}

# service_started_precise: the start as "<seconds>.<9 digits>" when the manager records it finer
# than a second (systemd: microseconds, with --timestamp=us+utc), else as "<seconds>" ("" when not
# running). OpenRC's supervise-daemon records whole seconds.
service_started_precise() {
    s=$(service_started)
    [ -n "$s" ] || return 0
    f=""
    if [ "$manager" = systemd ]; then
        f=$(show ExecMainStartTimestamp | sed -n "s/.*:[0-9][0-9]\.\([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p")
    fi
    if [ -n "$f" ]; then printf "%s.%s\n" "$s" "$(printf "%s000000000" "$f" | cut -c 1-9)"; else printf "%s\n" "$s"; fi
}

# OpenRC: the second the supervised K3s (supervise-daemon's child) started ("" when none runs).
# supervise-daemon records child_pid and start_time (local "%Y-%m-%d %H:%M:%S", at each start and
# respawn) in <RC_SVCDIR>/options/<service>/; without them, the child's start in /proc.
openrc_started() {
    d="$openrc_dir/options/$service"
    pid=$(cat "$d/child_pid" 2>/dev/null) || return 0
    case "$pid" in "" | *[!0-9]*) return 0 ;; esac
    kill -0 "$pid" 2>/dev/null || return 0
    t=$(cat "$d/start_time" 2>/dev/null) || t=""
    if [ -n "$t" ] && date -d "$t" +%s 2>/dev/null; then return 0; fi
    st=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
    ticks=$(printf "%s\n" "${st##*) }" | awk "{ print \$20 }")
    hz=$(getconf CLK_TCK 2>/dev/null) || hz=100
    printf "%s\n" "$(($(sed -n "s/^btime //p" /proc/stat) + ticks / hz))"
}

# Every file K3s reads at start: the config file and its .d files, the unit and its drop-ins
# (the "# <path>" lines of systemctl cat), the unit's environment files; on OpenRC the init
# script, its /etc/conf.d/<service> (openrc-run reads it first) and the files it sources. One
# path per line.
start_files() {
    printf "%s\n" "$config_file"
    ls_dropins
    if [ "$manager" = openrc ]; then
        printf "%s\n" "/etc/conf.d/$service"
    elif [ -n "$unit" ]; then
        sed -n "s/^# \(\/.*\)$/\1/p" "$unit"
    fi
    env_files
}

# pending_edits <started>: "<mtime> <path>" (mtime in whole seconds) of each file K3s reads at
# start that changed after <started> (unix seconds, "<seconds>.<9 digits>" when the start is known
# finer: service_started_precise). Both sides are compared with the precision both have: stat's
# nanoseconds (GNU coreutils' %.9Y) against the start's microseconds; when either has whole
# seconds only (BusyBox's stat, OpenRC's start time), a file changed in the start's second counts
# as pending (a needless refusal is safe, a missed edit is not). Files of this stack's
# headlamp-sso (our owner line) do not count: an earlier run installed them and verified them with
# its own restart, or changed only their owner line.
pending_edits() {
    # One stat call for all of them (the preflight must stay cheap: it runs before every
    # restart); the owner line is read only of the files that changed.
    since=$1
    set --
    old_ifs=$IFS
    IFS="
"
    # Listed before globbing is switched off (ls_dropins globs the .d directory).
    list=$(start_files | sort -u)
    set -f
    for f in $list; do if [ -f "$f" ]; then set -- "$@" "$f"; fi; done
    set +f
    IFS=$old_ifs
    [ $# -gt 0 ] || return 0
    mtime_format="%Y"
    case "$(stat -c %.9Y "$1" 2>/dev/null)" in *[0-9].[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) mtime_format="%.9Y" ;; esac
    stat -c "$mtime_format %n" "$@" 2>/dev/null | awk -v since="$since" '
        {
            split($1, m, "."); n = split(since, s, ".")
            if (m[1] + 0 > s[1] + 0) later = 1
            else if (m[1] + 0 < s[1] + 0) later = 0
            else if (m[2] == "" || n < 2) later = 1
            else later = (m[2] + 0 > s[2] + 0)
            if (later) print m[1] " " substr($0, index($0, " ") + 1)
        }' | while IFS= read -r line; do
        same_stack "$(owner_of "${line#* }")" || printf "%s\n" "$line"
    done
}

utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || printf "@%s\n" "$1"; }

# 5b. A restart applies every pending edit of the user's together with ours; when one of them
#     breaks the API server, restoring our files cannot help. Refuse before writing (on OpenRC
#     also when more than one supervise-daemon runs the service).
refuse_pending() {
    # OpenRC: K3s supervised twice (overlapping restarts started it twice) is no state to restart
    # from: stop and start handle one supervisor, the other K3s keeps running what it runs.
    if [ "$manager" = openrc ]; then
        sups=$(openrc_supervisors)
        [ -z "$sups" ] || [ "$sups" -le 1 ] || die "refusing to change anything: $sups supervise-daemon processes run for $service (it was started more than once; every K3s but one cannot bind its ports and crash-loops). Stop it (rc-service $service stop), end the supervise-daemon processes still running for it (ps -eo pid,args | grep \"supervise-daemon $service \", then kill <pid> of each), start it (rc-service $service start), then run pulumi up again"
    fi
    load_props
    started=$(service_started_precise)
    [ -n "$started" ] || return 0
    edits=$(pending_edits "$started")
    started=${started%.*}
    [ -n "$edits" ] || return 0
    list=$(printf "%s\n" "$edits" | while read -r m f; do printf "\n  - %s (modified %s)" "$f" "$(utc "$m")"; done)
    die "refusing to change anything: these files $service reads at start changed after it started at $(utc "$started"), so a restart now would apply them together with ours (and if they break the API server, restoring our files cannot help):$list
Restart $service yourself and check that it comes up, then run pulumi up again"
}

# Structured mode needs a Kubernetes that knows the AuthenticationConfiguration's apiVersion.
check_version() {
    version_line=$(bounded "$quick" "$dist_bin" --version 2>/dev/null | head -n 1) || version_line=""
    minor=$(printf "%s\n" "$version_line" | sed -n "s/.*v1\.\([0-9][0-9]*\)\..*/\1/p" | head -n 1)
    [ -n "$minor" ] || die "cannot tell the Kubernetes version ($dist_bin --version printed: $version_line); structured mode needs Kubernetes 1.$min_minor+ for apiVersion $api_version"
    hint=""
    if [ "$api_version" = v1 ]; then hint="use apiVersion v1beta1 (1.30+) or "; fi
    [ "$minor" -ge "$min_minor" ] || die "Kubernetes 1.$minor is too old for AuthenticationConfiguration apiserver.config.k8s.io/$api_version (needs 1.$min_minor+); upgrade $distribution, ${hint}use mode flags"
    log "$distribution is Kubernetes 1.$minor: AuthenticationConfiguration $api_version is supported"
}

# 4. The files at our paths are ours (or of this stack), never a user's or another stack's.
check_ownership() {
    if [ -e "$dropin" ]; then
        o=$(owner_of "$dropin")
        [ -n "$o" ] || die "refusing to change anything: $dropin exists but was not written by headlamp-sso (it has no \"$owner_word\" line). Move that file to another name, or rename this K3sOidcApiServer (its name names the file)"
        same_stack "$o" || die "refusing to change anything: $dropin belongs to $o (another stack or project). Destroy that component first, or rename this K3sOidcApiServer"
        [ "$o" = "$owner" ] || log "taking over $dropin from $o (the same stack)"
    fi
    for f in "$authcfg" "$ca_file"; do
        [ -e "$f" ] || continue
        o=$(owner_of "$f")
        if [ -z "$o" ] && mine "$f"; then continue; fi
        [ -n "$o" ] || die "refusing to change anything: $f exists but was not written by this component (it has no \"$owner_word\" line). Move that file away, or rename this K3sOidcApiServer (its name names the file)"
        same_stack "$o" || die "refusing to change anything: $f belongs to $o (another stack or project). Destroy that component first, or rename this K3sOidcApiServer"
    done
}

# 4. K3s reads config.yaml, then config.yaml.d/*.yaml|*.yml (extensions in any case) in lexical
#    order: a key with "+" appends, a key without "+" replaces everything set before it, and the
#    unit's ExecStart args come last. Ours must be the only OIDC configuration of the API server.
#    Collects one sentence per conflict in $conflicts (one per line, "  - " before each).
conflicts=""
conflict() { conflicts="$conflicts
  - $1"; }
check_text() {
    text=$(grep -v "^[[:space:]]*#" "$2" 2>/dev/null || true)
    if printf "%s\n" "$text" | grep -qE "$oidc_flag_pattern"; then
        hit=$(printf "%s\n" "$text" | grep -oE "(--)?oidc-[a-z-]+=" | head -n 1 || true)
        conflict "$1 sets the kube-apiserver arg ${hit%=}: ours must be the only OIDC configuration of the API server (a leftover oidc-* arg changes which tokens pass, or crash-loops it next to authentication-config); remove it there"
    fi
    if printf "%s\n" "$text" | grep -qE "$auth_config_flag_pattern"; then
        if [ "$mode" = structured ]; then
            conflict "$1 sets authentication-config: a second one would replace it, and ours would lock out the users of yours; merge your authenticators into one file and leave this component out, or remove it there"
        else
            conflict "$1 sets authentication-config: it cannot be combined with the --oidc-* args of flags mode (the API server would crash-loop); remove it there, or use mode structured"
        fi
    fi
}
find_conflicts() {
    if [ -f "$config_file" ]; then check_text "$config_file" "$config_file"; fi
    after_ours=no
    for f in $(ls_dropins); do
        if [ "$f" = "$dropin" ]; then after_ours=yes; continue; fi
        check_text "$f" "$f"
        if [ "$after_ours" = yes ] && grep -v "^[[:space:]]*#" "$f" | grep -qE "$plain_arg_key_pattern"; then
            conflict "$f sorts after $dropin and sets kube-apiserver-arg without \"+\", which replaces every kube-apiserver arg set before it, ours included; write kube-apiserver-arg+ there"
        fi
    done
    if [ "$manager" = openrc ]; then
        if [ -n "$unit" ]; then check_text "the init script $init_script" "$unit"; fi
    else
        check_text "the ExecStart of $service (systemctl cat $service)" "$unit"
    fi
}

# 5. consider <target> <base64 content, empty when the file must not exist> <mode> <restart when
#    changed: yes|no>: compares the new file with the installed one (nothing written) and
#    records what changes.
installs=""
removes=""
restart=no
reload=no
consider() {
    t=$1
    if [ -z "$2" ]; then
        if [ -e "$t" ]; then removes="$removes $t"; restart=yes; fi
        return 0
    fi
    if [ -f "$t" ] && printf "%s" "$2" | base64 -d | cmp -s - "$t"; then return 0; fi
    installs="$installs $t:$3"
    # A new owner line alone (a component moved within the stack) changes nothing in force.
    if [ -f "$t" ] && [ "$(printf "%s" "$2" | base64 -d | sed "/^$owner_prefix/d" | cksum)" = "$(sed "/^$owner_prefix/d" "$t" | cksum)" ]; then return 0; fi
    if [ "$4" = yes ]; then restart=yes; else reload=yes; fi
}

# 5b. Stage the files to install next to their targets (root-owned, their mode); installs then
#     holds <target>:<staged file> pairs.
b64_of() {
    case "$1" in
    "$dropin") printf "%s" "$dropin_b64" ;;
    "$authcfg") printf "%s" "$authcfg_b64" ;;
    *) printf "%s" "$ca_b64" ;;
    esac
}
stage() {
    if [ ! -d "$dropin_dir" ]; then
        mkdir -m 0755 "$dropin_dir"
        : > "$made_dir_marker"
    fi
    staged=""
    for pair in $installs; do
        t=${pair%%:*}
        s=$(mktemp "${t%/*}/.headlamp-sso.XXXXXX")
        tmp_files="$tmp_files $s"
        b64_of "$t" | base64 -d > "$s"
        chmod "${pair#*:}" "$s"
        chown 0:0 "$s"
        staged="$staged $t:$s"
    done
    installs=$staged
}

do_apply() {
    # 1. Preflight: nothing is written before all of it passes.
    read_unit
    resolve_config_file
    # Where our drop-in is on this server (after following --config / K3S_CONFIG_FILE): the
    # component reports this line's path as its dropInPaths output (reportedDropInPath in script.ts).
    log "drop-in path: $dropin"
    [ -d "$config_dir" ] || die "config directory $config_dir does not exist; is $distribution installed here? set configFile"
    if [ "$mode" = structured ]; then check_version; fi
    # 2. and 3.
    take_lock
    settle_unfinished

    # 4. Refuse before writing anything: files at our paths that are not ours, and every
    #    configuration in which our settings would not be the effective ones.
    check_ownership
    find_conflicts
    [ -z "$conflicts" ] || die "refusing to change anything; our OIDC settings would not be the ones in force:$conflicts"

    # 5. Compare the new files with the installed ones.
    consider "$dropin" "$dropin_b64" 600 yes
    # The AuthenticationConfiguration: K3s's API server reloads it by itself; RKE2 bind-mounts it
    # into its static pod, so a change there needs a restart.
    if [ "$authcfg_restart" = yes ]; then
    consider "$authcfg" "$authcfg_b64" 600 yes
    else
    consider "$authcfg" "$authcfg_b64" 600 no
    fi
    consider "$ca_file" "$ca_b64" 644 yes

    if [ -z "$installs" ] && [ -z "$removes" ]; then
        if api_ready; then
            stop_if_interrupted "an unfinished earlier change was rolled back; our files are in place and the API server is ready"
            if [ -n "$authcfg_b64" ]; then what="$dropin and $authcfg are"; elif [ -n "$ca_b64" ]; then what="$dropin and $ca_file are"; else what="$dropin is"; fi
            log "no change: $what already up to date and the API server is ready; nothing written, no restart"
            exit 0
        fi
        log "the files are up to date but the API server is not ready"
        refuse_pending
        defer_signals
        restart_and_wait || die "the files are up to date, but the API server did not become ready within ${ready_timeout}s after a restart (nothing to roll back: these files were in place before this run); check $(logs_where):
$(journal_tail)"
        verify_in_force "$restart_started" || die "the files are up to date and the API server is ready, but our settings are not in force: $found"
        stop_if_interrupted "our settings are in force"
        log "$applied"
        exit 0
    fi

    # 6. Back up (with the pending marker), then install atomically (mv within the same directory).
    reload_before=""
    if [ "$restart" = no ] && [ "$reload" = yes ]; then
        # A reload can only be confirmed by a running API server; else restart with the new file.
        if api_ready; then reload_before=$(reload_failures); else restart=yes; fi
    fi
    if [ "$restart" = yes ]; then refuse_pending; fi
    stage
    # shellcheck disable=SC2086 # targets is a list of plain paths
    backup $targets
    defer_signals
    log "backed up the previous files to $backup_dir"
    for pair in $installs; do
        mv -f "${pair#*:}" "${pair%%:*}"
        log "installed ${pair%%:*}"
    done
    for t in $removes; do
        rm -f "$t"
        log "removed $t (no longer used)"
    done

    if [ "$restart" = no ]; then
        if [ "$reload" = yes ]; then
            # 7. Only the AuthenticationConfiguration changed: the API server re-reads it by itself
            #    (about once a minute); confirm it loaded this file before calling it applied.
            log "only the AuthenticationConfiguration changed: $service is not restarted; waiting up to ${ready_timeout}s for the API server to load $authcfg"
            if ! wait_for_reload "$reload_before"; then
                log "$found; restoring the previous $authcfg"
                restore "$authcfg"
                drop_backup
                die "the new AuthenticationConfiguration was rolled back: $found. The previous file is back (the API server keeps running the previous configuration). Last API server lines of $(logs_where):
$(journal_tail)"
            fi
            drop_backup
            stop_if_interrupted "the new AuthenticationConfiguration is loaded"
            log "$found"
            log "$applied"
            exit 0
        fi
        drop_backup
        stop_if_interrupted "only the owner lines changed"
        log "only the owner line of our files changed (a component moved within the stack); $service was not restarted"
        exit 0
    fi

    # 8. Restart and wait, then read back what is in force; roll back byte for byte otherwise.
    # shellcheck disable=SC2086 # targets is a list of plain paths
    restart_and_wait || rollback_or_die "new OIDC settings rolled back: the API server did not become ready within ${ready_timeout}s" $targets
    # shellcheck disable=SC2086
    verify_in_force "$restart_started" || rollback_or_die "new OIDC settings rolled back: the API server is ready but does not run them ($found)" $targets

    # 9. Settled.
    drop_backup
    stop_if_interrupted "our settings are in force"
    log "$applied"
}

# The metrics of kube-apiserver's AuthenticationConfiguration reloader.
# shellcheck disable=SC2086
auth_metrics() { bounded "$quick" $kubectl get --raw=/metrics 2>/dev/null | grep "^apiserver_authentication_config_controller_" || true; }
# metric_max <metrics> <name> <label text>: the largest value of that series ("" when absent).
metric_max() { printf "%s\n" "$1" | grep "^$2{" | grep -F "$3" | sed "s/.*[}] *//" | sort -g | tail -n 1; }
# The time of the last failed reload before the change ("0" when none).
reload_failures() { v=$(metric_max "$(auth_metrics)" apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds "status=\"failure\""); printf "%s\n" "${v:-0}"; }
newer() { awk -v a="$1" -v b="$2" "BEGIN { exit !(a + 0 > b + 0) }"; }
# wait_for_reload <failure time before>: the API server loaded the file with our hash
# (apiserver_authentication_config_controller_last_config_info; before that metric existed: a
# successful reload after the install), or reported a failed reload, or ready_timeout passed.
wait_for_reload() {
    installed=$(date +%s)
    deadline=$((installed + ready_timeout))
    while :; do
        m=$(auth_metrics)
        if printf "%s\n" "$m" | grep "^apiserver_authentication_config_controller_last_config_info{" | grep -qF "hash=\"$authcfg_hash\""; then
            found="the API server loaded $authcfg (apiserver_authentication_config_controller_last_config_info hash $authcfg_hash) after $(($(date +%s) - installed))s"
            return 0
        fi
        failed=$(metric_max "$m" apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds "status=\"failure\"")
        if [ -n "$failed" ] && newer "$failed" "$1"; then
            found="the API server reported a failed reload of $authcfg (apiserver_authentication_config_controller_automatic_reloads_total{status=\"failure\"})"
            return 1
        fi
        if ! printf "%s\n" "$m" | grep -q "^apiserver_authentication_config_controller_last_config_info{"; then
            ok=$(metric_max "$m" apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds "status=\"success\"")
            if [ -n "$ok" ] && newer "$ok" "$((installed - 1))"; then
                found="the API server reloaded $authcfg successfully after $(($(date +%s) - installed))s"
                return 0
            fi
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            found="the API server did not confirm loading $authcfg within ${ready_timeout}s (no apiserver_authentication_config_controller_last_config_info with hash $authcfg_hash in <kubectl> get --raw=/metrics)"
            return 1
        fi
        sleep "$ready_poll" || :
    done
}

do_delete() {
    if [ ! -d "$config_dir" ]; then
        log "nothing to remove: $config_dir does not exist"
        exit 0
    fi
    find_unit
    if [ -n "$unit" ]; then resolve_config_file; fi
    take_lock
    settle_unfinished
    if [ -f "$dropin" ] && [ "$(owner_of "$dropin")" != "$owner" ]; then
        o=$(owner_of "$dropin")
        log "$dropin now belongs to ${o:-another owner} (not $owner); leaving it and its files in place"
        exit 0
    fi
    present=""
    for t in $targets; do
        if [ -e "$t" ]; then
            if mine "$t"; then present="$present $t"; else log "leaving $t: not written by this component"; fi
        fi
    done
    if [ -z "$present" ]; then
        log "nothing to remove: none of $dropin, $authcfg, $ca_file is ours"
    else
        had_dropin=no
        if [ -e "$dropin" ]; then had_dropin=yes; fi
        if [ "$had_dropin" = yes ] && [ -n "$unit" ]; then refuse_pending; fi
        # shellcheck disable=SC2086 # targets is a list of plain paths
        backup $targets
        defer_signals
        for t in $present; do
            rm -f "$t"
            log "removed $t"
        done
        if [ "$had_dropin" = yes ]; then
            if [ -n "$unit" ]; then
                # shellcheck disable=SC2086
                restart_and_wait || rollback_or_die "removal rolled back: the API server did not become ready within ${ready_timeout}s" $targets
            else
                log "service $service not found; nothing to restart"
            fi
        fi
        drop_backup
    fi
    if [ -e "$made_dir_marker" ] && rmdir "$dropin_dir" 2>/dev/null; then
        rm -f "$made_dir_marker"
        log "removed the empty $dropin_dir (created by headlamp-sso)"
    fi
    stop_if_interrupted "the files are removed"
    log "removed the OIDC files of K3sOidcApiServer $name; the API server no longer trusts its issuer"
}

# inspect: what the doctor reports, decided by the same functions apply uses. Prints only
# key=value lines (list keys repeat); see the contract in docs/k3s-servers.md ("Inspect").
kv() { printf "%s=%s\n" "$1" "$2"; }
# file_state <path> <base64 content of the plan>: ours|missing|edited|foreign|other-stack.
file_state() {
    [ -e "$1" ] || { echo missing; return 0; }
    o=$(owner_of "$1")
    if [ -z "$o" ]; then echo foreign; return 0; fi
    same_stack "$o" || { echo other-stack; return 0; }
    if [ "$o" = "$owner" ] && printf "%s" "$2" | base64 -d | cmp -s - "$1"; then echo ours; else echo edited; fi
}
do_inspect() {
    read_unit
    load_props
    resolve_config_file
    kv inspect 1
    kv service.manager "$manager"
    kv service.name "$service"
    # Where the service's output goes on OpenRC (on systemd: its journal).
    if [ "$manager" = openrc ]; then
        kv service.log "$(k3s_log_file)"
        kv service.supervisors "$(openrc_supervisors)"
    fi
    started=""
    if service_active; then
        kv service.state running
        started=$(service_started)
    else
        kv service.state stopped
    fi
    kv service.started "$started"
    kv config.file "$config_file"
    kv config.source "$config_source"
    kv dropin.path "$dropin"
    kv dropin.state "$(file_state "$dropin" "$dropin_b64")"
    kv dropin.owner "$(owner_of "$dropin")"
    if [ "$mode" = structured ]; then kv authcfg.state "$(file_state "$authcfg" "$authcfg_b64")"; else kv authcfg.state unused; fi
    running=stopped
    args=""
    if [ -n "$started" ]; then
        if verify_in_force "$started"; then running=ours; else
            case "$found" in "cannot read back"*) running=unreadable ;; *) running=differ ;; esac
        fi
        args=$(running_args "$started" | grep -v -- "^--no-command-line$" | tr "\n" " " || true)
    fi
    kv running.state "$running"
    kv running.args "${args% }"
    kv expected.args "$(printf "%s" "$expected_args" | tr "\n" " ")"
    if api_ready; then kv api.ready yes; else kv api.ready no; fi
    if [ -n "$started" ]; then
        pending_edits "$(service_started_precise)" | while IFS= read -r line; do kv pending "$line"; done
    fi
    find_conflicts
    printf "%s\n" "$conflicts" | sed -n "s/^  - /conflict=/p"
}

case "$action" in
apply) do_apply ;;
delete) do_delete ;;
inspect) do_inspect ;;
*) die "unknown action \"$action\"; run as sh -c <this script> headlamp-sso apply|delete|inspect" ;;
esac
