// `npm test`'s type-check and lint in one process over one TypeScript program: what
// `npm run typecheck` (tsc --noEmit, incremental) and `npm run lint` (eslint ., then shellcheck)
// check, without building and type-checking the same program twice (typescript-eslint takes a
// program through parserOptions.programs), and the public API report against the same program
// (tests/api-report.ts). Exit 1 when any finds a problem, after printing all.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const ts = require("typescript");
const { ESLint } = require("eslint");

const ROOT = path.resolve(__dirname, "..");
const BUILD_INFO = path.join(ROOT, "node_modules", ".cache", "headlamp-sso", "typecheck.tsbuildinfo");

/** tsc --noEmit --incremental -p tsconfig.json: the diagnostics, and the program for the lint. */
function typecheck() {
    const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } };
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), { noEmit: true, incremental: true, tsBuildInfoFile: BUILD_INFO }, host);
    fs.mkdirSync(path.dirname(BUILD_INFO), { recursive: true });
    const builder = ts.createIncrementalProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed), projectReferences: parsed.projectReferences });
    const diagnostics = [
        ...builder.getConfigFileParsingDiagnostics(),
        ...builder.getOptionsDiagnostics(),
        ...builder.getGlobalDiagnostics(),
        ...builder.getSyntacticDiagnostics(),
        ...builder.getSemanticDiagnostics(),
    ];
    // With noEmit this writes only the build info (what was checked, for the next run).
    builder.emit();
    return { diagnostics, program: builder.getProgram() };
}

async function main() {
    const started = Date.now();
    let failed = false;
    const { diagnostics, program } = typecheck();
    if (diagnostics.length > 0) {
        failed = true;
        process.stdout.write(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }));
    }
    process.stdout.write(`type-check: ${diagnostics.length === 0 ? "ok" : `${diagnostics.length} error(s)`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    // The public API report (etc/headlamp-sso.api.md), read from the program just checked.
    require("./ts-node.js");
    const { apiOf, renderReport, reportDifference } = require("./api-report.ts");
    const difference = reportDifference(renderReport(apiOf(program)));
    failed ||= difference !== undefined;
    process.stdout.write(`public API: ${difference ?? "ok (etc/headlamp-sso.api.md)"}\n`);

    const linted = Date.now();
    const eslint = new ESLint({ cwd: ROOT, overrideConfig: { languageOptions: { parserOptions: { programs: [program] } } } });
    const results = await eslint.lintFiles(["."]);
    // As the eslint CLI: errors fail, warnings are printed.
    const errors = results.reduce((n, r) => n + r.errorCount, 0);
    if (results.some((r) => r.errorCount + r.warningCount > 0)) {
        process.stdout.write((await eslint.loadFormatter("stylish")).format(results));
    }
    failed ||= errors > 0;
    const scripts = fs.readdirSync(path.join(ROOT, "components", "k3s")).filter((f) => f.endsWith(".sh")).map((f) => path.join("components", "k3s", f));
    const shellcheck = spawnSync("shellcheck", scripts, { cwd: ROOT, encoding: "utf8" });
    if (shellcheck.status !== 0) {
        failed = true;
        process.stdout.write(`${shellcheck.stdout ?? ""}${shellcheck.stderr ?? ""}${shellcheck.error ? `shellcheck: ${shellcheck.error.message}\n` : ""}`);
    }
    process.stdout.write(`lint: ${errors === 0 && shellcheck.status === 0 ? "ok" : "problems"} (eslint on ${results.length} files, shellcheck on ${scripts.length}) in ${((Date.now() - linted) / 1000).toFixed(1)} s\n`);
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
});
