// Authentik versions and the no-drift rule, held against what a real Authentik 2025.12.4 and the
// real Terraform provider 2026.5.0 did (tests/fixtures/authentik-2025.12.4/): AuthentikOidcApp's
// resources, run under mocks with the args of that recorded run, give the request bodies the
// provider sent (components/authentik/requests.ts), minus exactly the fields that release drops;
// and for each release's schema, every key sent is one that release stores and reads back, which
// is what makes a second `pulumi up` a no-op.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AuthentikOidcApp, AuthentikOidcAppArgs } from "../components";
import { applicationRequest, FILLED_IN_WITHOUT_DIFF, policyBindingRequest, providerOauth2Request, scopeMappingRequest } from "../components/authentik/requests";
import type { ApplicationInputs, PolicyBindingInputs, ProviderOauth2Inputs, ScopeMappingInputs } from "../components/authentik/requests";
import { AUTHENTIK_DEFAULTS, validateAuthentikArgs } from "../components/authentik/settings";
import { AUTHENTIK_MIN_VERSION, AUTHENTIK_NEWEST_VERSION, VERSION_SUPPORT, authentikApiFields, parseAuthentikVersion, versionSupport } from "../components/authentik/versions";
import { CapturedWarnings, MockHarness, captureWarnings, errorOf, valueOf } from "./harness";

const FIXTURES = path.join(__dirname, "fixtures", "authentik-2025.12.4");
const readJson = (file: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));

interface RecordedRequest { n: number; method: string; path: string; request_body: Record<string, any>; status: number }
const up = readJson("terraform/up.json") as { requests: RecordedRequest[] };
const noopUp = readJson("terraform/noop-up.json") as { requests: RecordedRequest[]; diff_reasons: { preview_steps: { urn: string; diffReasons: string[] }[] } };
const fields = readJson("fields-by-version.json") as { versions: Record<string, { schemas: Record<string, { property_names: string[] }> }> };

/** The body the provider POSTed to a path in the recorded first `pulumi up`. */
function posted(p: string): Record<string, any> {
    const found = up.requests.filter((r) => r.method === "POST" && r.path === p);
    assert.strictEqual(found.length, 1, `one POST ${p} recorded`);
    return found[0].request_body;
}

/** The args AuthentikOidcApp had in the recorded run (fixtures README). */
const RECORDED_ARGS: AuthentikOidcAppArgs = {
    authentikUrl: "https://127.0.0.1:9443",
    slug: "hl-2118499d8b",
    displayName: "Headlamp 2118499d8b",
    redirectUris: ["https://headlamp.example.test/oidc-callback", "http://localhost:8000", "http://localhost:18000"],
    launchUrl: "https://headlamp.example.test/",
    accessGroups: ["k8s-users-2118499d8b"],
};

const T = {
    provider: "authentik:index/providerOauth2:ProviderOauth2",
    app: "authentik:index/application:Application",
    mapping: "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope",
    binding: "authentik:index/policyBinding:PolicyBinding",
};

/** Keys whose values are ids of the Authentik instance (the mocks' ids differ from the recorded ones). */
const ID_KEYS = ["authentication_flow", "authorization_flow", "invalidation_flow", "signing_key", "property_mappings", "provider", "group", "target"];

/** `ours` with the recorded instance's ids, after checking each id key is in both with the same shape. */
function withRecordedIds(ours: Record<string, any>, recorded: Record<string, any>): Record<string, any> {
    const out = { ...ours };
    for (const key of ID_KEYS.filter((k) => k in recorded || k in ours)) {
        assert.ok(key in ours && key in recorded, `${key} is sent by both`);
        assert.strictEqual(typeof ours[key], typeof recorded[key], `${key} has the recorded type`);
        if (Array.isArray(recorded[key])) {
            assert.strictEqual(ours[key].length, recorded[key].length, `${key} has as many entries as recorded`);
        }
        out[key] = recorded[key];
    }
    return out;
}

/** Every request body the component's resources make the provider send, for these args. */
async function requestsOf(args: AuthentikOidcAppArgs): Promise<{ provider: Record<string, any>; application: Record<string, any>; mapping: Record<string, any>; binding: Record<string, any>; providerInputs: ProviderOauth2Inputs }> {
    const h = await MockHarness.install();
    const app = new AuthentikOidcApp("sso", args);
    await valueOf(app.applicationUuid);
    await h.settle();
    h.assertNoUnknownInvokes();
    const providerInputs = h.one(T.provider).inputs as ProviderOauth2Inputs;
    return {
        provider: providerOauth2Request(providerInputs),
        application: applicationRequest(h.one(T.app).inputs as ApplicationInputs),
        mapping: scopeMappingRequest(h.one(T.mapping).inputs as ScopeMappingInputs),
        binding: policyBindingRequest(h.one(T.binding).inputs as PolicyBindingInputs),
        providerInputs,
    };
}

/** A recorded body without the fields Authentik 2026.5 added (what a 2025.12 stores). */
function without2026Fields(body: Record<string, any>): Record<string, any> {
    const rest = { ...body };
    delete rest.grant_types;
    return { ...rest, redirect_uris: (body.redirect_uris as Record<string, string>[]).map(({ redirect_uri_type: _t, ...r }) => r) };
}

describe("Authentik versions", () => {
    let captured: CapturedWarnings;
    beforeEach(() => {
        captured = captureWarnings();
    });
    afterEach(() => captured.restore());

    describe("the provider's requests, against the recorded run", () => {
        it("for 2026.5 are exactly what the provider sent (grant types and redirect URI types included)", async () => {
            const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2026.5" });
            const recorded = posted("/api/v3/providers/oauth2/");
            assert.deepStrictEqual(withRecordedIds(ours.provider, recorded), recorded);
            assert.deepStrictEqual(ours.provider.grant_types, ["authorization_code", "refresh_token"], "2026.5 restricts grant types");
            const application = posted("/api/v3/core/applications/");
            assert.deepStrictEqual(withRecordedIds(ours.application, application), application);
            assert.deepStrictEqual(ours.mapping, posted("/api/v3/propertymappings/provider/scope/"));
            const binding = posted("/api/v3/policies/bindings/");
            assert.deepStrictEqual(withRecordedIds(ours.binding, binding), binding);
        });

        it("for 2026.5 an update sends what the recorded no-op up PUT (the secret read back)", async () => {
            const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2026.5" });
            const put = noopUp.requests.filter((r) => r.method === "PUT");
            assert.strictEqual(put.length, 1);
            const recorded = put[0].request_body;
            assert.deepStrictEqual(withRecordedIds(providerOauth2Request(ours.providerInputs, "<redacted>"), recorded), recorded);
        });

        it("for 2025.12 are the recorded ones without grant_types and redirect_uri_type, the two fields of the recorded perpetual diff", async () => {
            const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2025.12.4" });
            const recorded = posted("/api/v3/providers/oauth2/");
            assert.deepStrictEqual(withRecordedIds(ours.provider, recorded), without2026Fields(recorded));
            assert.ok(!("grant_types" in ours.provider));
            assert.deepStrictEqual(ours.providerInputs.allowedRedirectUris.map((r) => Object.keys(r).sort()), [["matching_mode", "url"], ["matching_mode", "url"], ["matching_mode", "url"]]);
            // The recorded no-op up showed an update for exactly these two inputs.
            const step = noopUp.diff_reasons.preview_steps.find((s) => s.urn.endsWith("::sso-provider"))!;
            assert.deepStrictEqual([...step.diffReasons].sort(), ["allowedRedirectUris", "grantTypes"]);
            assert.ok(!("grantTypes" in ours.providerInputs), "grantTypes is not set, so the provider computes it");
            // The application: the recorded one (2025.12 stores meta_icon; meta_hide is the provider's own, argued in requests.ts).
            const application = posted("/api/v3/core/applications/");
            assert.deepStrictEqual(withRecordedIds(ours.application, application), application);
        });

        it("for 2025.12 match what the real 2025.12.4 read back: the provider's redirect URIs, and no grant_types", async () => {
            const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2025.12" });
            const readBack = readJson("api/provider-oauth2.json").body;
            assert.deepStrictEqual(ours.provider.redirect_uris, readBack.redirect_uris);
            assert.ok(!("grant_types" in readBack));
            for (const key of Object.keys(ours.provider).filter((k) => !ID_KEYS.includes(k) && k !== "client_secret")) {
                assert.deepStrictEqual(ours.provider[key], readBack[key], `${key} reads back as sent`);
            }
        });
    });

    describe("per release schema (fields-by-version.json)", () => {
        const releases = Object.keys(fields.versions);
        it("covers the releases the README names, oldest to 2026.5", () => {
            assert.deepStrictEqual(releases, ["2025.10.0", "2025.12.4", "2026.2.0", "2026.5.0", "2026.5.6"]);
        });

        for (const release of releases) {
            it(`${release}: the version table says which fields the schema has`, () => {
                const s = fields.versions[release].schemas;
                const api = authentikApiFields(release);
                assert.strictEqual(api.grantTypes, s.OAuth2ProviderRequest.property_names.includes("grant_types"), "grant_types");
                assert.strictEqual(api.grantTypes, s.OAuth2Provider.property_names.includes("grant_types"), "grant_types read back");
                assert.strictEqual(api.redirectUriType, s.RedirectURIRequest.property_names.includes("redirect_uri_type"), "redirect_uri_type");
                assert.strictEqual(api.redirectUriType, s.RedirectURI.property_names.includes("redirect_uri_type"), "redirect_uri_type read back");
                assert.strictEqual(api.metaIcon, s.ApplicationRequest.property_names.includes("meta_icon"), "meta_icon");
            });

            it(`${release}: every key sent is one the release stores and reads back (no drift on a second up)`, async () => {
                const s = fields.versions[release].schemas;
                const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: release });
                const check = (body: Record<string, any>, request: string, response: string | undefined) => {
                    for (const key of Object.keys(body)) {
                        if (FILLED_IN_WITHOUT_DIFF.includes(key)) {
                            continue;
                        }
                        assert.ok(s[request].property_names.includes(key), `${release} ${request} has ${key}`);
                        if (response !== undefined) {
                            assert.ok(s[response].property_names.includes(key), `${release} ${response} reads ${key} back`);
                        }
                    }
                };
                // client_secret is write-only in the request schema and read back in the provider.
                check(ours.provider, "OAuth2ProviderRequest", "OAuth2Provider");
                for (const uri of ours.provider.redirect_uris) {
                    check(uri, "RedirectURIRequest", "RedirectURI");
                }
                check(ours.application, "ApplicationRequest", "Application");
                check(ours.mapping, "ScopeMappingRequest", "ScopeMapping");
                check(ours.binding, "PolicyBindingRequest", undefined);
                // The restriction of grant types stays on wherever the release has it.
                assert.deepStrictEqual(ours.provider.grant_types, s.OAuth2ProviderRequest.property_names.includes("grant_types") ? AUTHENTIK_DEFAULTS.grantTypes : undefined);
            });
        }

        it(`${AUTHENTIK_NEWEST_VERSION} is sent what 2026.5 is sent`, async () => {
            const newest = await requestsOf({ ...RECORDED_ARGS, authentikVersion: AUTHENTIK_NEWEST_VERSION });
            const r2026 = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2026.5.6" });
            assert.deepStrictEqual(newest.provider, r2026.provider);
            assert.deepStrictEqual(newest.application, r2026.application);
        });
    });

    describe("without authentikVersion", () => {
        it("sends what it always sent (2026.5's fields), and warns how to stop the drift on older releases", async () => {
            const ours = await requestsOf(RECORDED_ARGS);
            const recorded = posted("/api/v3/providers/oauth2/");
            assert.deepStrictEqual(withRecordedIds(ours.provider, recorded), recorded);
            const warning = captured.messages.find((m) => m.includes("authentikVersion is not set"));
            assert.ok(warning, `warned: ${JSON.stringify(captured.messages)}`);
            assert.match(warning, /every pulumi up then shows an update/);
            assert.match(warning, /Set authentikVersion to your Authentik's release \(e\.g\. "2025\.12"/);
        });

        it("does not warn when it is set", async () => {
            await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2025.12" });
            assert.deepStrictEqual(captured.messages.filter((m) => m.includes("authentikVersion")), []);
        });
    });

    describe("2025.10", () => {
        it("sends no icon (its API cannot set one), so the read-back icon matches", async () => {
            const ours = await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2025.10" });
            assert.ok(!("meta_icon" in ours.application));
            assert.ok(!fields.versions["2025.10.0"].schemas.ApplicationRequest.property_names.includes("meta_icon"));
        });
    });

    describe("validation", () => {
        const base = { authentikUrl: "https://auth.example.com", slug: "headlamp", redirectUris: ["https://h.example.com/oidc-callback"] };
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["a version that is not YYYY.M[.P]", { authentikVersion: "v2025.12" }, /authentikVersion: "v2025\.12" is not an Authentik release; write it as YYYY\.M or YYYY\.M\.P/],
            ["a release candidate", { authentikVersion: "2026.5.0-rc1" }, /authentikVersion: "2026\.5\.0-rc1" is not an Authentik release/],
            ["month 13", { authentikVersion: "2025.13" }, /authentikVersion: "2025\.13" is not an Authentik release/],
            ["2026.1, 2026.10 unquoted in YAML", { authentikVersion: "2026.1" }, /authentikVersion: "2026\.1" is not an Authentik release \(they come out in even months\); if you meant "2026\.10", quote it/],
            ["a release older than 2025.10", { authentikVersion: "2025.8.3" }, /authentikVersion: "2025\.8\.3" is older than Authentik 2025\.10, the oldest release headlamp-sso supports.*upgrade Authentik to 2025\.10 or newer/],
            ["grant types for a release without them", { authentikVersion: "2026.2", grantTypes: ["authorization_code"] }, /grantTypes: is set, but Authentik 2026\.2 \(authentikVersion\) has no grant types on its providers: they arrived in 2026\.5.*remove grantTypes/],
            ["an icon for 2025.10", { authentikVersion: "2025.10.2", icon: "https://h.example.com/icon.svg" }, /icon: is set, but Authentik 2025\.10\.2 \(authentikVersion\) cannot set an application's icon URL through its API \(meta_icon arrived in 2025\.12\)/],
        ];
        for (const [what, extra, message] of cases) {
            it(`refuses ${what}, naming the field and the fix`, () => {
                const problems = validateAuthentikArgs({ ...base, ...extra });
                assert.match(problems.format("AuthentikOidcApp \"sso\""), message);
            });
        }

        it("accepts every supported form", () => {
            for (const v of ["2025.10", "2025.12.4", "2026.2.0", "2026.5", "2026.8.1", "2027.2"]) {
                assert.ok(validateAuthentikArgs({ ...base, authentikVersion: v }).ok, v);
            }
            assert.ok(validateAuthentikArgs({ ...base, authentikVersion: "2026.5", grantTypes: ["authorization_code"], icon: "https://h.example.com/i.svg" }).ok);
        });

        it("creates nothing on a bad version", async () => {
            const h = await MockHarness.install();
            const err = await errorOf(() => new AuthentikOidcApp("sso", { ...base, authentikVersion: "2024.12" }));
            assert.match(err.message, /authentikVersion: "2024\.12" is older than Authentik 2025\.10/);
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });

        it("orders releases and places them against the supported range", () => {
            assert.strictEqual(versionSupport(parseAuthentikVersion("2025.9.9")!), VERSION_SUPPORT.tooOld);
            assert.strictEqual(versionSupport(parseAuthentikVersion(AUTHENTIK_MIN_VERSION)!), VERSION_SUPPORT.supported);
            assert.strictEqual(versionSupport(parseAuthentikVersion("2026.8.3")!), VERSION_SUPPORT.supported);
            assert.strictEqual(versionSupport(parseAuthentikVersion("2026.9")!), VERSION_SUPPORT.newer);
            assert.strictEqual(versionSupport(parseAuthentikVersion("2027.1")!), VERSION_SUPPORT.newer);
        });

        it("warns that a release newer than the newest checked is treated like it", async () => {
            await requestsOf({ ...RECORDED_ARGS, authentikVersion: "2027.2" });
            assert.ok(captured.messages.some((m) => /authentikVersion "2027\.2" is newer than Authentik 2026\.8/.test(m)), JSON.stringify(captured.messages));
        });
    });
});
