// The pulumi new template's prompts and the stack config `pulumi new` writes from the answers,
// shared by tests/template.test.ts and tests/package/pack.test.ts (a test file must not import
// another test file: its describe blocks would run twice).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ProjectSettings, ProjectTemplateConfigValue } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { ROOT } from "./stack-config";

export const TEMPLATE_DIR = path.join(ROOT, "templates", "headlamp-k3s");
/** The project name `pulumi new` gives the copy in these tests. */
export const TEMPLATE_PROJECT = "my-headlamp";
export const SSH_KEY_PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\ntemplate-test-key-material\n-----END OPENSSH PRIVATE KEY-----\n";

/** The template's Pulumi.yaml, typed as the automation API types a project. */
export function templateProject(): ProjectSettings {
    return YAML.parse(fs.readFileSync(path.join(TEMPLATE_DIR, "Pulumi.yaml"), "utf8")) as ProjectSettings;
}

/** The prompts: config key -> entry. */
export function templatePrompts(): Record<string, ProjectTemplateConfigValue> {
    return templateProject().template?.config ?? {};
}

/** What a user answers at the prompts without a default (those with one keep it). */
export const ANSWERS: Record<string, string> = {
    "authentik:url": "https://auth.example.com",
    "authentik:token": "template-authentik-token",
    authentikVersion: "2025.12",
    headlampHost: "headlamp.example.com",
    sshPrivateKey: Buffer.from(SSH_KEY_PEM).toString("base64"),
};

/** `key` as `pulumi new` stores it in the new project's stack config. */
export function qualified(key: string, project = TEMPLATE_PROJECT): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** The stack config `pulumi new` writes: every prompt answered, or its default kept. */
export function templateStackConfig(project = TEMPLATE_PROJECT, without: string[] = []): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, prompt] of Object.entries(templatePrompts())) {
        if (without.includes(key)) {
            continue;
        }
        const value = ANSWERS[key] ?? prompt.default;
        assert.ok(value !== undefined, `the test has no answer for the prompt ${key}`);
        config[qualified(key, project)] = value;
        if (prompt.secret) {
            secretKeys.push(qualified(key, project));
        }
    }
    return { config, secretKeys };
}
