// ts-node for the test runs (both mocha configurations `require` this instead of ts-node/register):
// transpile only, with SWC (@swc/core), about a third of the suite's CPU less than type-checking each
// file as it loads; `npm test` type-checks the whole program once (tests/static-checks.js).
// These options live here, not in tsconfig.json's "ts-node" section: the Pulumi CLI starts the
// component package's plugin (provider/) with the working directory where it was run, and the
// plugin host's ts-node (forced to type-check) reads the tsconfig.json found from there; from the
// repository root a custom transpiler in it made `pulumi package get-schema ./provider` exit with
// "Custom transpiler can only be used when transpileOnly is enabled".
"use strict";
require("ts-node").register({ transpileOnly: true, swc: true });
