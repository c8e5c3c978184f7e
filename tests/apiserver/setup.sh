#!/usr/bin/env bash
# Provides the binaries of the kube-apiserver test tier (tests/apiserver), cached outside the repo:
#   - kube-apiserver, built from the Go module proxy (k8s.io/kubernetes cannot be `go install`ed: its
#     go.mod replaces the k8s.io/* staging modules with local paths, so we build it from a small
#     wrapper module that requires k8s.io/kubernetes and replaces each staging module with its
#     published v0.X.Y twin);
#   - etcd, from Debian's etcd-server package (3.4.23 is accepted by kube-apiserver 1.34);
#   - kubectl, only when the machine has none on PATH (Debian 12's kubernetes-client is 1.20, too
#     old for `auth whoami`): built from the same wrapper module into the same cache.
# Cold build: 15-20 min on 2 cores; with a warm Go build cache about 1 min; with the cached binary,
# nothing. Prints the path of the kube-apiserver binary on its last line.
# Env: K8S_VERSION (default below), HEADLAMP_SSO_CACHE (default ~/.cache/headlamp-sso),
# HEADLAMP_SSO_BUILD_KUBECTL=1 (build kubectl even when one is on PATH).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
CACHE="${HEADLAMP_SSO_CACHE:-$HOME/.cache/headlamp-sso}"
BIN="$CACHE/kube-apiserver-v$K8S_VERSION"

log() { printf 'apiserver setup: %s\n' "$*" >&2; }

# 1. etcd from Debian (the tier starts it on 127.0.0.1).
if ! command -v etcd >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing etcd-server from Debian"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
        # The package starts a system etcd on 127.0.0.1:2379; the tier runs its own on other ports.
        systemctl stop etcd >/dev/null 2>&1 || true
    else
        log "etcd is missing: install Debian's etcd-server (apt-get install etcd-server)"
        exit 1
    fi
fi

# 2. kube-apiserver (and kubectl when the machine has none), cached by version.
want=(kube-apiserver)
if [ "${HEADLAMP_SSO_BUILD_KUBECTL:-}" = 1 ] || ! command -v kubectl >/dev/null 2>&1; then
    want+=(kubectl)
fi
todo=()
for cmd in "${want[@]}"; do
    bin="$CACHE/$cmd-v$K8S_VERSION"
    if [ "$cmd" = kubectl ]; then ver=(version --client); else ver=(--version); fi
    if [ -x "$bin" ] && "$bin" "${ver[@]}" 2>/dev/null | grep -q "v$K8S_VERSION\$"; then
        log "$cmd v$K8S_VERSION cached at $bin"
    else
        todo+=("$cmd")
    fi
done
if [ "${#todo[@]}" -eq 0 ]; then
    echo "$BIN"
    exit 0
fi
command -v go >/dev/null 2>&1 || { log "go is missing: ${todo[*]} is built with the Go toolchain"; exit 1; }
mkdir -p "$CACHE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
log "building ${todo[*]} v$K8S_VERSION in $work (15-20 min cold, ~1 min with a warm Go cache)"
go mod init headlamp-sso.local/kube-apiserver-build >/dev/null 2>&1
gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
[ -f "$gomod" ] || { log "could not download the go.mod of k8s.io/kubernetes v$K8S_VERSION"; exit 1; }
staging_version="v0.${K8S_VERSION#1.}"
edits=(-require "k8s.io/kubernetes@v$K8S_VERSION")
while read -r mod; do
    edits+=(-replace "$mod=$mod@$staging_version")
done < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod")
[ "${#edits[@]}" -gt 20 ] || { log "found too few staging replacements in $gomod"; exit 1; }
go mod edit "${edits[@]}"
major="${K8S_VERSION%%.*}"; rest="${K8S_VERSION#*.}"; minor="${rest%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for cmd in "${todo[@]}"; do
    go get "k8s.io/kubernetes/cmd/$cmd@v$K8S_VERSION" >&2
    bin="$CACHE/$cmd-v$K8S_VERSION"
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$bin.tmp" "$bin"
    log "built $bin"
done
"$BIN" --version >&2
echo "$BIN"
