// The doctor's command line. Pure: turns argv into options or a usage error (exit code 2) that
// names the flag, the bad value and the fix. Node's own util.parseArgs reads the flags (strict:
// typed options, `--flag=value`, repeated --ssh); this file adds the doctor's messages and checks. Secrets never come from flags (AUTHENTIK_TOKEN is an
// environment variable, the ID token a file), so no argv value is secret.
import { ParseArgsConfig, parseArgs as nodeParseArgs } from "util";
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

/** The flags, in node:util parseArgs's form; each flag's DoctorArgs key is its name in camelCase. */
const OPTIONS = {
    "stack": { type: "string" },
    "no-stack": { type: "boolean" },
    "issuer": { type: "string" },
    "client-id": { type: "string" },
    "headlamp-url": { type: "string" },
    "authentik-url": { type: "string" },
    "authentik-version": { type: "string" },
    "kubeconfig": { type: "string" },
    "ca-file": { type: "string" },
    "token-file": { type: "string" },
    "username-claim": { type: "string" },
    "username-prefix": { type: "string" },
    "groups-claim": { type: "string" },
    "groups-prefix": { type: "string" },
    "cluster": { type: "string" },
    "no-kubectl": { type: "boolean" },
    "ssh": { type: "string", multiple: true },
    "ssh-key": { type: "string" },
    "known-hosts": { type: "string" },
    "json": { type: "boolean" },
    "help": { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/**
 * Reads argv into node:util parseArgs's tokens (not strict) and returns the doctor's own message
 * for the first argument it refuses (parseArgs's messages name no fix): an unknown flag or a
 * positional argument, a value given to a switch, a missing value (or a flag where the value
 * should be: `--kubeconfig --json`). Otherwise returns argv with each value attached to its flag
 * (`--flag=value`), for the strict parse: a value may start with "-" (`--token-file -`, an
 * `--ssh -l@h` that the target check then refuses by name), which strict mode alone calls ambiguous.
 */
function normalized(argv: readonly string[]): { bad: string } | { args: string[] } {
    const { tokens } = nodeParseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const args: string[] = [];
    for (const token of tokens) {
        if (token.kind !== "option" || !Object.hasOwn(OPTIONS, token.name)) {
            return { bad: `unknown argument ${JSON.stringify(argv[token.index])}; see --help.` };
        }
        const flag = token.rawName;
        if (OPTIONS[token.name as keyof typeof OPTIONS].type === "boolean") {
            if (token.inlineValue) {
                return { bad: `${flag} takes no value (got ${JSON.stringify(token.value)}).` };
            }
            args.push(`--${token.name}`);
        } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--") && token.value.length > 2)) {
            return { bad: `${flag} needs a value, e.g. ${flag} ${example(flag)}.` };
        } else {
            args.push(`--${token.name}=${token.value}`);
        }
    }
    return { args };
}

/** Parses the flags after `doctor` (node:util parseArgs, strict: unknown flags and positionals refused). */
export function parseArgs(argv: readonly string[]): DoctorArgs {
    const read = normalized(argv);
    if ("bad" in read) {
        throw new UsageError(read.bad);
    }
    let values: ReturnType<typeof nodeParseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];
    try {
        ({ values } = nodeParseArgs({ args: read.args, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (err) {
        throw new UsageError(`${(err as Error).message.split("\n")[0]}; see --help.`);
    }
    const out: DoctorArgs = {
        stack: values.stack,
        noStack: values["no-stack"] ?? false,
        issuer: values.issuer,
        clientId: values["client-id"],
        headlampUrl: values["headlamp-url"],
        authentikUrl: values["authentik-url"],
        authentikVersion: values["authentik-version"],
        kubeconfig: values.kubeconfig,
        caFile: values["ca-file"],
        tokenFile: values["token-file"],
        usernameClaim: values["username-claim"],
        usernamePrefix: values["username-prefix"],
        groupsClaim: values["groups-claim"],
        groupsPrefix: values["groups-prefix"],
        cluster: values.cluster,
        noKubectl: values["no-kubectl"] ?? false,
        ssh: values.ssh ?? [],
        sshKey: values["ssh-key"],
        knownHosts: values["known-hosts"],
        json: values.json ?? false,
        help: values.help ?? false,
    };
    const args = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as DoctorArgs;
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
        case "--authentik-version": return "2025.12";
        case "--kubeconfig": return "/etc/rancher/k3s/k3s.yaml";
        case "--ca-file": return "ca.pem";
        case "--token-file": return "token.jwt";
        case "--ssh": return "root@10.0.0.11";
        case "--ssh-key": return "~/.ssh/id_ed25519";
        case "--known-hosts": return "~/.ssh/known_hosts";
        default: return "VALUE";
    }
}
