// The program (index.ts) run under Pulumi runtime mocks with a stack's config, and the stack
// configs the program tests share (tests/program.test.ts, program-config.test.ts,
// program-ssh-targets.test.ts, private-ca.test.ts). A helper module, not a test file: a test file
// that imports another registers that file's tests again in its own mocha worker.
import * as assert from "assert";
import { HeadlampSsoOutputs } from "../program/deploy";
import { MockHarness, captureWarnings, fileWrittenBy, valueOf } from "./harness";
import { stackConfig } from "./stack-config";

export const TEST_SECRETS = {
    "authentik:token": "test-authentik-token",
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\ntest-key-material\n-----END OPENSSH PRIVATE KEY-----\n",
};
export const SECRET_KEYS = ["authentik:token", "headlamp-sso:sshPrivateKey", "headlamp-sso:sshPrivateKeyPassword", "headlamp-sso:kubeconfig", "headlamp-sso:clientSecret"];

/** The stack outputs index.ts exports: those deployHeadlampSso returns. */
export type Program = HeadlampSsoOutputs;

export interface Run {
    h: MockHarness;
    program: Program;
    warnings: string[];
}

/** Installs the mocks with a stack's config and loads index.ts afresh, as the Pulumi CLI would. */
export async function runProgram(config: Record<string, string>, stack = "dev", secretKeys = SECRET_KEYS): Promise<Run> {
    const h = await MockHarness.install({ config, secretKeys, stack });
    const captured = captureWarnings();
    try {
        const program = loadProgram();
        await valueOf(program.headlampUrl);
        await valueOf(program.apiServerDropIn);
        await h.settle();
        h.assertNoUnknownInvokes();
        return { h, program, warnings: captured.messages };
    } finally {
        captured.restore();
    }
}

export function loadProgram(): Program {
    const entry = require.resolve("../index");
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(entry) as Program;
}

/** The dev server's pinned host key (without one, K3sOidcApiServer warns at every run). */
export const DEV_HOST_KEY_LINE = "k3s-1.dev.example.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDevStackHostKeyForTests";

export function dev(extra: Record<string, unknown> = {}): Record<string, string> {
    return stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, sshHostKeys: [DEV_HOST_KEY_LINE], ...extra });
}

/** A second environment, as a user's Pulumi.prod.yaml would hold it. */
export const PROD = {
    "authentik:url": "https://auth.example.com",
    "headlamp-sso:headlampHost": "headlamp.example.com",
    "headlamp-sso:servers": ["root@k3s-1.example.lan", "root@k3s-2.example.lan", "ubuntu@k3s-3.example.lan:2222"],
    "headlamp-sso:clusterIssuer": "letsencrypt",
    "headlamp-sso:apiServerMode": "structured",
    "headlamp-sso:adminUsers": ["alice@example.com"],
    "headlamp-sso:accessGroups": ["k8s-admins"],
    "headlamp-sso:adminGroups": ["k8s-admins"],
};

/** The drop-in text the script (the command's stdin) installs. */
export function dropInWrittenBy(script: string): string {
    const text = fileWrittenBy(script, "dropin");
    assert.ok(text, "the script installs a drop-in");
    return text;
}
