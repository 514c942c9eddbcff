// Signs in to a Roundtable instance as masto.js apps do: register an app,
// pass the OAuth consent form with no browser (PKCE S256), and exchange the
// code for a token.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createOAuthAPIClient, createRestAPIClient } from "masto";

export const redirectUri = "http://127.0.0.1/callback";
export const scope = "read write follow push";

export async function signIn(url, username, password) {
  const anonymous = createRestAPIClient({ url });
  const app = await anonymous.v1.apps.create({
    clientName: "masto.js end-to-end",
    redirectUris: redirectUri,
    scopes: scope,
    website: "https://example.org",
  });
  assert.ok(app.clientId && app.clientSecret, "the app has credentials");

  // PKCE: the server must check the verifier against the challenge.
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const authorize = new URL("/oauth/authorize", url);
  for (const [k, v] of Object.entries({
    response_type: "code", client_id: app.clientId, redirect_uri: redirectUri, scope, state,
    code_challenge: challenge, code_challenge_method: "S256",
  })) authorize.searchParams.set(k, v);

  const page = await fetch(authorize);
  assert.equal(page.status, 200, "the consent page opens");
  const html = await page.text();
  const hidden = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    hidden[m[1]] = m[2].replaceAll("&#43;", "+").replaceAll("&amp;", "&");
  }
  assert.equal(hidden.client_id, app.clientId, "the consent form carries the client id");

  const consent = await fetch(new URL("/oauth/authorize", url), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...hidden, username, password, approve: "1" }),
  });
  assert.equal(consent.status, 302, "consent redirects back to the app");
  const back = new URL(consent.headers.get("location"));
  assert.equal(back.searchParams.get("state"), state, "state is echoed");
  const code = back.searchParams.get("code");
  assert.ok(code, "the redirect carries a code");

  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri,
    code,
    scope,
    codeVerifier: verifier,
  });
  assert.ok(token.accessToken, "the code is exchanged for a token");

  return { app, oauth, code, verifier, token };
}
