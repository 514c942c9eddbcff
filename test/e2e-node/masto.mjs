// Drives a Roundtable instance with masto.js, the client library Elk and
// Phanpy are built on: register an app, sign in through the OAuth consent
// form with no browser (PKCE S256), post, and read the home timeline.
//
// Usage: node masto.mjs BASE_URL USERNAME PASSWORD
// Prints one JSON line with what it saw; exits non-zero on any failure.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRestAPIClient } from "masto";
import { redirectUri, scope, signIn } from "./oauth.mjs";

const [url, username, password] = process.argv.slice(2);
if (!url || !username || !password) {
  console.error("usage: node masto.mjs BASE_URL USERNAME PASSWORD");
  process.exit(2);
}
const { app, oauth, code, verifier, token } = await signIn(url, username, password);

const client = createRestAPIClient({ url, accessToken: token.accessToken });
const me = await client.v1.accounts.verifyCredentials();
assert.equal(me.username, username);
const instance = await client.v2.instance.fetch();
assert.match(instance.version, /compatible; Roundtable/);
const text = `Hello from masto.js ${randomBytes(4).toString("hex")}`;
const status = await client.v1.statuses.create({ status: text, visibility: "public" });
assert.equal(status.account.id, me.id);
const home = await client.v1.timelines.home.list({ limit: 20 });
const found = home.find((s) => s.id === status.id);
assert.ok(found, "the new status is in the home timeline");
assert.ok(found.content.includes(text), "its content is the text posted");
const fav = await client.v1.statuses.$select(status.id).favourite();
assert.equal(fav.favourited, true);

// The code works only once.
await assert.rejects(
  oauth.token.create({ grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret, redirectUri, code, scope, codeVerifier: verifier }),
  (err) => err.statusCode === 400,
);

console.log(JSON.stringify({ account: me.id, status: status.id, token: token.accessToken, homeCount: home.length }));
