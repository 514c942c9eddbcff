package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// The conformance suite: every endpoint a client reads, for local and
// remote data, anonymous and signed-in viewers, each entity checked against
// the fields and types of client-api.md §7 (strict clients fail on one
// missing field). Each entity kind has a checker; each endpoint names the
// kind it returns.

type entityKind string

const (
	kAccount      entityKind = "Account"
	kCredential   entityKind = "CredentialAccount"
	kStatus       entityKind = "Status"
	kNotification entityKind = "Notification"
	kRelationship entityKind = "Relationship"
	kPoll         entityKind = "Poll"
	kContext      entityKind = "Context"
	kSearch       entityKind = "Search"
	kReport       entityKind = "Report"
	kRule         entityKind = "Rule"
	kTag          entityKind = "Tag"
	kMarkerMap    entityKind = "Markers"
	kList         entityKind = "List"
	kFilter       entityKind = "Filter"
	kConversation entityKind = "Conversation"
	kMedia        entityKind = "MediaAttachment"
	kAny          entityKind = "any" // shape checked elsewhere (instance documents)
)

var reportShape = map[string]jsonKind{"id": kString, "action_taken": kBool, "category": kString, "comment": kString,
	"forwarded": kBool, "created_at": kTime, "status_ids": kArray, "rule_ids": kArray, "target_account": kObject}

var ruleShape = map[string]jsonKind{"id": kString, "text": kString}

var credentialShape = map[string]jsonKind{"source": kObject}

var sourceShape = map[string]jsonKind{"privacy": kString, "sensitive": kBool, "note": kString, "fields": kArray,
	"follow_requests_count": kNumber}

// checkEntity checks v as an entity of kind k.
func checkEntity(t *testing.T, what string, k entityKind, v any) {
	t.Helper()
	obj, _ := v.(map[string]any)
	if obj == nil && k != kAny {
		t.Errorf("%s: not a JSON object: %#v", what, v)
		return
	}
	switch k {
	case kAccount:
		checkShape(t, what, obj, accountShape)
	case kCredential:
		checkShape(t, what, obj, accountShape)
		checkShape(t, what, obj, credentialShape)
		if src, ok := obj["source"].(map[string]any); ok {
			checkShape(t, what+".source", src, sourceShape)
		}
	case kStatus:
		checkStatus(t, what, obj)
		if p, ok := obj["poll"].(map[string]any); ok {
			checkShape(t, what+".poll", p, pollShape)
		}
		if r, ok := obj["reblog"].(map[string]any); ok {
			checkEntity(t, what+".reblog", kStatus, r)
		}
		ms, _ := obj["media_attachments"].([]any)
		for i, m := range ms {
			checkEntity(t, fmt.Sprintf("%s.media_attachments[%d]", what, i), kMedia, m)
		}
	case kNotification:
		checkShape(t, what, obj, notificationShape)
		checkEntity(t, what+".account", kAccount, obj["account"])
		switch obj["type"] {
		case "mention", "status", "reblog", "favourite", "poll", "update":
			checkEntity(t, what+".status", kStatus, obj["status"])
		case "follow", "follow_request":
		default:
			t.Errorf("%s: type %v is not one of Mastodon's eight", what, obj["type"])
		}
	case kRelationship:
		checkShape(t, what, obj, relationshipShape)
	case kPoll:
		checkShape(t, what, obj, pollShape)
	case kContext:
		checkShape(t, what, obj, map[string]jsonKind{"ancestors": kArray, "descendants": kArray})
		for _, side := range []string{"ancestors", "descendants"} {
			l, _ := obj[side].([]any)
			for i, s := range l {
				checkEntity(t, fmt.Sprintf("%s.%s[%d]", what, side, i), kStatus, s)
			}
		}
	case kSearch:
		checkShape(t, what, obj, map[string]jsonKind{"accounts": kArray, "statuses": kArray, "hashtags": kArray})
		for key, kind := range map[string]entityKind{"accounts": kAccount, "statuses": kStatus, "hashtags": kTag} {
			l, _ := obj[key].([]any)
			for i, e := range l {
				checkEntity(t, fmt.Sprintf("%s.%s[%d]", what, key, i), kind, e)
			}
		}
	case kReport:
		checkShape(t, what, obj, reportShape)
		checkEntity(t, what+".target_account", kAccount, obj["target_account"])
	case kRule:
		checkShape(t, what, obj, ruleShape)
	case kTag:
		checkShape(t, what, obj, tagShape)
	case kMedia:
		checkShape(t, what, obj, map[string]jsonKind{"id": kString, "type": kString, "url": kURL, "preview_url": kURL,
			"remote_url": kStringOrNull, "meta": kObject, "description": kStringOrNull, "blurhash": kStringOrNull})
	case kMarkerMap:
		for name, m := range obj {
			mo, _ := m.(map[string]any)
			checkShape(t, what+"."+name, mo, map[string]jsonKind{"last_read_id": kString, "version": kNumber, "updated_at": kTime})
		}
	case kList:
		checkShape(t, what, obj, map[string]jsonKind{"id": kString, "title": kString, "replies_policy": kString})
	case kFilter:
		checkShape(t, what, obj, map[string]jsonKind{"id": kString, "title": kString, "context": kArray,
			"expires_at": kTimeOrNull, "filter_action": kString})
	case kConversation:
		checkShape(t, what, obj, map[string]jsonKind{"id": kString, "unread": kBool, "accounts": kArray,
			"last_status": kObjectOrNull})
	}
}

// endpoint is one call of the suite, and what it returns: one entity, or a
// list of them.
type endpoint struct {
	path  string
	kind  entityKind
	list  bool
	token string // "" for anonymous
	some  bool   // the list must not be empty (so that its entities are checked)
}

// conformanceWorld is the data the suite reads: local and remote accounts
// and statuses, a consultation, a poll, a notification, a report.
type conformanceWorld struct {
	alice, bob, erin, group       string // account ids
	aliceTok, bobTok              string
	public, reply, remote, pollID string // status ids; pollID is a poll's id
	pollStatus, private, notifyID string
	tagName                       string
	list, filter, media           string
	withMedia                     string
}

func buildWorld(t *testing.T, in *instance) conformanceWorld {
	t.Helper()
	ctx := context.Background()
	var w conformanceWorld
	alice, aliceTok := in.member("alice")
	bob, bobTok := in.member("bob")
	w.alice, w.bob, w.aliceTok, w.bobTok = alice.ID, bob.ID, aliceTok, bobTok
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience"}); err != nil {
		t.Fatal(err)
	}
	c, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "The river", Facilitators: []string{"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	w.group = c.AccountID
	erin, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{Type: "Person", Username: "erin", Domain: "remote.example",
		URI: "https://remote.example/users/erin", URL: "https://remote.example/@erin", Inbox: "https://remote.example/users/erin/inbox",
		Followers: "https://remote.example/users/erin/followers", PublicKeyPEM: "key", PublicKeyID: "https://remote.example/users/erin#key"})
	if err != nil {
		t.Fatal(err)
	}
	w.erin = erin.ID
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", aliceTok, nil), 200)
	w.tagName = "water"
	pub := postStatus(t, in, bobTok, map[string]any{"status": "@alice the #water is rising", "language": "en"})
	w.public = pub["id"].(string)
	w.reply = postStatus(t, in, aliceTok, map[string]any{"status": "@bob so it is", "in_reply_to_id": w.public})["id"].(string)
	w.private = postStatus(t, in, bobTok, map[string]any{"status": "for followers", "visibility": "private"})["id"].(string)
	ps := postStatus(t, in, bobTok, map[string]any{"status": "Which bank?", "poll": map[string]any{"options": []string{"East", "West"}, "expires_in": 3600}})
	w.pollStatus = ps["id"].(string)
	w.pollID = ps["poll"].(map[string]any)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+w.public+"/favourite", aliceTok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+w.public+"/bookmark", aliceTok, nil), 200)
	rs, err := in.Store.SaveRemoteStatus(ctx, erin, roundtable.RemoteStatus{URI: "https://remote.example/users/erin/statuses/1",
		URL: "https://remote.example/@erin/1", Content: "<p>Hello from afar <script>x</script></p>", Visibility: roundtable.Public,
		Published: time.Now().Add(-time.Hour), Tags: []string{"water"}})
	if err != nil {
		t.Fatal(err)
	}
	w.remote = rs.ID
	// What apps organise reading with: a list, a filter, markers, a
	// followed tag, a direct conversation, a picture, a reblog, a pin.
	w.list = in.postJSON("/api/v1/lists", aliceTok, map[string]any{"title": "Neighbours"}).Object(t)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/lists/"+w.list+"/accounts", aliceTok, map[string]any{"account_ids": []string{bob.ID}}), 200)
	w.filter = in.postJSON("/api/v2/filters", aliceTok, map[string]any{"title": "Floods", "context": []string{"home", "public"},
		"filter_action": "warn", "keywords_attributes": []map[string]any{{"keyword": "rising"}}}).Object(t)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/markers", aliceTok, map[string]any{"home": map[string]any{"last_read_id": w.public}}), 200)
	wantStatus(t, in.postJSON("/api/v1/tags/water/follow", aliceTok, nil), 200)
	postStatus(t, in, bobTok, map[string]any{"status": "@alice between us", "visibility": "direct"})
	r := in.upload("/api/v2/media", aliceTok, "photo.jpg", jpegWithEXIF(t, 64, 48), map[string]string{"description": "A river bank"})
	if r.Status != 200 && r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	w.media = r.Object(t)["id"].(string)
	w.withMedia = postStatus(t, in, aliceTok, map[string]any{"status": "Look", "media_ids": []string{w.media}})["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+w.public+"/reblog", aliceTok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+w.withMedia+"/pin", aliceTok, nil), 200)
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+w.withMedia, aliceTok, map[string]any{"status": "Look again", "media_ids": []string{w.media}}, "application/json"), 200)

	ns := in.get("/api/v1/notifications", bobTok).List(t)
	if len(ns) == 0 {
		t.Fatal("bob has no notification")
	}
	w.notifyID = ns[0]["id"].(string)
	return w
}

// TestConformance calls every endpoint clients read and checks each entity.
func TestConformance(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	w := buildWorld(t, in)
	for _, tok := range []string{"", w.aliceTok} {
		viewer := "anonymous"
		if tok != "" {
			viewer = "alice"
		}
		eps := []endpoint{
			{path: "/api/v1/accounts/" + w.bob, kind: kAccount},
			{path: "/api/v1/accounts/" + w.erin, kind: kAccount},
			{path: "/api/v1/accounts/" + w.group, kind: kAccount},
			{path: "/api/v1/accounts/lookup?acct=bob", kind: kAccount},
			{path: "/api/v1/accounts/" + w.bob + "/statuses", kind: kStatus, list: true, some: true},
			{path: "/api/v1/accounts/" + w.erin + "/statuses", kind: kStatus, list: true, some: true},
			{path: "/api/v1/accounts/" + w.bob + "/followers", kind: kAccount, list: true, some: true},
			{path: "/api/v1/accounts/" + w.alice + "/following", kind: kAccount, list: true},
			{path: "/api/v1/statuses/" + w.public, kind: kStatus},
			{path: "/api/v1/statuses/" + w.remote, kind: kStatus},
			{path: "/api/v1/statuses/" + w.pollStatus, kind: kStatus},
			{path: "/api/v1/statuses/" + w.public + "/context", kind: kContext},
			{path: "/api/v1/statuses/" + w.reply + "/context", kind: kContext},
			{path: "/api/v1/statuses/" + w.public + "/favourited_by", kind: kAccount, list: true, some: true},
			{path: "/api/v1/statuses/" + w.public + "/reblogged_by", kind: kAccount, list: true, some: true},
			{path: "/api/v1/polls/" + w.pollID, kind: kPoll},
			{path: "/api/v1/timelines/public", kind: kStatus, list: true, some: true},
			{path: "/api/v1/timelines/public?local=true", kind: kStatus, list: true},
			{path: "/api/v1/timelines/public?remote=true", kind: kStatus, list: true},
			{path: "/api/v1/timelines/tag/" + w.tagName, kind: kStatus, list: true, some: true},
			{path: "/api/v2/search?q=water", kind: kSearch},
			{path: "/api/v2/search?q=bob&type=accounts", kind: kSearch},
			{path: "/api/v1/instance/rules", kind: kRule, list: true, some: true},
			{path: "/api/v1/instance", kind: kAny},
			{path: "/api/v2/instance", kind: kAny},
			{path: "/api/v1/custom_emojis", kind: kAny, list: true},
			{path: "/api/v1/instance/peers", kind: kAny, list: true},
			{path: "/api/v1/instance/activity", kind: kAny, list: true, some: true},
			{path: "/api/v1/instance/extended_description", kind: kAny},
			{path: "/api/v1/trends/tags", kind: kAny, list: true},
			{path: "/api/v1/announcements", kind: kAny, list: true},
		}
		if tok != "" {
			eps = append(eps,
				endpoint{path: "/api/v1/accounts/verify_credentials", kind: kCredential},
				endpoint{path: "/api/v1/accounts/relationships?id[]=" + w.bob + "&id[]=" + w.erin, kind: kRelationship, list: true, some: true},
				endpoint{path: "/api/v1/statuses/" + w.private, kind: kStatus},
				endpoint{path: "/api/v1/timelines/home", kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/notifications", kind: kNotification, list: true},
				endpoint{path: "/api/v1/bookmarks", kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/favourites", kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/blocks", kind: kAccount, list: true},
				endpoint{path: "/api/v1/mutes", kind: kAccount, list: true},
				endpoint{path: "/api/v1/follow_requests", kind: kAccount, list: true},
				endpoint{path: "/api/v1/lists", kind: kList, list: true, some: true},
				endpoint{path: "/api/v1/lists/" + w.list, kind: kList},
				endpoint{path: "/api/v1/lists/" + w.list + "/accounts", kind: kAccount, list: true, some: true},
				endpoint{path: "/api/v1/accounts/" + w.bob + "/lists", kind: kList, list: true, some: true},
				endpoint{path: "/api/v1/timelines/list/" + w.list, kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v2/filters", kind: kFilter, list: true, some: true},
				endpoint{path: "/api/v2/filters/" + w.filter, kind: kFilter},
				endpoint{path: "/api/v1/filters", kind: kAny, list: true},
				endpoint{path: "/api/v1/markers?timeline[]=home&timeline[]=notifications", kind: kMarkerMap},
				endpoint{path: "/api/v1/conversations", kind: kConversation, list: true, some: true},
				endpoint{path: "/api/v1/followed_tags", kind: kTag, list: true, some: true},
				endpoint{path: "/api/v1/tags/water", kind: kTag},
				endpoint{path: "/api/v1/media/" + w.media, kind: kMedia},
				endpoint{path: "/api/v1/statuses/" + w.withMedia, kind: kStatus},
				endpoint{path: "/api/v1/statuses/" + w.withMedia + "/history", kind: kAny, list: true, some: true},
				endpoint{path: "/api/v1/statuses/" + w.withMedia + "/source", kind: kAny},
				endpoint{path: "/api/v1/statuses?id[]=" + w.public + "&id[]=" + w.withMedia, kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/accounts/" + w.alice + "/statuses?pinned=true", kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/accounts/" + w.alice + "/statuses?only_media=true", kind: kStatus, list: true, some: true},
				endpoint{path: "/api/v1/scheduled_statuses", kind: kAny, list: true},
				endpoint{path: "/api/v1/preferences", kind: kAny},
			)
		}
		for _, ep := range eps {
			ep.token = tok
			t.Run(viewer+" GET "+ep.path, func(t *testing.T) {
				r := in.get(ep.path, ep.token)
				wantStatus(t, r, 200)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
				if ep.list && ep.kind == kAny {
					var l []any
					if err := json.Unmarshal(r.Body, &l); err != nil {
						t.Fatalf("not a JSON array: %s", r.Body)
					}
					if ep.some && len(l) == 0 {
						t.Errorf("empty list: nothing was checked")
					}
					return
				}
				if ep.list {
					l := r.List(t)
					if ep.some && len(l) == 0 {
						t.Errorf("empty list: nothing was checked")
					}
					for i, e := range l {
						checkEntity(t, fmt.Sprintf("%s[%d]", ep.path, i), ep.kind, e)
					}
					return
				}
				checkEntity(t, ep.path, ep.kind, r.Object(t))
			})
		}
	}
	// Bob's notifications (a mention, a favourite, a follow) are all
	// Mastodon types with their status where due.
	for i, n := range in.get("/api/v1/notifications", w.bobTok).List(t) {
		checkEntity(t, fmt.Sprintf("bob's notification %d", i), kNotification, n)
	}
	checkEntity(t, "one notification", kNotification, in.get("/api/v1/notifications/"+w.notifyID, w.bobTok).Object(t))
	// A report's answer.
	r := in.postJSON("/api/v1/reports", w.aliceTok, map[string]any{"account_id": w.erin, "status_ids": []string{w.remote},
		"comment": "spam", "category": "spam"})
	wantStatus(t, r, 200)
	checkEntity(t, "report", kReport, r.Object(t))
	// What a poll vote answers.
	r = in.postJSON("/api/v1/polls/"+w.pollID+"/votes", w.aliceTok, map[string]any{"choices": []string{"0"}})
	wantStatus(t, r, 200)
	checkEntity(t, "vote", kPoll, r.Object(t))
	// What an error looks like.
	r = in.get("/api/v1/statuses/"+url.PathEscape("01M8ZZZZZZZZZZZZZZZZZZZZZZ"), w.aliceTok)
	wantStatus(t, r, 404)
	checkShape(t, "error", r.Object(t), map[string]jsonKind{"error": kString})
}
