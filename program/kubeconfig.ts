// Renders the kubeconfig the stack exports for kubectl users: it logs in through kubelogin
// (`kubectl oidc-login`) against the same Authentik application Headlamp uses. Pure functions.
import * as YAML from "yaml";

export interface OidcKubeconfigInput {
    /** Name of the cluster, user and context entries (the stack's name keeps them apart). */
    name: string;
    /** The API server URL, e.g. `https://k3s-1.lan:6443`. */
    server: string;
    /** PEM of the cluster CA; K3s uses its own, so without it kubectl cannot verify the server. */
    caPem?: string;
    issuerUrl: string;
    clientId: string;
    /** The client secret: the kubeconfig that carries it is exported as a secret. */
    clientSecret: string;
    /** Scopes besides `openid`, which kubelogin always asks for. */
    extraScopes: string[];
    /**
     * PEM of the issuer's private CA, when it has one. kubelogin then trusts only this bundle
     * towards the issuer: `--certificate-authority-data` takes base64-encoded PEM (int128/kubelogin
     * pkg/cmd/tls.go; pkg/tlsclientconfig/loader/load.go decodes it and builds the root pool).
     */
    issuerCaPem?: string;
}

function base64(pem: string): string {
    return Buffer.from(pem, "utf8").toString("base64");
}

/** A kubeconfig whose user runs `kubectl oidc-login get-token` (kubelogin) against the issuer. */
export function renderOidcKubeconfig(input: OidcKubeconfigInput): string {
    const cluster: Record<string, string> = { server: input.server };
    if (input.caPem) {
        cluster["certificate-authority-data"] = base64(input.caPem);
    }
    const args = [
        "oidc-login",
        "get-token",
        `--oidc-issuer-url=${input.issuerUrl}`,
        `--oidc-client-id=${input.clientId}`,
        `--oidc-client-secret=${input.clientSecret}`,
        ...input.extraScopes.filter((s) => s !== "openid").map((s) => `--oidc-extra-scope=${s}`),
    ];
    if (input.issuerCaPem) {
        args.push(`--certificate-authority-data=${base64(input.issuerCaPem)}`);
    }
    const doc = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: input.name, cluster }],
        users: [{
            name: `${input.name}-oidc`,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1",
                    command: "kubectl",
                    args,
                    interactiveMode: "IfAvailable",
                    provideClusterInfo: false,
                },
            },
        }],
        contexts: [{ name: input.name, context: { cluster: input.name, user: `${input.name}-oidc` } }],
        "current-context": input.name,
    };
    return YAML.stringify(doc);
}

/**
 * The cluster CA (PEM) of the first cluster in an admin kubeconfig, when it carries one inline.
 * K3s writes `certificate-authority-data` into /etc/rancher/k3s/k3s.yaml.
 */
export function caFromKubeconfig(kubeconfig: string): string | undefined {
    let doc: unknown;
    try {
        doc = YAML.parse(kubeconfig);
    } catch {
        return undefined;
    }
    const clusters = (doc as { clusters?: { cluster?: Record<string, unknown> }[] } | null)?.clusters;
    const data = clusters?.[0]?.cluster?.["certificate-authority-data"];
    return typeof data === "string" ? Buffer.from(data, "base64").toString("utf8") : undefined;
}
