// A minimal Pulumi program that consumes headlamp-sso as an npm package: Authentik OIDC app ->
// K3s API servers that trust it -> Headlamp behind it. Providers come from the stack's config:
// an explicit Authentik provider (`authentikUrl`, secret `authentikToken`), the ambient kubeconfig,
// and SSH to the K3s servers with the key in `sshPrivateKey` (or the SSH agent).
import * as pulumi from "@pulumi/pulumi";
import { AuthentikOidcApp, HeadlampRelease, K3sOidcApiServer, authentik } from "headlamp-sso";

const config = new pulumi.Config();
const authentikUrl = config.get("authentikUrl") ?? "https://auth.example.com";
const headlampHost = config.get("headlampHost") ?? "headlamp.example.com";
const servers = config.getObject<string[]>("k3sServers") ?? ["k3s-1.example.com"];
const admins = config.getObject<string[]>("admins") ?? ["alice@example.com"];

// The Authentik SDK travels inside headlamp-sso; an explicit provider keeps the token in this
// stack's secrets (without one, the default provider reads authentik:url / authentik:token).
const authentikProvider = new authentik.Provider("authentik", {
    url: authentikUrl,
    token: config.getSecret("authentikToken"),
});

// The OAuth2/OIDC client in Authentik; only members of `headlamp-admins` may log in.
const sso = new AuthentikOidcApp("headlamp-sso", {
    authentikUrl,
    slug: "headlamp",
    redirectUris: [`https://${headlampHost}/oidc-callback`],
    launchUrl: `https://${headlampHost}/`,
    accessGroups: ["headlamp-admins"],
    // Your Authentik's release: which fields it stores (grant types only from 2026.5).
    authentikVersion: "2026.5",
}, { providers: [authentikProvider] });

// Each K3s server's kube-apiserver trusts the issuer (one server at a time, with rollback).
const apiServer = new K3sOidcApiServer("k3s-oidc", {
    servers: servers.map((host) => ({ host, privateKey: config.getSecret("sshPrivateKey") })),
    issuerUrl: sso.issuerUrl,
    clientId: sso.clientId,
});

// Headlamp logs users in with the same client; its release waits for the API server.
const headlamp = new HeadlampRelease("headlamp", {
    host: headlampHost,
    oidc: {
        clientId: sso.clientId,
        clientSecret: sso.clientSecret,
        issuerUrl: sso.issuerUrl,
    },
    admins: { users: admins },
}, { dependsOn: [apiServer] });

export const headlampUrl = headlamp.url;
export const issuerUrl = sso.issuerUrl;
export const clientId = sso.clientId;
