// postinstall of the component package (runs after every `npm install` in this folder).
//
// The Pulumi CLI runs `npm install` in this folder before it runs the plugin: for a git source
// (`pulumi package add <git url>/provider`: it clones the whole repository into its plugin cache
// and runs `npm install --production` here, sdk/go/common/workspace/plugins.go,
// PluginSpec.InstallDependencies) and for a local path too (`pulumi package add <checkout>/provider`,
// `pulumi package get-schema`, CLI 3.274). The plugin host then runs from the @pulumi/pulumi that
// Node resolves from this folder, while the components this folder re-exports (../components)
// resolve theirs from ../node_modules. Two copies make every component's registration fail
// ("13 INTERNAL: Request message serialization failure": the host's gRPC client refuses the other
// copy's request messages). So this script leaves exactly one node_modules for both:
//   1. the repository root has no node_modules (a fresh clone): link it to this folder's, so the
//      components and the Authentik SDK resolve exactly the packages installed here;
//   2. the root's node_modules is that link already (a clone installed again): nothing to do;
//   3. the root has its own node_modules (a checkout after `npm ci`): that one serves the plugin
//      host too, so this folder's node_modules (what npm just installed) is removed; Node then
//      resolves @pulumi/pulumi, ts-node and the rest from the root, as the components do;
// then, when the local Authentik SDK is not compiled (a clone has no sdks/authentik/bin), it is
// compiled with the TypeScript that Node resolves from here.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const rootModules = path.join(root, "node_modules");
const ownModules = path.join(__dirname, "node_modules");

/** Whether `p` exists (a dangling link does not). */
function exists(p) {
    try {
        fs.statSync(p);
        return true;
    } catch {
        return false;
    }
}

if (!exists(rootModules)) {
    if (fs.lstatSync(rootModules, { throwIfNoEntry: false })) {
        fs.unlinkSync(rootModules); // a dangling link (this folder's node_modules was removed)
    }
    const target = process.platform === "win32" ? ownModules : path.join(path.basename(__dirname), "node_modules");
    fs.symlinkSync(target, rootModules, "junction");
    console.log(`headlamp-sso: linked ${rootModules} -> ${target}`);
} else if (exists(ownModules) && fs.realpathSync(rootModules) !== fs.realpathSync(ownModules)) {
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(__dirname, "package.json"), "utf8"));
    const missing = Object.keys(dependencies).filter((name) => !exists(path.join(rootModules, name, "package.json")));
    if (missing.length > 0) {
        console.error(`headlamp-sso: ${rootModules} lacks ${missing.join(", ")}, which the plugin host and the components need from one node_modules.`);
        console.error(`headlamp-sso: run \`npm ci\` in ${root} (with its dev dependencies), then install this plugin again.`);
        process.exit(1);
    }
    fs.rmSync(ownModules, { recursive: true, force: true });
    console.log(`headlamp-sso: ${rootModules} serves the plugin and the components (one @pulumi/pulumi); removed ${ownModules}`);
}

const sdk = path.join(root, "sdks", "authentik");
if (!fs.existsSync(path.join(sdk, "bin", "index.js"))) {
    const tsc = require.resolve("typescript/bin/tsc", { paths: [__dirname] });
    execFileSync(process.execPath, [tsc, "-p", path.join(sdk, "tsconfig.json")], { stdio: "inherit" });
    console.log(`headlamp-sso: compiled ${path.join(sdk, "bin")}`);
}
