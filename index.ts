// The deployable program (`pulumi up`): a thin entry over deployHeadlampSso (program/deploy.ts),
// which the `pulumi new` template (templates/headlamp-k3s) calls too. The library
// (components/index.ts) never imports this file.
import { deployHeadlampSso } from "./program/deploy";

const outputs = deployHeadlampSso();

/** Headlamp's URL. */
export const headlampUrl = outputs.headlampUrl;
/** The OIDC issuer the API server and Headlamp trust. */
export const issuerUrl = outputs.issuerUrl;
/** The OAuth2 client id. */
export const clientId = outputs.clientId;
/** A kubeconfig that logs in with `kubectl oidc-login` (secret: it carries the client secret). */
export const kubeconfig = outputs.kubeconfig;
/** The drop-in file written to each K3s server. */
export const apiServerDropIn = outputs.apiServerDropIn;
/** What `headlamp-sso doctor` inspects the K3s servers with: the plan they got, and where (`user@host:port`). */
export const apiServerInspect = outputs.apiServerInspect;
/** The Authentik release the stack is configured for (`authentikVersion`), which the doctor compares with the server's. */
export const authentikVersion = outputs.authentikVersion;
