#!/usr/bin/env node
// The package's command: `headlamp-sso doctor [flags]` (see cli/doctor.ts). Thin on purpose.
import * as fs from "fs";
import { USAGE } from "./args";
import { runDoctor } from "./doctor";

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "doctor") {
        return runDoctor(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), readStdin: () => fs.readFileSync(0, "utf8") });
    }
    if (command === "--help" || command === "-h" || command === "help") {
        process.stdout.write(USAGE);
        return 0;
    }
    process.stderr.write(`headlamp-sso: ${command === undefined ? "no command" : `unknown command ${JSON.stringify(command)}`}; the command is doctor.\n\n${USAGE}`);
    return 2;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`headlamp-sso: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
    },
);
