// Headlamp on K3s behind Authentik single sign-on: the headlamp-sso program, run in this project.
// deployHeadlampSso reads this stack's config (the keys `pulumi new` asked for, everything else
// at its default), wires Authentik, the K3s API servers and the Headlamp release, and returns the
// outputs exported below. The same function is the headlamp-sso repository's own program.
import { deployHeadlampSso } from "headlamp-sso/program";

const outputs = deployHeadlampSso();

/** Headlamp's URL: open it and log in with Authentik. */
export const headlampUrl = outputs.headlampUrl;
/** The OIDC issuer the API server and Headlamp trust. */
export const issuerUrl = outputs.issuerUrl;
/** The OAuth2 client id. */
export const clientId = outputs.clientId;
/** A kubeconfig that logs in through Authentik with `kubectl oidc-login` (secret). */
export const kubeconfig = outputs.kubeconfig;
/** The drop-in file written to each K3s server. */
export const apiServerDropIn = outputs.apiServerDropIn;
/** What `npx headlamp-sso doctor` inspects the K3s servers with: the plan they got, and where. */
export const apiServerInspect = outputs.apiServerInspect;
/** The Authentik release the stack is configured for (`authentikVersion`), which the doctor compares with the server's. */
export const authentikVersion = outputs.authentikVersion;
