// The doctor's decisions as pure functions, without servers: argument parsing, the issuer and
// JWKS rules, Authentik's redirect URI matching, the API server's answers and RBAC matching, the
// stack outputs it reads, and how the runner skips checks behind a broken link.
import * as assert from "assert";
import * as crypto from "crypto";
import * as tls from "tls";
import { renderDropIn } from "../../components/k3s/render";
import { resolvePlan } from "../../components/k3s/settings";
import { renderOidcKubeconfig } from "../../program/kubeconfig";
import { UsageError, parseArgs } from "../../cli/args";
import { CHANGE_EMAIL_FIX, authentikBaseOf, judgeGrants, judgeVersion, judgePreview, judgeRedirects, redirectAllowed, ProviderView } from "../../cli/authentik";
import { MANAGED_SCOPES } from "../../components/authentik/settings";
import { Binding, effectiveRoles, hasAdminCredentials, judgeRbac, judgeReview, matchBindings, parseKubeconfig } from "../../cli/apiserver";
import { Check, DoctorInputs } from "../../cli/context";
import { runChecks } from "../../cli/doctor";
import { judgeLoginRedirect, loginStartUrl } from "../../cli/headlamp";
import { differInOrigin, discoveryUrlOf, judgeIssuer, judgeJwksUri, judgeSigning, rsaSigningKeys } from "../../cli/issuer";
import { trustWith } from "../../cli/http";
import { exitCodeOf, fail, formatJson, formatLine, pass, skip } from "../../cli/report";
import { claimSettingsOf, pickOutputs } from "../../cli/stack";
import { EMAIL_VERIFIED_BOOLEAN_FIX, decodeJwt, emailVerifiedNotBoolean, judgeClaims, judgeToken } from "../../cli/token";

const ISSUER = "https://auth.example.com/application/o/headlamp/";

describe("doctor: pure decisions", function () {
    it("parses --flag value and --flag=value, and rejects what it does not know with exit-2 errors", () => {
        const a = parseArgs(["--issuer", ISSUER, "--client-id=headlamp", "--json", "--no-kubectl"]);
        assert.strictEqual(a.issuer, ISSUER);
        assert.strictEqual(a.clientId, "headlamp");
        assert.ok(a.json && a.noKubectl && !a.noStack);
        assert.throws(() => parseArgs(["--stack", "dev", "--no-stack"]), (e: unknown) => e instanceof UsageError && /contradict/.test((e).message));
        assert.throws(() => parseArgs(["--client-id", ""]), /--client-id must not be empty/);
        assert.throws(() => parseArgs(["--headlamp-url", "ftp://x"]), /not an http\(s\) URL/);
        assert.throws(() => parseArgs(["--kubeconfig", "--json"]), /--kubeconfig needs a value/);
    });

    it("argv through node:util parseArgs: -h, a \"-\" value, repeated --ssh; positionals, unknown flags and a value on a switch refused by name", () => {
        assert.ok(parseArgs(["-h"]).help);
        assert.strictEqual(parseArgs(["--token-file", "-"]).tokenFile, "-", "- (stdin) is a value, not a flag");
        assert.strictEqual(parseArgs(["--username-prefix="]).usernamePrefix, "", "an explicit empty prefix");
        assert.deepStrictEqual(parseArgs(["--ssh=root@a", "--ssh", "root@b"]).ssh, ["root@a", "root@b"]);
        assert.deepStrictEqual(parseArgs([]), { noStack: false, noKubectl: false, json: false, help: false, ssh: [] }, "absent flags stay absent");
        assert.throws(() => parseArgs(["--issuer", ISSUER, "extra"]), /^Error: unknown argument "extra"; see --help\.$/);
        assert.throws(() => parseArgs(["--isuer", ISSUER]), /unknown argument "--isuer"; see --help/);
        assert.throws(() => parseArgs(["-x"]), /unknown argument "-x"/);
        assert.throws(() => parseArgs(["--", "--json"]), /unknown argument "--"/);
        assert.throws(() => parseArgs(["--json=yes"]), /--json takes no value \(got "yes"\)/);
        assert.throws(() => parseArgs(["--token-file"]), /--token-file needs a value, e.g\. --token-file token\.jwt/);
    });

    it("the issuer: discovery URL from either form, byte-for-byte comparison, the trailing slash named", () => {
        assert.strictEqual(discoveryUrlOf(ISSUER), `${ISSUER}.well-known/openid-configuration`);
        assert.strictEqual(discoveryUrlOf(ISSUER.slice(0, -1)), `${ISSUER}.well-known/openid-configuration`);
        assert.strictEqual(judgeIssuer(ISSUER, { issuer: ISSUER }).status, "pass");
        assert.match(judgeIssuer(ISSUER.slice(0, -1), { issuer: ISSUER }).detail, /only in the trailing slash/);
        const other = judgeIssuer(ISSUER, { issuer: "https://auth.example.com/application/o/other/" });
        assert.strictEqual(other.status, "fail");
        assert.doesNotMatch(other.detail, /trailing slash/);
        assert.strictEqual(judgeIssuer(ISSUER, {}).status, "fail");
    });

    it("signing: RS256 must be advertised and the JWKS must hold an RSA signature key", () => {
        const rsa = { kty: "RSA", n: "AQAB", e: "AQAB", kid: "k1", use: "sig", alg: "RS256" };
        assert.deepStrictEqual(rsaSigningKeys({ keys: [rsa, { ...rsa, use: "enc" }, { kty: "EC", crv: "P-256" }, { ...rsa, alg: "RS512" }] }), [rsa]);
        assert.deepStrictEqual(rsaSigningKeys({}), []);
        assert.strictEqual(judgeSigning({ id_token_signing_alg_values_supported: ["RS256"] }, { keys: [rsa] }).status, "pass");
        assert.strictEqual(judgeSigning({ id_token_signing_alg_values_supported: ["RS256"] }, { keys: [] }).status, "fail");
        assert.match(judgeSigning({ id_token_signing_alg_values_supported: ["HS256"] }, { keys: [rsa] }).fix!, /HS256/);
    });

    it("redirect URIs match as Authentik's authorize view does: strict equality, regex fullmatch, authorization entries only", () => {
        const cb = "https://headlamp.example.com/oidc-callback";
        assert.ok(redirectAllowed(cb, [{ matchingMode: "strict", url: cb }]));
        assert.ok(!redirectAllowed(`${cb}/`, [{ matchingMode: "strict", url: cb }]));
        assert.ok(!redirectAllowed(cb.replace("https", "http"), [{ matchingMode: "strict", url: cb }]));
        assert.ok(redirectAllowed(cb, [{ matchingMode: "regex", url: "https://[a-z]+\\.example\\.com/oidc-callback" }]));
        assert.ok(!redirectAllowed(`${cb}?x=1`, [{ matchingMode: "regex", url: "https://headlamp\\.example\\.com/oidc-callback" }]), "a regex must match the whole URI");
        assert.ok(!redirectAllowed(cb, [{ matchingMode: "strict", url: cb, redirectUriType: "logout" }]), "logout entries do not allow logins");
        assert.ok(!redirectAllowed(cb, [{ matchingMode: "regex", url: "([" }]), "a broken regex allows nothing");
        const p: ProviderView = { pk: 1, name: "headlamp", signingKey: "k", assignedApplicationSlug: "headlamp", redirectUris: [{ matchingMode: "strict", url: cb }], mappings: [] };
        assert.strictEqual(judgeRedirects(p, "https://headlamp.example.com/", false).status, "pass");
        const withKubectl = judgeRedirects(p, "https://headlamp.example.com/", true);
        assert.strictEqual(withKubectl.status, "fail");
        assert.match(withKubectl.detail, /http:\/\/localhost:8000/);
        assert.strictEqual(authentikBaseOf(ISSUER), "https://auth.example.com");
        assert.strictEqual(authentikBaseOf("https://idp.example.com/realms/x"), undefined);
    });

    it("grant types: Authentik without the field passes; a missing refresh_token grant fails", () => {
        const p: ProviderView = { pk: 1, name: "h", assignedApplicationSlug: "h", redirectUris: [], mappings: [] };
        assert.strictEqual(judgeGrants(p).status, "pass");
        assert.strictEqual(judgeGrants({ ...p, grantTypes: ["authorization_code", "refresh_token"] }).status, "pass");
        assert.match(judgeGrants({ ...p, grantTypes: ["authorization_code"] }).detail, /refresh_token/);
    });

    it("grant types by release: before 2026.5 nothing is restricted; from 2026.5 an empty list refuses every login", () => {
        const p: ProviderView = { pk: 1, name: "h", assignedApplicationSlug: "h", redirectUris: [], mappings: [] };
        const old = judgeGrants(p, "2025.12.4");
        assert.strictEqual(old.status, "pass");
        assert.match(old.detail, /^Authentik 2025\.12\.4 does not restrict grant types \(providers have a grant type list since 2026\.5\)/);
        const none = judgeGrants({ ...p, grantTypes: [] }, "2026.5.0");
        assert.strictEqual(none.status, "fail");
        assert.match(none.detail, /Authentik 2026\.5\.0 restricts grant types and the provider lists none, so its token endpoint refuses every login/);
        assert.match(none.fix!, /authentikVersion set to 2026\.5\.0/);
        const ok = judgeGrants({ ...p, grantTypes: ["authorization_code", "refresh_token"] }, "2026.8.1");
        assert.strictEqual(ok.status, "pass");
        assert.match(ok.detail, /^Authentik 2026\.8\.1 restricts grant types; the provider allows \["authorization_code","refresh_token"\]/);
    });

    it("the Authentik release: the supported range, and the stack's authentikVersion against it", () => {
        const stack = (value: string | undefined) => ({ value, from: "the stack's authentikVersion" });
        const ok = judgeVersion("2025.12.4", stack("2025.12"));
        assert.strictEqual(ok.status, "pass");
        assert.match(ok.detail, /^Authentik 2025\.12\.4 \(supported: 2025\.10 to 2026\.8\); it does not restrict grant types; the stack's authentikVersion says 2025\.12/);
        const old = judgeVersion("2025.8.2", undefined);
        assert.strictEqual(old.status, "fail");
        assert.match(old.detail, /Authentik 2025\.8\.2 is older than 2025\.10, the oldest release headlamp-sso supports/);
        assert.match(old.fix!, /Upgrade Authentik to 2025\.10 or newer/);
        const newer = judgeVersion("2027.2.0", undefined);
        assert.strictEqual(newer.status, "fail");
        assert.match(newer.detail, /newer than 2026\.8, the newest release headlamp-sso is checked against/);
        assert.strictEqual(judgeVersion("main-branch", undefined).status, "fail");
        // The recorded perpetual diff: a stack that sends 2026.5's fields to a 2025.12.
        const drift = judgeVersion("2025.12.4", stack("2026.5"));
        assert.strictEqual(drift.status, "fail");
        assert.match(drift.detail, /grant_types is sent and dropped \(every pulumi up shows an update\); redirect_uri_type is sent and dropped/);
        assert.strictEqual(drift.fix, "Run pulumi config set authentikVersion 2025.12.4 and run pulumi up.");
        const unset = judgeVersion("2026.2.0", stack(undefined));
        assert.strictEqual(unset.status, "fail");
        assert.match(unset.detail, /Authentik 2026\.2\.0 runs, and the stack has no authentikVersion, so the component assumes 2026\.5: grant_types is sent and dropped/);
        const lax = judgeVersion("2026.5.6", stack("2025.12"));
        assert.strictEqual(lax.status, "fail");
        assert.match(lax.detail, /grant_types is not sent, so grant types are not restricted/);
        assert.strictEqual(judgeVersion("2026.5.6", stack(undefined)).status, "pass");
        assert.match(judgeVersion("2026.5.6", undefined).detail, /it restricts grant types\. Set the stack's authentikVersion to 2026\.5\.6/);
        assert.match(judgeVersion("2026.2.0", { value: "2026.5", from: "--authentik-version" }).fix!, /Give --authentik-version 2026\.2\.0/);
    });

    it("Headlamp's login redirect: status, endpoint, client id and redirect_uri each named when wrong", () => {
        const endpoint = "https://auth.example.com/application/o/authorize/";
        const allowed = [{ matchingMode: "strict", url: "https://h.example.com/oidc-callback" }];
        const loc = (id: string, redirect: string) => `${endpoint}?client_id=${id}&redirect_uri=${encodeURIComponent(redirect)}&response_type=code`;
        assert.strictEqual(loginStartUrl("https://h.example.com", "main"), "https://h.example.com/oidc?cluster=main");
        assert.strictEqual(judgeLoginRedirect(302, loc("headlamp", "https://h.example.com/oidc-callback"), endpoint, "headlamp", allowed, true).status, "pass");
        assert.match(judgeLoginRedirect(500, undefined, endpoint, "headlamp", allowed, true).fix!, /cannot reach the issuer/);
        assert.match(judgeLoginRedirect(404, undefined, endpoint, "headlamp", allowed, true).fix!, /--cluster/);
        assert.match(judgeLoginRedirect(302, loc("other", "https://h.example.com/oidc-callback"), endpoint, "headlamp", allowed, true).detail, /client id "other"/);
        assert.match(judgeLoginRedirect(302, "https://elsewhere.example.com/authorize?client_id=headlamp", endpoint, "headlamp", allowed, true).detail, /not to the issuer's authorization endpoint/);
        assert.match(judgeLoginRedirect(302, loc("headlamp", "https://h.example.com/callback"), endpoint, "headlamp", allowed, true).fix!, /callback URL/);
    });

    it("token claims: the username claim, email_verified false only matters for email, groups required", () => {
        assert.strictEqual(judgeClaims({ email: "a@x", email_verified: true, groups: [] }, "email", "groups").status, "pass");
        assert.strictEqual(judgeClaims({ email: "a@x", groups: [] }, "email", "groups").status, "pass", "no email_verified claim is accepted by kube-apiserver");
        assert.match(judgeClaims({ email: "a@x", email_verified: false, groups: [] }, "email", "groups").detail, /email not verified/);
        assert.strictEqual(judgeClaims({ sub: "x", email_verified: false, groups: [] }, "sub", "groups").status, "pass");
        assert.match(judgeClaims({ email: "a@x" }, "email", "groups").detail, /no "groups" claim/);
        assert.match(judgeClaims({ groups: [] }, "email", "groups").detail, /no "email" claim/);
        assert.throws(() => decodeJwt("a.b"), /not a JWT \(2 dot-separated parts/);
        assert.throws(() => decodeJwt("e30.bm90LWpzb24.x"), /payload is not base64url-encoded JSON/);
    });

    it("the API server's SelfSubjectReview answers: the user it sees, or a 401 explained with the issuer, client id and CA", () => {
        const ok = judgeReview(201, JSON.stringify({ status: { userInfo: { username: "a@x", groups: ["oidc:admins", "system:authenticated"] } } }), ISSUER, "headlamp", false);
        assert.deepStrictEqual(ok.user, { username: "a@x", groups: ["oidc:admins", "system:authenticated"] });
        const denied = judgeReview(401, "", ISSUER, "headlamp", true);
        assert.strictEqual(denied.outcome.status, "fail");
        assert.ok(denied.outcome.fix!.includes(JSON.stringify(ISSUER)) && denied.outcome.fix!.includes("oidc-ca-file") && denied.outcome.fix!.includes("--ca-file"));
        assert.match(judgeReview(404, "", ISSUER, "headlamp", false).outcome.detail, /1\.28/);
    });

    it("RBAC: the user or its groups must be named; system:authenticated does not count; a missing prefix is a near miss", () => {
        const user = { username: "a@x", groups: ["oidc:admins", "system:authenticated"] };
        const b = (kind: string, name: string, subjects: { kind: string; name: string }[], namespace?: string): Binding => ({ kind, metadata: { name, namespace }, roleRef: { kind: "ClusterRole", name: "view" }, subjects });
        const bindings = [
            b("ClusterRoleBinding", "system:discovery", [{ kind: "Group", name: "system:authenticated" }]),
            b("ClusterRoleBinding", "unprefixed", [{ kind: "Group", name: "admins" }]),
        ];
        const none = matchBindings(user, bindings, "", "oidc:");
        assert.deepStrictEqual(none.matches, []);
        assert.deepStrictEqual(none.nearMisses, ['ClusterRoleBinding unprefixed -> ClusterRole view names Group "admins" without the groups prefix "oidc:"']);
        assert.match(judgeRbac(user, none, "").fix!, /binds User "a@x"/);
        const some = matchBindings(user, [...bindings, b("RoleBinding", "viewers", [{ kind: "User", name: "a@x" }], "apps")], "", "oidc:");
        assert.deepStrictEqual(some.matches, ["RoleBinding apps/viewers -> ClusterRole view (User a@x)"]);
        // With a username prefix, the fix names the prefixed subject HeadlampRelease renders.
        const prefixed = { username: "oidc:a@x", groups: [] };
        assert.match(judgeRbac(prefixed, matchBindings(prefixed, [], "oidc:", "oidc:"), "oidc:").fix!, /Add "a@x" .* binds User "oidc:a@x"/);
    });

    it("RBAC: names the user's effective role per namespace, by HeadlampRelease's role names", () => {
        const user = { username: "wes@x", groups: ["oidc:web-team", "oidc:staff", "system:authenticated"] };
        const b = (kind: string, name: string, role: string, subject: string, namespace?: string): Binding => ({
            kind, metadata: { name, namespace }, roleRef: { kind: "ClusterRole", name: role }, subjects: [{ kind: "Group", name: subject }],
        });
        const bindings = [
            b("ClusterRoleBinding", "headlamp-namespace-readers", "headlamp-sso:headlamp:headlamp:namespace-reader", "oidc:web-team"),
            b("RoleBinding", "headlamp-web-operators", "headlamp-sso:headlamp:headlamp:operator", "oidc:web-team", "web"),
            b("RoleBinding", "headlamp-shop-admins", "admin", "oidc:staff", "shop"),
            b("RoleBinding", "headlamp-blog-viewers", "view", "oidc:staff", "blog"),
            b("RoleBinding", "other", "edit", "oidc:nobody", "web"),
        ];
        const found = matchBindings(user, bindings, "", "oidc:");
        assert.strictEqual(effectiveRoles(found.matched), "cluster-wide: lists namespaces; namespace blog: viewer; namespace shop: admin; namespace web: operator");
        const outcome = judgeRbac(user, found, "");
        assert.strictEqual(outcome.status, "pass");
        assert.match(outcome.detail, / Effective role: cluster-wide: lists namespaces; namespace blog: viewer; namespace shop: admin; namespace web: operator\.$/);
        // Cluster-wide roles come first; the namespace reader is not named next to a real cluster-wide role.
        const admin = matchBindings(user, [...bindings, b("ClusterRoleBinding", "headlamp-admins", "cluster-admin", "oidc:staff")], "", "oidc:");
        assert.match(effectiveRoles(admin.matched), /^cluster-wide: admin; namespace blog: viewer/);
        assert.strictEqual(effectiveRoles(matchBindings(user, [b("ClusterRoleBinding", "x", "custom-role", "oidc:staff")], "", "oidc:").matched), "cluster-wide: ClusterRole custom-role");
    });

    it("reads the claim settings from K3sOidcApiServer's flags-mode drop-in, and none from structured mode", () => {
        const flags = renderDropIn(resolvePlan({ name: "x", owner: "o", issuerUrl: ISSUER, clientId: "c", usernameClaim: "preferred_username", usernamePrefix: "", groupsPrefix: "" }));
        assert.deepStrictEqual(claimSettingsOf(flags), { usernameClaim: "preferred_username", usernamePrefix: "-", groupsClaim: "groups", groupsPrefix: "" });
        const prefixed = renderDropIn(resolvePlan({ name: "x", owner: "o", issuerUrl: ISSUER, clientId: "c", groupsPrefix: "oidc:" }));
        assert.strictEqual(claimSettingsOf(prefixed).groupsPrefix, "oidc:");
        assert.deepStrictEqual(claimSettingsOf(renderDropIn(resolvePlan({ name: "x", owner: "o", issuerUrl: ISSUER, clientId: "c", mode: "structured" }))), {});
        assert.deepStrictEqual(pickOutputs({ issuerUrl: ISSUER, clientId: 3, headlampUrl: "" }), { issuerUrl: ISSUER, clientId: undefined, headlampUrl: undefined, kubeconfig: undefined, apiServerDropIn: undefined, apiServerInspect: undefined, authentikVersion: undefined });
    });

    it("the stack's kubectl kubeconfig gives the server and CA but no admin credentials (kubelogin is an exec plugin)", () => {
        const text = renderOidcKubeconfig({ name: "n", server: "https://k3s-1:6443", caPem: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n", issuerUrl: ISSUER, clientId: "c", clientSecret: "s", extraScopes: [] });
        const c = parseKubeconfig(text, "/");
        assert.strictEqual(c.server, "https://k3s-1:6443");
        assert.match(c.ca!, /BEGIN CERTIFICATE/);
        assert.ok(c.exec && !hasAdminCredentials(c));
        assert.throws(() => parseKubeconfig("clusters: []\ncontexts: []\n", "/"), /no context/);
    });

    it("--ca-file adds a private CA to Node's bundled ones instead of replacing them (Headlamp may have a public certificate)", () => {
        const pem = "-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----\n";
        const trusted = trustWith(pem)!;
        assert.ok(tls.rootCertificates.length > 0 && tls.rootCertificates.every((c) => trusted.includes(c)));
        assert.strictEqual(trusted[trusted.length - 1], pem);
        assert.strictEqual(trustWith(undefined), undefined, "without --ca-file Node's defaults apply");
    });

    it("report: lines, JSON and exit codes", () => {
        const results = [{ check: "issuer", ...pass("ok.") }, { check: "token", ...fail("bad.", "do this.") }, { check: "rbac", ...skip("no kubeconfig.") }];
        assert.strictEqual(formatLine(results[0], 6), "✔ issuer  ok.");
        assert.strictEqual(formatLine(results[1], 6), "✘ token   bad.\n          fix: do this.");
        assert.strictEqual(formatLine(results[2], 6), "– rbac    skipped: no kubeconfig.");
        assert.deepStrictEqual(JSON.parse(formatJson(results)), [
            { check: "issuer", status: "pass", detail: "ok.", fix: null },
            { check: "token", status: "fail", detail: "bad.", fix: "do this." },
            { check: "rbac", status: "skip", detail: "no kubeconfig.", fix: null },
        ]);
        assert.strictEqual(exitCodeOf(results), 1);
        assert.strictEqual(exitCodeOf([results[0], results[2]]), 0);
    });

    it("the runner: missing inputs skip; a failed `needs` or `after` skips with its name; a skipped `after` does not; a throwing check fails", async () => {
        const inputs = {} as DoctorInputs;
        const c = (name: string, needs: string[], after: string[], run: () => Promise<ReturnType<typeof pass>>, missing?: string): Check => ({ name, needs, after, missing: () => missing, run });
        const results = await runChecks([
            c("a", [], [], () => Promise.resolve(fail("a broke.", "fix a."))),
            c("b", [], ["a"], () => Promise.resolve(pass("b."))),
            c("c", [], [], () => Promise.resolve(pass("c.")), "no input for c."),
            c("d", [], ["c"], () => Promise.resolve(pass("d ran."))),
            c("e", ["c"], [], () => Promise.resolve(pass("e."))),
            c("f", [], [], () => Promise.reject(new Error("boom"))),
        ], inputs);
        assert.deepStrictEqual(results.map((r) => [r.check, r.status, r.detail]), [
            ["a", "fail", "a broke."],
            ["b", "skip", "a failed; fix that first."],
            ["c", "skip", "no input for c."],
            ["d", "pass", "d ran."],
            ["e", "skip", "it needs c, which was skipped."],
            ["f", "fail", "the doctor itself failed: boom"],
        ]);
    });

    it("email_verified must be a JSON boolean when the username claim is email, as kube-apiserver unmarshals it into a Go bool", () => {
        for (const [value, goType] of [["true", "string"], ["True", "string"], [1, "number"], [{}, "object"], [[true], "array"]] as const) {
            const r = judgeClaims({ email: "a@x", email_verified: value, groups: [] }, "email", "groups");
            assert.strictEqual(r.status, "fail", JSON.stringify(value));
            assert.ok(r.detail.includes(`oidc: parse 'email_verified' claim: json: cannot unmarshal ${goType} into Go value of type bool`), r.detail);
            assert.strictEqual(r.fix, EMAIL_VERIFIED_BOOLEAN_FIX);
        }
        assert.match(judgeClaims({ email: "a@x", email_verified: null, groups: [] }, "email", "groups").detail, /null.*oidc: email not verified/);
        assert.strictEqual(emailVerifiedNotBoolean({ email_verified: true }), undefined);
        assert.strictEqual(emailVerifiedNotBoolean({}), undefined);
        assert.strictEqual(judgeClaims({ sub: "x", email_verified: "true", groups: [] }, "sub", "groups").status, "pass", "only the email username makes kube-apiserver read it");
        const p: ProviderView = { pk: 1, name: "h", assignedApplicationSlug: "h", redirectUris: [], mappings: [{ name: "headlamp-email-verified", managed: null, scopeName: "email" }, { name: "p", managed: MANAGED_SCOPES.profile, scopeName: "profile" }] };
        const preview = { email: "a@x", email_verified: "True", groups: ["g"] };
        const bad = judgePreview(p, preview, "email", "groups");
        assert.strictEqual(bad.status, "fail");
        assert.match(bad.detail, /"True" \(a JSON string, not a boolean\).*the mapping "headlamp-email-verified"/);
        assert.strictEqual(judgePreview(p, { ...preview, email_verified: true }, "email", "groups").status, "pass");
        assert.strictEqual(judgePreview(p, preview, "preferred_username", "groups").status, "pass");
    });

    it("scope-mappings and the system settings: users who may change their email fail it only while the email is the username", () => {
        const p: ProviderView = { pk: 1, name: "h", assignedApplicationSlug: "h", redirectUris: [], mappings: [{ name: "e", managed: null, scopeName: "email" }, { name: "p", managed: MANAGED_SCOPES.profile, scopeName: "profile" }] };
        const preview = { email: "a@x", email_verified: true, groups: ["g"] };
        const open = judgePreview(p, preview, "email", "groups", { userChangeEmail: true });
        assert.strictEqual(open.status, "fail");
        assert.match(open.detail, /becomes that Kubernetes user/);
        assert.strictEqual(open.fix, CHANGE_EMAIL_FIX);
        assert.strictEqual(judgePreview(p, undefined, "email", "groups", { userChangeEmail: true }).status, "fail", "also without a preview");
        assert.strictEqual(judgePreview(p, preview, "sub", "groups", { userChangeEmail: true }).status, "pass");
        assert.match(judgePreview(p, preview, "email", "groups", { userChangeEmail: false }).detail, /users may not change their email/);
        assert.match(judgePreview(p, preview, "email", "groups", { unreadable: "HTTP 403" }).detail, /could not be read \(HTTP 403/);
        assert.strictEqual(judgePreview(p, preview, "email", "groups", { unreadable: "HTTP 403" }).status, "pass");
    });

    it("an issuer that differs only in scheme or host is named as a proxy Authentik does not trust, with the headers and AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS", () => {
        assert.deepStrictEqual(differInOrigin(ISSUER.replace("https:", "http:"), ISSUER), { scheme: true, host: false });
        assert.deepStrictEqual(differInOrigin("https://authentik.internal:9443/application/o/headlamp/", ISSUER), { scheme: false, host: true });
        assert.deepStrictEqual(differInOrigin("http://authentik-server:9000/application/o/headlamp/", ISSUER), { scheme: true, host: true });
        assert.strictEqual(differInOrigin(ISSUER, ISSUER), undefined);
        assert.strictEqual(differInOrigin("https://auth.example.com/application/o/other/", ISSUER), undefined);
        assert.strictEqual(differInOrigin("http://auth.example.com/application/o/headlamp", ISSUER), undefined, "the slash differs as well: not only the origin");
        const scheme = judgeIssuer(ISSUER, { issuer: ISSUER.replace("https:", "http:") });
        assert.strictEqual(scheme.status, "fail");
        assert.match(scheme.detail, /only in the scheme \(http instead of https\).*X-Forwarded-Proto.*AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS/);
        assert.match(scheme.fix!, /X-Forwarded-Proto: https.*AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS.*kube-apiserver requires https/);
        const host = judgeIssuer(ISSUER, { issuer: "https://authentik.internal:9443/application/o/headlamp/" });
        assert.match(host.detail, /only in the host \(authentik\.internal:9443 instead of auth\.example\.com\).*X-Forwarded-Host/);
        assert.doesNotMatch(host.detail, /X-Forwarded-Proto/);
        assert.match(host.fix!, /original Host/);
        assert.doesNotMatch(judgeIssuer(ISSUER, { issuer: "https://auth.example.com/application/o/other/" }).detail, /proxy/);
    });

    it("jwks_uri: only https on the issuer's origin", () => {
        assert.strictEqual(judgeJwksUri(`${ISSUER}jwks/`, ISSUER), undefined);
        assert.strictEqual(judgeJwksUri("https://auth.example.com/application/o/headlamp/jwks/", ISSUER), undefined);
        assert.match(judgeJwksUri("http://auth.example.com/application/o/headlamp/jwks/", ISSUER)!.detail, /is not https/);
        assert.match(judgeJwksUri("http://localhost:8080/jwks", ISSUER)!.detail, /is not https/);
        const other = judgeJwksUri("https://keys.example.net/jwks", ISSUER)!;
        assert.strictEqual(other.status, "fail");
        assert.match(other.detail, /on https:\/\/keys\.example\.net, not on the issuer's origin https:\/\/auth\.example\.com/);
        assert.match(judgeJwksUri("https://auth.example.com:8443/jwks", ISSUER)!.detail, /not on the issuer's origin/, "another port is another origin");
        assert.match(judgeJwksUri("not a url", ISSUER)!.detail, /not a URL/);
    });

    describe("what jose refuses besides the doctor's own checks", () => {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k" };
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const claims = { iss: ISSUER, aud: "headlamp", exp: 2_000_000_000 };
        /** A token signed with the JWKS key (RS256), with this header and these claims. */
        const signed = (header: object, payload: object = claims) => {
            const input = `${b64(header)}.${b64(payload)}`;
            return `${input}.${crypto.sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
        };
        const judge = (token: string) => judgeToken(decodeJwt(token), [jwk], ISSUER, "headlamp", 1_000_000_000);

        it("a valid token passes (the baseline of the cases below)", async () => {
            assert.strictEqual((await judge(signed({ alg: "RS256", kid: "k" }))).status, "pass");
        });

        it("an unknown critical header parameter is refused, though the signature verifies", async () => {
            const r = await judge(signed({ alg: "RS256", kid: "k", crit: ["x-must-understand"], "x-must-understand": true }));
            assert.strictEqual(r.status, "fail");
            assert.match(r.detail, /refused: Extension Header Parameter "x-must-understand" is not recognized/);
        });

        it("alg none, with or without a signature, is refused", async () => {
            const none = `${b64({ alg: "none", kid: "k" })}.${b64(claims)}.`;
            const r = await judge(none);
            assert.strictEqual(r.status, "fail");
            assert.match(r.detail, /signed with "none", not RS256/);
            const relabelled = signed({ alg: "none", kid: "k" });
            assert.match((await judge(relabelled)).detail, /signed with "none", not RS256/);
        });

        it("a token not valid yet (nbf in the future) is refused, naming the clocks", async () => {
            const r = await judge(signed({ alg: "RS256", kid: "k" }, { ...claims, nbf: 1_000_000_600 }));
            assert.strictEqual(r.status, "fail");
            assert.match(r.detail, /not valid before 2001-09-09T01:56:40\.000Z \(nbf\), 600 s from now/);
            assert.match(r.fix!, /clock/);
        });

        it("a payload that is not a JSON object is refused without quoting the token", () => {
            const token = signed({ alg: "RS256", kid: "k" }, ["not", "an", "object"]);
            assert.throws(() => decodeJwt(token), (e: Error) => /payload is not base64url-encoded JSON/.test(e.message) && !e.message.includes(token.split(".")[1]));
        });
    });

    it("a token whose iss differs only in scheme from the issuer names the proxy cause too", async () => {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const input = `${b64({ alg: "RS256", kid: "k" })}.${b64({ iss: ISSUER.replace("https:", "http:"), aud: "headlamp", exp: 2_000_000_000 })}`;
        const jwt = `${input}.${crypto.sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
        const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k" };
        const r = await judgeToken(decodeJwt(jwt), [jwk], ISSUER, "headlamp", 1_000_000_000);
        assert.strictEqual(r.status, "fail");
        assert.match(r.detail, /differ only in the scheme \(http instead of https\).*X-Forwarded-Proto/);
        assert.match(r.fix!, /AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS/);
    });
});
