// What the checks share: the inputs (flags, else the stack's outputs) and the facts earlier checks
// found (the discovery document, the JWKS, the provider's redirect URIs, the user the API server
// sees), so a later check builds on an earlier one instead of fetching it again.
import { Outcome } from "./report";
import type { ServerInputs } from "./servers";

/** A JSON Web Key, as far as the doctor reads it. */
export interface Jwk {
    kty?: string;
    use?: string;
    alg?: string;
    kid?: string;
    n?: string;
    e?: string;
    [key: string]: unknown;
}

/** The parts of an OpenID discovery document the doctor reads. */
export interface Discovery {
    issuer?: unknown;
    authorization_endpoint?: unknown;
    jwks_uri?: unknown;
    id_token_signing_alg_values_supported?: unknown;
    [key: string]: unknown;
}

/** An allowed redirect URI of the Authentik provider (its API's shape, camelCased by the client). */
export interface AllowedRedirect {
    matchingMode: string;
    url: string;
    redirectUriType?: string;
}

/** Everything the doctor checks against. Absent values skip the checks that need them. */
export interface DoctorInputs {
    /** The issuer URL Headlamp and the API server are configured with (byte for byte). */
    issuer?: string;
    /** The OAuth2 client id (the tokens' audience). */
    clientId?: string;
    /** Headlamp's URL, e.g. https://headlamp.example.com/. */
    headlampUrl?: string;
    /** Authentik's base URL for its API (default: derived from the issuer). */
    authentikUrl?: string;
    /** Authentik API token (env AUTHENTIK_TOKEN). Secret: never printed. */
    authentikToken?: string;
    /** PEM of the private CA of the issuer and Headlamp. */
    caPem?: string;
    /** An ID token to test. Secret: only its claims are printed. */
    token?: string;
    /** Text of an (admin) kubeconfig, and where it came from (for messages). */
    kubeconfig?: { text: string; source: string };
    /** The claim that becomes the Kubernetes username (default email). */
    usernameClaim: string;
    /** Username prefix of the API server ("-" or "" for none). */
    usernamePrefix: string;
    /** The claim with the user's groups (default groups). */
    groupsClaim: string;
    /** Groups prefix of the API server (default oidc:). */
    groupsPrefix: string;
    /** Whether kubectl logins (kubelogin's redirect URIs) are expected. */
    kubectl: boolean;
    /** Headlamp's cluster name for its OIDC login start (in-cluster: main). */
    cluster: string;
    /** Current time in seconds (tests pin it). */
    now: () => number;
    /** The K3s servers to inspect over SSH and the plan the stack applied (absent: no server checks). */
    servers?: ServerInputs;
    /**
     * The Authentik release the stack is configured for (`authentikVersion`) and where that came
     * from (`--authentik-version`, or the stack's output); `value` undefined when the stack that
     * was read has none. Absent when neither a flag nor a stack says.
     */
    configuredVersion?: { value: string | undefined; from: string };
}

/** Facts found by earlier checks. */
export interface Facts {
    discovery?: Discovery;
    jwks?: Jwk[];
    allowedRedirects?: AllowedRedirect[];
    claims?: Record<string, unknown>;
    user?: { username: string; groups: string[] };
    /** The Authentik release the API reported (`version_current`). */
    authentikVersion?: string;
}

/** One check: a name, the checks it builds on, and what it does. */
export interface Check {
    /** Short name printed on its line, e.g. `issuer`. */
    readonly name: string;
    /** The server a per-server check looks at (`user@host:port`), carried into the result. */
    readonly server?: string;
    /** Checks that must pass first (their facts are used); when one did not, this one is skipped. */
    readonly needs: readonly string[];
    /**
     * Earlier links of the chain: when one of them failed, this one is skipped, so only the first
     * broken link fails (a skipped one does not block: the check then runs on its own inputs).
     */
    readonly after: readonly string[];
    /** Why the check cannot run with these inputs (it is then skipped), or undefined. */
    missing(inputs: DoctorInputs): string | undefined;
    /** Runs the check. Throwing is a bug in the doctor; report problems as outcomes. */
    run(inputs: DoctorInputs, facts: Facts): Promise<Outcome>;
}
