// Builds the config map the Pulumi CLI hands a program: the project's defaults from Pulumi.yaml,
// overlaid with a stack file's values, with lists and objects JSON-encoded as the CLI does.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const ROOT = path.join(__dirname, "..");
export const PROJECT = "headlamp-sso";

export interface ConfigDecl {
    type?: string;
    default?: unknown;
    secret?: boolean;
    description?: string;
    items?: { type: string };
}

/** The `config:` block of Pulumi.yaml. */
export function projectConfig(): Record<string, ConfigDecl> {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, ConfigDecl> };
    return doc.config;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** Config map for a stack: defaults, then Pulumi.<stack>.yaml (or `values`), then `extra`. */
export function stackConfig(stackFile: string | Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [key, decl] of Object.entries(projectConfig())) {
        if (decl.default !== undefined) {
            config[qualify(key)] = encode(decl.default);
        }
    }
    const values = typeof stackFile === "string" ? stackFileValues(stackFile) : stackFile;
    for (const [key, value] of Object.entries({ ...values, ...extra })) {
        if (value === undefined) {
            delete config[qualify(key)];
        } else {
            config[qualify(key)] = encode(value);
        }
    }
    return config;
}

/**
 * Mocha hooks for a describe block: AUTHENTIK_URL and AUTHENTIK_TOKEN (which the program accepts
 * instead of config) are unset while it runs, so "missing key" tests do not depend on the caller's
 * environment, and put back afterwards.
 */
export function withoutAuthentikEnv(): void {
    const names = ["AUTHENTIK_URL", "AUTHENTIK_TOKEN"];
    const saved = new Map<string, string | undefined>();
    before(() => {
        for (const n of names) {
            saved.set(n, process.env[n]);
            delete process.env[n];
        }
    });
    after(() => {
        for (const [n, v] of saved) {
            if (v !== undefined) process.env[n] = v;
        }
    });
}

/**
 * The errors the Pulumi CLI's stack config check would give before running the program, following
 * its merge-then-validate order (sdk/go/common/workspace: defaults of unset keys are merged into the
 * stack config first, then every explicitly typed project key is validated): a project key with
 * neither a stack value nor a default is missing, and a `secret: true` key whose final value is not
 * encrypted, a plain default included, "must be encrypted as it's secret". `secretKeys` are the
 * keys set with `--secret` (as `project:key`). Types are left to the program's own checks.
 */
export function cliConfigErrors(
    decls: Record<string, ConfigDecl>,
    stackValues: Record<string, unknown>,
    secretKeys: string[],
    stack: string,
): string[] {
    const errors: string[] = [];
    const missing = Object.entries(decls)
        .filter(([key, decl]) => decl.default === undefined && !(qualify(key) in stackValues) && !(key in stackValues))
        .map(([key]) => key)
        .sort();
    if (missing.length > 0) {
        errors.push(`Stack '${stack}' is missing configuration value(s) ${missing.join(", ")}`);
        return errors;
    }
    for (const [key, decl] of Object.entries(decls)) {
        const encrypted = secretKeys.includes(qualify(key));
        if (decl.type && decl.secret && !encrypted) {
            errors.push(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
        }
    }
    return errors;
}

/** The `config:` values of a stack file, as written (keys as in the file). */
export function stackFileValues(stackFile: string): Record<string, unknown> {
    return (YAML.parse(fs.readFileSync(path.join(ROOT, stackFile), "utf8")) as { config: Record<string, unknown> }).config;
}
