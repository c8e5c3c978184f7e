import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
import * as utilities from "./utilities";

/** An OAuth2/OpenID Connect provider. (Terraform `authentik_provider_oauth2`.) */
export class ProviderOauth2 extends pulumi.CustomResource {
    /** Gets an existing ProviderOauth2 resource's state with the given name, ID, and optional extra properties. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: ProviderOauth2State, opts?: pulumi.CustomResourceOptions): ProviderOauth2 {
        return new ProviderOauth2(name, <any>state, { ...opts, id: id });
    }

    /** @internal */
    public static readonly __pulumiType = "authentik:index/providerOauth2:ProviderOauth2";

    /** Returns true if the given object is an instance of ProviderOauth2. */
    public static isInstance(obj: any): obj is ProviderOauth2 {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === ProviderOauth2.__pulumiType;
    }

    /** Access codes not valid on or after current time + this value (Format: hours=1;minutes=2;seconds=3). Defaults to `minutes=1`. */
    public readonly accessCodeValidity!: pulumi.Output<string | undefined>;
    /** Tokens not valid on or after current time + this value. Defaults to `minutes=10`. */
    public readonly accessTokenValidity!: pulumi.Output<string | undefined>;
    /** Allowed redirect URIs, each `{matching_mode: "strict"|"regex", url, redirect_uri_type: "authorization"|"logout"}`. */
    public readonly allowedRedirectUris!: pulumi.Output<outputs.ProviderOauth2AllowedRedirectUri[] | undefined>;
    /** Flow used for authentication when the application is accessed by an unauthenticated user. */
    public readonly authenticationFlow!: pulumi.Output<string | undefined>;
    /** Flow used when authorizing this provider. */
    public readonly authorizationFlow!: pulumi.Output<string>;
    /** OAuth2 client id. */
    public readonly clientId!: pulumi.Output<string>;
    /** OAuth2 client secret; generated when not set. */
    public readonly clientSecret!: pulumi.Output<string>;
    /** `confidential` or `public`. Defaults to `confidential`. */
    public readonly clientType!: pulumi.Output<string | undefined>;
    /** Key used to encrypt the tokens (JWE). */
    public readonly encryptionKey!: pulumi.Output<string | undefined>;
    /**
     * Grant types the token endpoint accepts for this client (e.g. `authorization_code`,
     * `refresh_token`); a grant not listed is refused. Computed when not set.
     */
    public readonly grantTypes!: pulumi.Output<string[]>;
    /** Include user claims from scopes in the id_token. Defaults to `true`. */
    public readonly includeClaimsInIdToken!: pulumi.Output<boolean | undefined>;
    /** Flow used ending the session from a provider. */
    public readonly invalidationFlow!: pulumi.Output<string>;
    /** `global` or `per_provider`. Defaults to `per_provider`. */
    public readonly issuerMode!: pulumi.Output<string | undefined>;
    /** Providers whose JWTs are accepted. */
    public readonly jwtFederationProviders!: pulumi.Output<number[] | undefined>;
    /** Sources whose JWTs are accepted. */
    public readonly jwtFederationSources!: pulumi.Output<string[] | undefined>;
    /** `backchannel` or `frontchannel`. */
    public readonly logoutMethod!: pulumi.Output<string | undefined>;
    /** Logout URI. */
    public readonly logoutUri!: pulumi.Output<string | undefined>;
    /** Provider name. */
    public readonly name!: pulumi.Output<string>;
    /** Scope mappings (ids) the provider offers. */
    public readonly propertyMappings!: pulumi.Output<string[] | undefined>;
    /** The Terraform id of the provider. */
    public readonly providerOauth2Id!: pulumi.Output<string>;
    /** When refreshing a token, issue a new refresh token if its remaining validity is below this. */
    public readonly refreshTokenThreshold!: pulumi.Output<string | undefined>;
    /** Refresh tokens not valid on or after current time + this value. Defaults to `days=30`. */
    public readonly refreshTokenValidity!: pulumi.Output<string | undefined>;
    /** Key used to sign the tokens (RS256/ES256); without it tokens are HS256-signed with the client secret. */
    public readonly signingKey!: pulumi.Output<string | undefined>;
    /** What the `sub` claim contains. Defaults to `hashed_user_id`. */
    public readonly subMode!: pulumi.Output<string | undefined>;

    /** Create a ProviderOauth2 resource with the given unique name, arguments, and options. */
    constructor(name: string, args: ProviderOauth2Args, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: ProviderOauth2Args | ProviderOauth2State, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: ProviderOauth2Args | ProviderOauth2State, opts?: pulumi.CustomResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as ProviderOauth2State | undefined;
            resourceInputs["accessCodeValidity"] = state?.accessCodeValidity;
            resourceInputs["accessTokenValidity"] = state?.accessTokenValidity;
            resourceInputs["allowedRedirectUris"] = state?.allowedRedirectUris;
            resourceInputs["authenticationFlow"] = state?.authenticationFlow;
            resourceInputs["authorizationFlow"] = state?.authorizationFlow;
            resourceInputs["clientId"] = state?.clientId;
            resourceInputs["clientSecret"] = state?.clientSecret;
            resourceInputs["clientType"] = state?.clientType;
            resourceInputs["encryptionKey"] = state?.encryptionKey;
            resourceInputs["grantTypes"] = state?.grantTypes;
            resourceInputs["includeClaimsInIdToken"] = state?.includeClaimsInIdToken;
            resourceInputs["invalidationFlow"] = state?.invalidationFlow;
            resourceInputs["issuerMode"] = state?.issuerMode;
            resourceInputs["jwtFederationProviders"] = state?.jwtFederationProviders;
            resourceInputs["jwtFederationSources"] = state?.jwtFederationSources;
            resourceInputs["logoutMethod"] = state?.logoutMethod;
            resourceInputs["logoutUri"] = state?.logoutUri;
            resourceInputs["name"] = state?.name;
            resourceInputs["propertyMappings"] = state?.propertyMappings;
            resourceInputs["providerOauth2Id"] = state?.providerOauth2Id;
            resourceInputs["refreshTokenThreshold"] = state?.refreshTokenThreshold;
            resourceInputs["refreshTokenValidity"] = state?.refreshTokenValidity;
            resourceInputs["signingKey"] = state?.signingKey;
            resourceInputs["subMode"] = state?.subMode;
        } else {
            const args = argsOrState as ProviderOauth2Args | undefined;
            if (args?.authorizationFlow === undefined && !opts.urn) {
                throw new Error("Missing required property 'authorizationFlow'");
            }
            if (args?.clientId === undefined && !opts.urn) {
                throw new Error("Missing required property 'clientId'");
            }
            if (args?.invalidationFlow === undefined && !opts.urn) {
                throw new Error("Missing required property 'invalidationFlow'");
            }
            resourceInputs["accessCodeValidity"] = args?.accessCodeValidity;
            resourceInputs["accessTokenValidity"] = args?.accessTokenValidity;
            resourceInputs["allowedRedirectUris"] = args?.allowedRedirectUris;
            resourceInputs["authenticationFlow"] = args?.authenticationFlow;
            resourceInputs["authorizationFlow"] = args?.authorizationFlow;
            resourceInputs["clientId"] = args?.clientId;
            resourceInputs["clientSecret"] = args?.clientSecret ? pulumi.secret(args.clientSecret) : undefined;
            resourceInputs["clientType"] = args?.clientType;
            resourceInputs["encryptionKey"] = args?.encryptionKey;
            resourceInputs["grantTypes"] = args?.grantTypes;
            resourceInputs["includeClaimsInIdToken"] = args?.includeClaimsInIdToken;
            resourceInputs["invalidationFlow"] = args?.invalidationFlow;
            resourceInputs["issuerMode"] = args?.issuerMode;
            resourceInputs["jwtFederationProviders"] = args?.jwtFederationProviders;
            resourceInputs["jwtFederationSources"] = args?.jwtFederationSources;
            resourceInputs["logoutMethod"] = args?.logoutMethod;
            resourceInputs["logoutUri"] = args?.logoutUri;
            resourceInputs["name"] = args?.name;
            resourceInputs["propertyMappings"] = args?.propertyMappings;
            resourceInputs["providerOauth2Id"] = args?.providerOauth2Id;
            resourceInputs["refreshTokenThreshold"] = args?.refreshTokenThreshold;
            resourceInputs["refreshTokenValidity"] = args?.refreshTokenValidity;
            resourceInputs["signingKey"] = args?.signingKey;
            resourceInputs["subMode"] = args?.subMode;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        const secretOpts = { additionalSecretOutputs: ["clientSecret"] };
        opts = pulumi.mergeOptions(opts, secretOpts);
        super(ProviderOauth2.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** Input properties used for looking up and filtering ProviderOauth2 resources. */
export interface ProviderOauth2State {
    /** Access codes not valid on or after current time + this value (Format: hours=1;minutes=2;seconds=3). Defaults to `minutes=1`. */
    accessCodeValidity?: pulumi.Input<string>;
    /** Tokens not valid on or after current time + this value. Defaults to `minutes=10`. */
    accessTokenValidity?: pulumi.Input<string>;
    /** Allowed redirect URIs, each `{matching_mode: "strict"|"regex", url, redirect_uri_type: "authorization"|"logout"}`. */
    allowedRedirectUris?: pulumi.Input<pulumi.Input<inputs.ProviderOauth2AllowedRedirectUri>[]>;
    /** Flow used for authentication when the application is accessed by an unauthenticated user. */
    authenticationFlow?: pulumi.Input<string>;
    /** Flow used when authorizing this provider. */
    authorizationFlow?: pulumi.Input<string>;
    /** OAuth2 client id. */
    clientId?: pulumi.Input<string>;
    /** OAuth2 client secret; generated when not set. */
    clientSecret?: pulumi.Input<string>;
    /** `confidential` or `public`. Defaults to `confidential`. */
    clientType?: pulumi.Input<string>;
    /** Key used to encrypt the tokens (JWE). */
    encryptionKey?: pulumi.Input<string>;
    /**
     * Grant types the token endpoint accepts for this client (e.g. `authorization_code`,
     * `refresh_token`); a grant not listed is refused. Computed when not set.
     */
    grantTypes?: pulumi.Input<pulumi.Input<string>[]>;
    /** Include user claims from scopes in the id_token. Defaults to `true`. */
    includeClaimsInIdToken?: pulumi.Input<boolean>;
    /** Flow used ending the session from a provider. */
    invalidationFlow?: pulumi.Input<string>;
    /** `global` or `per_provider`. Defaults to `per_provider`. */
    issuerMode?: pulumi.Input<string>;
    /** Providers whose JWTs are accepted. */
    jwtFederationProviders?: pulumi.Input<pulumi.Input<number>[]>;
    /** Sources whose JWTs are accepted. */
    jwtFederationSources?: pulumi.Input<pulumi.Input<string>[]>;
    /** `backchannel` or `frontchannel`. */
    logoutMethod?: pulumi.Input<string>;
    /** Logout URI. */
    logoutUri?: pulumi.Input<string>;
    /** Provider name. */
    name?: pulumi.Input<string>;
    /** Scope mappings (ids) the provider offers. */
    propertyMappings?: pulumi.Input<pulumi.Input<string>[]>;
    /** The Terraform id of the provider. */
    providerOauth2Id?: pulumi.Input<string>;
    /** When refreshing a token, issue a new refresh token if its remaining validity is below this. */
    refreshTokenThreshold?: pulumi.Input<string>;
    /** Refresh tokens not valid on or after current time + this value. Defaults to `days=30`. */
    refreshTokenValidity?: pulumi.Input<string>;
    /** Key used to sign the tokens (RS256/ES256); without it tokens are HS256-signed with the client secret. */
    signingKey?: pulumi.Input<string>;
    /** What the `sub` claim contains. Defaults to `hashed_user_id`. */
    subMode?: pulumi.Input<string>;
}

/** The set of arguments for constructing a ProviderOauth2 resource. */
export interface ProviderOauth2Args {
    /** Access codes not valid on or after current time + this value (Format: hours=1;minutes=2;seconds=3). Defaults to `minutes=1`. */
    accessCodeValidity?: pulumi.Input<string>;
    /** Tokens not valid on or after current time + this value. Defaults to `minutes=10`. */
    accessTokenValidity?: pulumi.Input<string>;
    /** Allowed redirect URIs, each `{matching_mode: "strict"|"regex", url, redirect_uri_type: "authorization"|"logout"}`. */
    allowedRedirectUris?: pulumi.Input<pulumi.Input<inputs.ProviderOauth2AllowedRedirectUri>[]>;
    /** Flow used for authentication when the application is accessed by an unauthenticated user. */
    authenticationFlow?: pulumi.Input<string>;
    /** Flow used when authorizing this provider. */
    authorizationFlow: pulumi.Input<string>;
    /** OAuth2 client id. */
    clientId: pulumi.Input<string>;
    /** OAuth2 client secret; generated when not set. */
    clientSecret?: pulumi.Input<string>;
    /** `confidential` or `public`. Defaults to `confidential`. */
    clientType?: pulumi.Input<string>;
    /** Key used to encrypt the tokens (JWE). */
    encryptionKey?: pulumi.Input<string>;
    /**
     * Grant types the token endpoint accepts for this client (e.g. `authorization_code`,
     * `refresh_token`); a grant not listed is refused. Computed when not set.
     */
    grantTypes?: pulumi.Input<pulumi.Input<string>[]>;
    /** Include user claims from scopes in the id_token. Defaults to `true`. */
    includeClaimsInIdToken?: pulumi.Input<boolean>;
    /** Flow used ending the session from a provider. */
    invalidationFlow: pulumi.Input<string>;
    /** `global` or `per_provider`. Defaults to `per_provider`. */
    issuerMode?: pulumi.Input<string>;
    /** Providers whose JWTs are accepted. */
    jwtFederationProviders?: pulumi.Input<pulumi.Input<number>[]>;
    /** Sources whose JWTs are accepted. */
    jwtFederationSources?: pulumi.Input<pulumi.Input<string>[]>;
    /** `backchannel` or `frontchannel`. */
    logoutMethod?: pulumi.Input<string>;
    /** Logout URI. */
    logoutUri?: pulumi.Input<string>;
    /** Provider name. */
    name?: pulumi.Input<string>;
    /** Scope mappings (ids) the provider offers. */
    propertyMappings?: pulumi.Input<pulumi.Input<string>[]>;
    /** The Terraform id of the provider. */
    providerOauth2Id?: pulumi.Input<string>;
    /** When refreshing a token, issue a new refresh token if its remaining validity is below this. */
    refreshTokenThreshold?: pulumi.Input<string>;
    /** Refresh tokens not valid on or after current time + this value. Defaults to `days=30`. */
    refreshTokenValidity?: pulumi.Input<string>;
    /** Key used to sign the tokens (RS256/ES256); without it tokens are HS256-signed with the client secret. */
    signingKey?: pulumi.Input<string>;
    /** What the `sub` claim contains. Defaults to `hashed_user_id`. */
    subMode?: pulumi.Input<string>;
}
