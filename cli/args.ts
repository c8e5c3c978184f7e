// The doctor's command line. Pure: turns argv into options or a usage error (exit code 2) that
// names the flag, the bad value and the fix. Secrets never come from flags (AUTHENTIK_TOKEN is an
// environment variable, the ID token a file), so no argv value is secret.
import { parseAuthentikVersion } from "../components/authentik/versions";
import { parseSshTarget } from "./ssh";

/** Thrown for bad usage; the doctor prints it with the usage text and exits 2. */
export class UsageError extends Error {}

/** Parsed flags (all optional: absent ones come from the stack or skip their checks). */
export interface DoctorArgs {
    stack?: string;
    noStack: boolean;
    issuer?: string;
    clientId?: string;
    headlampUrl?: string;
    authentikUrl?: string;
    /** `--authentik-version`: the release the stack is configured for (its `authentikVersion`). */
    authentikVersion?: string;
    kubeconfig?: string;
    caFile?: string;
    tokenFile?: string;
    usernameClaim?: string;
    usernamePrefix?: string;
    groupsClaim?: string;
    groupsPrefix?: string;
    cluster?: string;
    noKubectl: boolean;
    /** `--ssh user@host[:port]`, repeatable: the K3s servers to inspect. */
    ssh: string[];
    sshKey?: string;
    knownHosts?: string;
    json: boolean;
    help: boolean;
}

export const USAGE = `Usage: headlamp-sso doctor [flags]

Walks the login chain (issuer, Authentik provider, Headlamp, token, K3s servers, API server, RBAC)
and names the first broken link with its fix. Flags that are absent come from \`pulumi stack output\` of the
current stack when the Pulumi CLI is on PATH.

  --stack NAME            read outputs of this stack (default: the selected one)
  --no-stack              do not run pulumi; use only the flags
  --issuer URL            OIDC issuer, byte for byte as configured (stack: issuerUrl)
  --client-id ID          OAuth2 client id (stack: clientId)
  --headlamp-url URL      Headlamp's URL (stack: headlampUrl)
  --authentik-url URL     Authentik's base URL for its API (default: from the issuer)
  --authentik-version V   the Authentik release the stack is configured for, e.g. 2025.12
                          (stack: authentikVersion); compared with the one Authentik reports
  --kubeconfig FILE       admin kubeconfig: the API server's URL and CA, and RBAC
  --ca-file FILE          PEM of the private CA of the issuer and Headlamp
  --token-file FILE|-     an ID token to test (- reads stdin), e.g.
                          kubectl oidc-login get-token ... | jq -r .status.token
  --username-claim C      claim the API server uses as username (default email)
  --username-prefix P     its username prefix (default none)
  --groups-claim C        claim with the groups (default groups)
  --groups-prefix P       its groups prefix (default oidc:)
  --cluster NAME          Headlamp's cluster name for the login (default main, in-cluster)
  --no-kubectl            kubectl logins are not used: do not require kubelogin's redirect URIs
  --ssh USER@HOST[:PORT]  a K3s server to inspect over SSH, read-only (repeatable; default: the
                          stack's servers); the plan it is compared with comes from the stack
  --ssh-key FILE          SSH private key (default: your SSH agent and ssh's default keys)
  --known-hosts FILE      host keys to trust (default: your ~/.ssh/known_hosts); never asks
  --json                  print [{check, status, detail, fix}] instead of lines
  -h, --help              this text

Environment: AUTHENTIK_TOKEN, an Authentik API token, to read the provider's settings.
Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage.
`;

const VALUE_FLAGS: Record<string, keyof DoctorArgs> = {
    "--stack": "stack",
    "--issuer": "issuer",
    "--client-id": "clientId",
    "--headlamp-url": "headlampUrl",
    "--authentik-url": "authentikUrl",
    "--authentik-version": "authentikVersion",
    "--kubeconfig": "kubeconfig",
    "--ca-file": "caFile",
    "--token-file": "tokenFile",
    "--username-claim": "usernameClaim",
    "--username-prefix": "usernamePrefix",
    "--groups-claim": "groupsClaim",
    "--groups-prefix": "groupsPrefix",
    "--cluster": "cluster",
    "--ssh-key": "sshKey",
    "--known-hosts": "knownHosts",
};

/** Flags that may repeat; each value is added to the list. */
const LIST_FLAGS: Record<string, keyof DoctorArgs> = {
    "--ssh": "ssh",
};

const BOOLEAN_FLAGS: Record<string, keyof DoctorArgs> = {
    "--no-stack": "noStack",
    "--no-kubectl": "noKubectl",
    "--json": "json",
    "--help": "help",
    "-h": "help",
};

/** Parses the flags after `doctor`. */
export function parseArgs(argv: readonly string[]): DoctorArgs {
    const out: Record<string, unknown> = { noStack: false, noKubectl: false, json: false, help: false, ssh: [] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        if (flag in BOOLEAN_FLAGS) {
            if (eq > 0) {
                throw new UsageError(`${flag} takes no value (got ${JSON.stringify(arg.slice(eq + 1))}).`);
            }
            out[BOOLEAN_FLAGS[flag]] = true;
            continue;
        }
        if (!(flag in VALUE_FLAGS) && !(flag in LIST_FLAGS)) {
            throw new UsageError(`unknown argument ${JSON.stringify(arg)}; see --help.`);
        }
        let value: string | undefined;
        if (eq > 0) {
            value = arg.slice(eq + 1);
        } else {
            value = argv[i + 1];
            i++;
            if (value === undefined || (value.startsWith("--") && value.length > 2)) {
                throw new UsageError(`${flag} needs a value, e.g. ${flag} ${example(flag)}.`);
            }
        }
        if (flag in LIST_FLAGS) {
            (out[LIST_FLAGS[flag]] as string[]).push(value);
        } else {
            out[VALUE_FLAGS[flag]] = value;
        }
    }
    const args = out as unknown as DoctorArgs;
    for (const [flag, key] of [["--issuer", "issuer"], ["--headlamp-url", "headlampUrl"], ["--authentik-url", "authentikUrl"]] as const) {
        const v = args[key];
        if (v !== undefined && !isHttpUrl(v)) {
            throw new UsageError(`${flag} ${JSON.stringify(v)} is not an http(s) URL; give e.g. ${flag} ${example(flag)}.`);
        }
    }
    for (const [flag, key] of [["--client-id", "clientId"], ["--stack", "stack"], ["--cluster", "cluster"], ["--username-claim", "usernameClaim"], ["--groups-claim", "groupsClaim"]] as const) {
        const v = args[key];
        if (v !== undefined && v.trim() === "") {
            throw new UsageError(`${flag} must not be empty.`);
        }
    }
    if (args.authentikVersion !== undefined && parseAuthentikVersion(args.authentikVersion) === undefined) {
        throw new UsageError(`--authentik-version ${JSON.stringify(args.authentikVersion)} is not an Authentik release; give it as YYYY.M or YYYY.M.P, e.g. --authentik-version 2025.12.`);
    }
    for (const target of args.ssh) {
        try {
            parseSshTarget(target);
        } catch (err) {
            throw new UsageError(`--ssh ${(err as Error).message}; give e.g. --ssh root@10.0.0.11 or --ssh admin@k3s-1.example.com:2222.`);
        }
    }
    if (args.stack !== undefined && args.noStack) {
        throw new UsageError("--stack and --no-stack contradict each other; give one.");
    }
    return args;
}

function isHttpUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return u.protocol === "https:" || u.protocol === "http:";
    } catch {
        return false;
    }
}

function example(flag: string): string {
    switch (flag) {
        case "--issuer": return "https://auth.example.com/application/o/headlamp/";
        case "--headlamp-url": return "https://headlamp.example.com/";
        case "--authentik-url": return "https://auth.example.com";
        case "--kubeconfig": return "/etc/rancher/k3s/k3s.yaml";
        case "--ca-file": return "ca.pem";
        case "--token-file": return "token.jwt";
        case "--ssh": return "root@10.0.0.11";
        case "--ssh-key": return "~/.ssh/id_ed25519";
        case "--known-hosts": return "~/.ssh/known_hosts";
        default: return "VALUE";
    }
}
