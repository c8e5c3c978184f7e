// The deployable program as a function: reads the stack's config, wires AuthentikOidcApp ->
// K3sOidcApiServer -> HeadlampRelease and returns the stack outputs. The root index.ts and the
// `pulumi new` template (templates/headlamp-k3s) are thin entries that call it and export what it
// returns; the package ships it as `headlamp-sso/program`. Importing this module runs nothing.
import * as pulumi from "@pulumi/pulumi";
import * as authentik from "@pulumi/authentik";
import * as k8s from "@pulumi/kubernetes";
import { AuthentikOidcApp, HeadlampRelease, K3sOidcApiServer } from "../components";
import { KUBELOGIN_REDIRECT_URIS, configNamespace, readSettings } from "./config";
import { caFromKubeconfig, renderOidcKubeconfig } from "./kubeconfig";

/** The stack outputs of the program. */
export interface HeadlampSsoOutputs {
    /** Headlamp's URL. */
    headlampUrl: pulumi.Output<string>;
    /** The OIDC issuer the API server and Headlamp trust. */
    issuerUrl: pulumi.Output<string>;
    /** The OAuth2 client id. */
    clientId: pulumi.Output<string>;
    /** A kubeconfig that logs in with `kubectl oidc-login` (secret: it carries the client secret); undefined when kubectlAccess is false. */
    kubeconfig: pulumi.Output<string> | undefined;
    /** The drop-in file written to each K3s server. */
    apiServerDropIn: pulumi.Output<string>;
    /**
     * What `headlamp-sso doctor` inspects the K3s servers with: the plan they got, where
     * (`user@host:port`), and where each server's run put the drop-in (dropInPaths, in server order).
     */
    apiServerInspect: pulumi.Output<{ plan: unknown; servers: string[]; dropInPaths: string[] }>;
    /** The Authentik release the stack is configured for (`authentikVersion`; the doctor compares it with the server's); undefined when not set. */
    authentikVersion: string | undefined;
}

/**
 * Runs the program in the current Pulumi stack: reads the config of the project's own namespace
 * (`<project>:<key>`, plus `authentik:*`), checks it (one error listing every problem, before
 * anything is registered), creates the three components and returns the outputs to export.
 */
export function deployHeadlampSso(): HeadlampSsoOutputs {
    const settings = readSettings();
    const { stack } = settings;
    for (const warning of settings.warnings) {
        void pulumi.log.warn(warning);
    }
    const scopes = ["openid", "email", "profile", "offline_access"];

    const authentikProvider = new authentik.Provider("authentik", {
        url: settings.authentik.url,
        token: settings.authentik.token,
        insecure: settings.authentik.insecure,
    });
    const kubernetesProvider = settings.kubernetes.kubeconfig
        ? new k8s.Provider("kubernetes", { kubeconfig: settings.kubernetes.kubeconfig })
        : undefined;

    const headlampUrlText = `https://${settings.headlamp.host}/`;
    const sso = new AuthentikOidcApp(`sso-${stack}`, {
        authentikUrl: settings.authentik.url,
        slug: settings.authentik.appSlug,
        displayName: settings.authentik.appName,
        redirectUris: [
            `https://${settings.headlamp.host}/oidc-callback`,
            ...(settings.kubernetes.kubectlAccess ? KUBELOGIN_REDIRECT_URIS : []),
        ],
        launchUrl: headlampUrlText,
        authorizationFlow: settings.authentik.authorizationFlow,
        signingKeyName: settings.authentik.signingKeyName,
        clientSecret: settings.authentik.clientSecret,
        scopes,
        emailVerified: settings.authentik.emailVerified,
        accessGroups: settings.authentik.accessGroups,
        createAccessGroups: settings.authentik.createAccessGroups,
        authentikVersion: settings.authentik.version,
    }, { providers: { authentik: authentikProvider } });

    const apiServer = new K3sOidcApiServer(`oidc-${stack}`, {
        servers: settings.apiServer.servers.map((server) => ({
            host: server.host,
            port: server.port,
            user: server.user,
            hostKey: server.hostKey,
            privateKey: settings.apiServer.sshPrivateKey,
            privateKeyPassword: settings.apiServer.sshPrivateKeyPassword,
        })),
        issuerUrl: sso.issuerUrl,
        clientId: sso.clientId,
        issuerCaPem: settings.authentik.caPem,
        usernameClaim: settings.apiServer.usernameClaim,
        usernamePrefix: settings.apiServer.usernamePrefix,
        groupsClaim: settings.apiServer.groupsClaim,
        groupsPrefix: settings.apiServer.groupsPrefix,
        mode: settings.apiServer.mode,
        apiVersion: settings.apiServer.authConfigApiVersion,
        distribution: settings.apiServer.distribution,
        serviceManager: settings.apiServer.serviceManager,
        readyTimeoutSeconds: settings.apiServer.readyTimeoutSeconds,
    });

    const headlamp = new HeadlampRelease(`headlamp-${stack}`, {
        namespace: settings.headlamp.namespace,
        chartVersion: settings.headlamp.chartVersion,
        host: settings.headlamp.host,
        // Through a Gateway (HTTPRoute) or an Ingress with TLS; never both.
        ...(settings.headlamp.gateway
            ? { gateway: settings.headlamp.gateway }
            : {
                ingressClassName: settings.headlamp.ingressClassName,
                tls: { secretName: settings.headlamp.tlsSecretName, clusterIssuer: settings.headlamp.clusterIssuer },
            }),
        oidc: {
            clientId: sso.clientId,
            clientSecret: sso.clientSecret,
            issuerUrl: sso.issuerUrl,
            scopes: scopes.filter((s) => s !== "openid"),
            issuerCaPem: settings.authentik.caPem,
        },
        admins: { users: settings.headlamp.adminUsers, groups: settings.headlamp.adminGroups },
        viewers: { users: settings.headlamp.viewerUsers, groups: settings.headlamp.viewerGroups },
        // Only when set: no operator role and no RoleBinding otherwise.
        ...(settings.headlamp.operatorUsers.length + settings.headlamp.operatorGroups.length > 0
            ? { operators: { users: settings.headlamp.operatorUsers, groups: settings.headlamp.operatorGroups } }
            : {}),
        ...(settings.headlamp.namespaceAccess.length > 0 ? { namespaces: settings.headlamp.namespaceAccess } : {}),
        usernamePrefix: settings.apiServer.usernamePrefix,
        groupsPrefix: settings.apiServer.groupsPrefix,
    }, { provider: kubernetesProvider, dependsOn: [apiServer] });

    if (settings.kubernetes.kubectlAccess && !settings.kubernetes.apiServerCaPem && !settings.kubernetes.kubeconfig) {
        void pulumi.log.warn("The exported kubeconfig has no cluster CA, so kubectl will not trust the K3s API server's certificate. "
            + `Set ${configNamespace()}:apiServerCaPem to /var/lib/rancher/k3s/server/tls/server-ca.crt of a server (or set ${configNamespace()}:kubeconfig).`);
    }
    const caPem = settings.kubernetes.apiServerCaPem
        ? pulumi.output(settings.kubernetes.apiServerCaPem)
        : settings.kubernetes.kubeconfig
            ? settings.kubernetes.kubeconfig.apply(caFromKubeconfig)
            : pulumi.output<string | undefined>(undefined);

    const kubeconfig = settings.kubernetes.kubectlAccess
        ? pulumi.secret(pulumi.all([sso.issuerUrl, sso.clientId, sso.clientSecret, caPem]).apply(([issuer, id, secret, ca]) =>
            renderOidcKubeconfig({
                name: `headlamp-sso-${stack}`,
                server: settings.kubernetes.apiServerUrl,
                caPem: ca,
                issuerUrl: issuer,
                clientId: id,
                clientSecret: secret,
                extraScopes: scopes,
                issuerCaPem: settings.authentik.caPem,
            })))
        : undefined;
    return {
        headlampUrl: headlamp.url,
        issuerUrl: sso.issuerUrl,
        clientId: sso.clientId,
        kubeconfig,
        apiServerDropIn: apiServer.dropIn,
        apiServerInspect: pulumi.all([apiServer.planJson, apiServer.appliedServers, apiServer.dropInPaths])
            .apply(([plan, servers, dropInPaths]) => ({ plan: JSON.parse(plan) as unknown, servers, dropInPaths })),
        authentikVersion: settings.authentik.version,
    };
}
