// postinstall of the component package (runs after `npm install` in this folder).
//
// For a git source (`pulumi package add <git url>/provider`) the Pulumi CLI clones the whole
// repository into its plugin cache and runs `npm install --production` in this folder only
// (sdk/go/common/workspace/plugins.go, PluginSpec.InstallDependencies). The components this folder
// re-exports live in ../components, and Node resolves their imports (@pulumi/pulumi, @pulumi/command,
// ...) from ../node_modules, which a fresh clone does not have. So:
//   1. when the repository root has no node_modules, link it to this folder's node_modules, so the
//      components and the Authentik SDK resolve exactly the packages installed here (one copy each);
//   2. when the local Authentik SDK is not compiled (a clone has no sdks/authentik/bin), compile it
//      with the TypeScript installed here.
// In a development checkout (`npm ci` at the root already ran) both steps find their work done.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const rootModules = path.join(root, "node_modules");
if (!fs.existsSync(rootModules)) {
    const target = process.platform === "win32" ? path.join(__dirname, "node_modules") : path.join(path.basename(__dirname), "node_modules");
    fs.symlinkSync(target, rootModules, "junction");
    console.log(`headlamp-sso: linked ${rootModules} -> ${target}`);
}

const sdk = path.join(root, "sdks", "authentik");
if (!fs.existsSync(path.join(sdk, "bin", "index.js"))) {
    const tsc = require.resolve("typescript/bin/tsc", { paths: [__dirname] });
    execFileSync(process.execPath, [tsc, "-p", path.join(sdk, "tsconfig.json")], { stdio: "inherit" });
    console.log(`headlamp-sso: compiled ${path.join(sdk, "bin")}`);
}
