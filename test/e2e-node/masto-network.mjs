// Drives two Roundtable instances with masto.js: on A, a member signed in
// through OAuth uploads a picture, posts it with alt text and a poll, and
// listens to their notifications over the streaming WebSocket; a member of
// B votes from B; A's member receives the poll notification when the poll
// ends, then edits the status and deletes it.
//
// Usage: node masto-network.mjs URL_A USER_A PASSWORD_A URL_B TOKEN_B IMAGE POLL_SECONDS
// Prints one JSON line with what it saw; exits non-zero on any failure.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRestAPIClient, createStreamingAPIClient } from "masto";
import { signIn } from "./oauth.mjs";

const [urlA, userA, passwordA, urlB, tokenB, imagePath, pollSeconds] = process.argv.slice(2);
if (!pollSeconds) {
  console.error("usage: node masto-network.mjs URL_A USER_A PASSWORD_A URL_B TOKEN_B IMAGE POLL_SECONDS");
  process.exit(2);
}
const { token } = await signIn(urlA, userA, passwordA);
const a = createRestAPIClient({ url: urlA, accessToken: token.accessToken });
const instance = await a.v2.instance.fetch();
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming,
  accessToken: token.accessToken,
  retry: false,
});
const notifications = streaming.user.notification.subscribe();

const image = await readFile(imagePath);
const media = await a.v2.media.create({
  file: new Blob([image], { type: "image/jpeg" }),
  description: "A river bank at dawn",
});
assert.equal(media.type, "image");
assert.equal(media.description, "A river bank at dawn");
assert.ok(media.url, "the upload has a URL");

const status = await a.v1.statuses.create({
  status: "Which bank should the new path follow?",
  mediaIds: [media.id],
  poll: { options: ["East", "West"], expiresIn: Number(pollSeconds) },
  visibility: "public",
});
assert.equal(status.mediaAttachments.length, 1);
assert.equal(status.mediaAttachments[0].description, "A river bank at dawn");
assert.equal(status.poll.options.length, 2);

// A member of B finds the status on B and votes.
const b = createRestAPIClient({ url: urlB, accessToken: tokenB });
const found = await b.v2.search.list({ q: status.uri, resolve: true, type: "statuses" });
assert.equal(found.statuses.length, 1, "B finds the status");
const onB = found.statuses[0];
assert.equal(onB.mediaAttachments[0].description, "A river bank at dawn", "the alt text reached B");
const vote = await b.v1.polls.$select(onB.poll.id).votes.create({ choices: [1] });
assert.equal(vote.voted, true);

// A's member hears that the poll ended, over the streaming WebSocket.
let pollNotification;
for await (const event of notifications) {
  if (event.event === "notification" && event.payload.type === "poll" && event.payload.status?.id === status.id) {
    pollNotification = event.payload;
    break;
  }
}
notifications.unsubscribe();
streaming.close();
assert.ok(pollNotification, "the poll notification arrived");
assert.equal(pollNotification.status.poll.expired, true);
assert.equal(pollNotification.status.poll.options[1].votesCount, 1, "B's vote counted");

const edited = await a.v1.statuses.$select(status.id).update({
  status: "Which bank should the new path follow? (The poll has ended.)",
  mediaIds: [media.id],
});
assert.ok(edited.editedAt, "the edit is marked");
assert.match(edited.content, /The poll has ended/);
await a.v1.statuses.$select(status.id).remove();
await assert.rejects(a.v1.statuses.$select(status.id).fetch(), (err) => err.statusCode === 404);

console.log(JSON.stringify({ status: status.id, uri: status.uri, media: media.id, mediaURL: media.url, votes: pollNotification.status.poll.votesCount }));
