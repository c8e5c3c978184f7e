# shellcheck shell=bash
# Sourced by .ci/run (and run by tests/node-version.test.ts with stand-in node and npm).
# Node.js 22.12 or newer (@pulumi/pulumi's engines say 22; the doctor's jose needs 22.12; the README
# says 22 or 24). A machine whose node is older gets Node 24 LTS from the npm registry's
# node-linux-<arch> package (the node binary only),
# cached under ~/.cache/headlamp-sso/node and put first on PATH for the rest of the run, so npm (a
# node script, `#!/usr/bin/env node`) and every test run under it too.
NODE_VERSION=24.22.3
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
# 22.12 or newer: the doctor (bin/cli) loads jose, an ES module, with require(), which Node allows
# without a flag from 22.12 (package.json engines says so).
node_new_enough() {
    v=$(node --version 2>/dev/null) || return 1
    v=${v#v}; major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
    [ "$major" -gt 22 ] 2>/dev/null || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; } 2>/dev/null
}
if ! node_new_enough; then
    case "$(uname -m)" in
        x86_64) node_arch=x64 ;;
        aarch64 | arm64) node_arch=arm64 ;;
        *) echo "no node-linux-* package for $(uname -m); install Node.js 22 or 24" >&2; exit 1 ;;
    esac
    node_dir="$HOME/.cache/headlamp-sso/node"
    node_bin="$node_dir/node_modules/node-linux-$node_arch/bin"
    if [ "$("$node_bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
        npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-$node_arch@$NODE_VERSION"
    fi
    export PATH="$node_bin:$PATH"
    if [ "$(node_major)" != "${NODE_VERSION%%.*}" ]; then
        echo "node-linux-$node_arch@$NODE_VERSION did not give a working $node_bin/node" >&2
        exit 1
    fi
fi
echo "node $(node --version), npm $(npm --version) ($(command -v node))"
