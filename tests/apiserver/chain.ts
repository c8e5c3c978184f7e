// The chain the tier proves: an Authentik token -> the API server's OIDC settings (flags or
// AuthenticationConfiguration, as K3sOidcApiServer renders them and K3s reads them) -> a username
// and groups -> HeadlampRelease's ClusterRoleBindings. Each check returns the broken links as
// messages that name both ends, so a failing tier says which setting to look at.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HeadlampNamespaceAccessArgs, HeadlampRelease } from "../../components/headlamp-release";
import { HEADLAMP_DEFAULTS } from "../../components/headlamp/settings";
import { renderSubjects } from "../../components/headlamp/rbac";
import { renderFiles } from "../../components/k3s/render";
import { K3sOidcPlan } from "../../components/k3s/settings";
import { FakeAuthentik, FakeUser } from "../fake-authentik/issuer";
import { MockHarness, valueOf } from "../harness";
import { kubeApiserverArgs } from "../k3s-config/k3s-config";
import { ApiServer } from "./harness";

/**
 * A K3s server's /etc/rancher/k3s, under a temp root: the user's own config.yaml plus the files
 * K3sOidcApiServer installs (its pure renderers' output, written where its paths say), read back
 * with K3s's config parser.
 */
export class K3sNode {
    /** `<root>/etc/rancher/k3s/config.yaml` (use it as the plan's configFile). */
    readonly configFile: string;

    constructor(readonly root: string, readonly unitArgs: string[] = []) {
        this.configFile = path.join(root, "etc", "rancher", "k3s", "config.yaml");
        fs.mkdirSync(path.dirname(this.configFile), { recursive: true });
    }

    /** Writes the user's own config.yaml. */
    writeUserConfig(text: string): void {
        fs.writeFileSync(this.configFile, text);
    }

    /**
     * Installs what K3sOidcApiServer renders for `plan`, as its apply script does (one
     * AuthenticationConfiguration for every version: no `anonymous` section; the drop-in turns
     * anonymous auth off).
     * `edit` may change the rendered text first (the tier's deliberately broken settings).
     */
    install(plan: K3sOidcPlan, edit: (file: "dropIn" | "authConfig" | "caFile", text: string) => string = (_f, t) => t): void {
        const files = renderFiles(plan);
        fs.mkdirSync(files.paths.dropInDir, { recursive: true });
        for (const f of [files.paths.dropIn, files.paths.authConfig, files.paths.caFile]) {
            fs.rmSync(f, { force: true });
        }
        fs.writeFileSync(files.paths.dropIn, edit("dropIn", files.dropIn));
        if (files.authConfig) {
            fs.writeFileSync(files.paths.authConfig, edit("authConfig", files.authConfig));
        }
        if (files.caFile !== undefined) {
            fs.writeFileSync(files.paths.caFile, edit("caFile", files.caFile));
        }
    }

    /** The kube-apiserver-arg values K3s would pass now. */
    kubeApiserverArgs(): string[] {
        return kubeApiserverArgs(this.configFile, this.unitArgs);
    }
}

/** HeadlampRelease's RBAC args (the subset the tier uses). */
export interface RbacArgs {
    admins?: { users?: string[]; groups?: string[] };
    operators?: { users?: string[]; groups?: string[] };
    viewers?: { users?: string[]; groups?: string[] };
    namespaces?: HeadlampNamespaceAccessArgs[];
    usernamePrefix?: string;
    groupsPrefix?: string;
}

/** The RBAC types HeadlampRelease registers. */
const RBAC_TYPES = ["ClusterRole", "ClusterRoleBinding", "RoleBinding"] as const;

/**
 * The RBAC objects HeadlampRelease registers for `rbac` (built under Pulumi mocks, so these are
 * exactly the component's objects: ClusterRoles, ClusterRoleBindings, RoleBindings), an object
 * without a name given the resource's name, for kubectl apply.
 */
export async function headlampBindings(idp: FakeAuthentik, rbac: RbacArgs): Promise<Record<string, any>[]> {
    const h = await MockHarness.install();
    const c = new HeadlampRelease("headlamp", {
        host: "headlamp.example.com",
        oidc: { clientId: pulumi.output(idp.clientId), clientSecret: pulumi.secret("unused-client-secret"), issuerUrl: pulumi.output(idp.issuerUrl) },
        ...rbac,
    });
    await valueOf(c.status);
    await h.settle();
    h.assertNoUnknownInvokes();
    return RBAC_TYPES.flatMap((kind) => h.ofType(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`).map((r) => ({
        ...r.inputs,
        apiVersion: r.inputs.apiVersion ?? "rbac.authorization.k8s.io/v1",
        kind: r.inputs.kind ?? kind,
        metadata: { ...(r.inputs.metadata ?? {}), name: r.inputs.metadata?.name ?? r.name },
    })));
}

/** Applies objects as the cluster admin with kubectl; throws with kubectl's output on failure. */
export async function applyAsAdmin(api: ApiServer, objects: Record<string, any>[]): Promise<void> {
    const r = await api.kubectl(["apply", "-f", "-"], { admin: true, stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
    if (r.code !== 0) {
        throw new Error(`kubectl apply failed (${r.code}): ${r.stderr}${r.stdout}`);
    }
}

/** Who the API server says a token belongs to (SelfSubjectReview through `kubectl auth whoami`). */
export interface WhoAmI {
    readonly ok: boolean;
    readonly username?: string;
    readonly groups: string[];
    /** kubectl's error when not ok. */
    readonly error?: string;
    /** The API server's own reason for refusing the token (from its log), when not ok. */
    readonly reason?: string;
}

const AUTH_FAILURE = /Unable to authenticate the request.*$/gm;

export async function whoami(api: ApiServer, token: string): Promise<WhoAmI> {
    const before = api.log().length;
    const r = await api.kubectl(["auth", "whoami", "-o", "json"], { token });
    if (r.code === 0) {
        const info = JSON.parse(r.stdout).status.userInfo as { username: string; groups?: string[] };
        return { ok: true, username: info.username, groups: info.groups ?? [] };
    }
    // The 401 carries no reason; kube-apiserver logs it ("Unable to authenticate the request" err=...).
    let reason: string | undefined;
    for (let i = 0; i < 20 && reason === undefined; i++) {
        reason = api.log().slice(before).match(AUTH_FAILURE)?.pop();
        if (reason === undefined) {
            await new Promise((res) => setTimeout(res, 100));
        }
    }
    return { ok: false, groups: [], error: (r.stderr || r.stdout).trim(), reason };
}

/** `kubectl auth can-i <verb> <resource>` with the token: true for "yes". */
export async function canI(api: ApiServer, token: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
    const r = await api.kubectl(["auth", "can-i", verb, resource, ...(namespace ? ["-n", namespace] : ["--all-namespaces"])], { token });
    const answer = r.stdout.trim();
    if (answer !== "yes" && answer !== "no") {
        throw new Error(`kubectl auth can-i ${verb} ${resource} said ${JSON.stringify(answer)}: ${r.stderr.trim()}`);
    }
    return answer === "yes";
}

/**
 * Checks one link chain for `user`: Authentik issues a token (`token`, minted by the fake issuer
 * from AuthentikOidcApp's own mappings), the API server accepts it with its OIDC settings, and
 * the username and groups it derives are the subjects HeadlampRelease binds (renderSubjects with
 * HeadlampRelease's prefixes). Returns one message per broken link; [] when the chain holds.
 */
export async function checkChain(api: ApiServer, token: string, user: FakeUser, rbac: Pick<RbacArgs, "usernamePrefix" | "groupsPrefix">): Promise<string[]> {
    const expected = renderSubjects([user.email], user.groups ?? [], rbac.usernamePrefix ?? "", rbac.groupsPrefix ?? HEADLAMP_DEFAULTS.groupsPrefix);
    const who = await whoami(api, token);
    if (!who.ok) {
        const reason = who.reason ?? who.error ?? "no reason logged";
        let link = "AuthentikOidcApp (issuer URL, client id, signing key, scope mappings) -> K3sOidcApiServer (oidc flags / AuthenticationConfiguration)";
        if (/email not verified|parse 'email_verified' claim/.test(reason)) {
            link = 'AuthentikOidcApp\'s email scope mapping (EMAIL_VERIFIED_EXPRESSION: email_verified) -> K3sOidcApiServer usernameClaim "email" (kube-apiserver refuses email_verified false or not a boolean)';
        } else if (/expected audience/.test(reason)) {
            link = "AuthentikOidcApp clientId (the token's aud) -> K3sOidcApiServer clientId (oidc-client-id / audiences)";
        } else if (/err="invalid bearer token"$/.test(reason)) {
            // No authenticator claimed the token: its iss is not the issuer the API server trusts.
            link = "AuthentikOidcApp issuerUrl (the token's iss, with its trailing slash) -> K3sOidcApiServer issuerUrl";
        } else if (/unsupported algorithm/.test(reason)) {
            link = "AuthentikOidcApp signingKeyName (RS256 tokens; without a key Authentik signs HS256) -> kube-apiserver's accepted algorithms";
        } else if (/failed to verify signature/.test(reason)) {
            link = "AuthentikOidcApp signing key -> the issuer's JWKS the API server fetched";
        } else if (/authenticator not initialized|x509|certificate/.test(reason)) {
            link = "K3sOidcApiServer issuerCaPem (oidc-ca-file / certificateAuthority) -> the issuer's TLS certificate (the API server cannot fetch discovery)";
        } else if (/token is expired/.test(reason)) {
            link = "AuthentikOidcApp accessTokenValidity -> the token's exp (expired)";
        }
        return [`broken link ${link}: the API server refused ${user.email}'s token (${reason})`];
    }
    const problems: string[] = [];
    const wantUser = expected.find((s) => s.kind === "User")!.name;
    if (who.username !== wantUser) {
        problems.push(`broken link K3sOidcApiServer usernameClaim/usernamePrefix -> HeadlampRelease usernamePrefix: the API server says ${JSON.stringify(who.username)}, HeadlampRelease binds User ${JSON.stringify(wantUser)}`);
    }
    for (const g of expected.filter((s) => s.kind === "Group").map((s) => s.name)) {
        if (!who.groups.includes(g)) {
            problems.push(`broken link K3sOidcApiServer groupsClaim/groupsPrefix -> HeadlampRelease groupsPrefix: the API server gives ${user.email} the groups ${JSON.stringify(who.groups)}, HeadlampRelease binds Group ${JSON.stringify(g)}`);
        }
    }
    return problems;
}
