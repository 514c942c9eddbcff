package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// Incoming documents as other servers write them (testdata/payloads, written
// from their documented formats), and what reading them yields.

// fixedKey is the key local actors are made with in tests: a fixed one, so
// that documents with keys are stable.
var fixedKey = sync.OnceValue(func() *rsa.PrivateKey {
	b, err := os.ReadFile(filepath.Join("testdata", "key.pem"))
	if err != nil {
		panic(err)
	}
	k, err := roundtable.ParsePrivateKey(string(b))
	if err != nil {
		panic(err)
	}
	return k
})

// newTestFederator returns a Federator for http://local.test on a fresh
// database; clock may be nil.
func newTestFederator(t *testing.T, clock func() time.Time) (*Federator, *roundtable.Store) {
	t.Helper()
	opts := []roundtable.Option{
		roundtable.WithLinks(roundtable.Links{Base: "http://local.test"}),
		roundtable.WithPasswordParams(roundtable.PasswordParams{Memory: 1024, Time: 1, Threads: 1}),
		roundtable.WithKeyGenerator(func() (*rsa.PrivateKey, error) { return fixedKey(), nil }),
	}
	if clock != nil {
		opts = append(opts, roundtable.WithClock(clock))
	}
	store := roundtable.NewStore(dbtest.Pool(t), opts...)
	return New(Config{Version: "0.1.0", Insecure: true, Now: clock}, store), store
}

func newMember(t *testing.T, s *roundtable.Store, name, display string) *roundtable.Member {
	t.Helper()
	m, err := s.CreateMember(context.Background(), roundtable.NewMember{
		Username: name, Email: name + "@local.test", Password: "password-" + name, DisplayName: display, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// payload reads testdata/payloads/name.json.
func payload(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeObject(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func equalList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func equalTime(t *testing.T, what string, v any, want time.Time) {
	t.Helper()
	if tm := timeOf(v); tm == nil || !tm.Equal(want) {
		t.Errorf("%s: timeOf(%v) = %v, want %v", what, v, tm, want)
	}
}

func TestParseMastodonCreate(t *testing.T) {
	t.Parallel()
	doc := payload(t, "mastodon-create-note")
	equal(t, "type", typeOf(doc), "Create")
	equal(t, "actor", str(doc["actor"]), "https://masto.example/users/erin")
	note := obj(doc["object"])
	if note == nil {
		t.Fatal("no embedded object")
	}
	equal(t, "object id", str(doc["object"]), "https://masto.example/users/erin/statuses/113104")
	equal(t, "object type", typeOf(note), "Note")
	equal(t, "inReplyTo", str(note["inReplyTo"]), "")
	equal(t, "summary", text(note, "summary"), "Rent and housing")
	equal(t, "sensitive", boolean(note["sensitive"]), true)
	equalList(t, "to", strs(note["to"]), []string{publicIRI})
	equalList(t, "cc", strs(note["cc"]), []string{"https://masto.example/users/erin/followers", "http://local.test/users/alice"})
	if c := text(note, "content"); !strings.Contains(c, "refurbishments") {
		t.Errorf("content = %q", c)
	}
	equalTime(t, "published", note["published"], time.Date(2025, 6, 2, 10, 15, 30, 0, time.UTC))
	tags := objects(note["tag"])
	if len(tags) != 2 || typeOf(tags[0]) != "Mention" || typeOf(tags[1]) != "Hashtag" {
		t.Fatalf("tags = %v", tags)
	}
	equal(t, "mention", str(tags[0]), "http://local.test/users/alice")
	equal(t, "hashtag", str(tags[1]["name"]), "#Housing")
	equal(t, "replies", str(note["replies"]), "https://masto.example/users/erin/statuses/113104/replies")
	if err := checkOrigin(doc, str(doc["actor"])); err != nil {
		t.Errorf("checkOrigin: %v", err)
	}

	// Without content, the language map stands in.
	delete(note, "content")
	if c := text(note, "content"); !strings.Contains(c, "refurbishments") {
		t.Errorf("content from contentMap = %q", c)
	}
}

func TestParseGoToSocialNote(t *testing.T) {
	t.Parallel()
	note := payload(t, "gotosocial-note")
	equal(t, "type", typeOf(note), "Note")
	equal(t, "attributedTo", str(note["attributedTo"]), "https://gts.example/users/frank")
	equalList(t, "to", strs(note["to"]), []string{"https://gts.example/users/frank/followers"})
	equalList(t, "cc", strs(note["cc"]), []string{"http://local.test/users/alice"})
	equal(t, "summary", text(note, "summary"), "")
	equalTime(t, "published", note["published"], time.Date(2025, 6, 2, 18, 4, 5, 0, time.UTC))
	// The interaction policy is not read, and does not get in the way.
	if p := obj(note["interactionPolicy"]); p == nil || obj(p["canReply"]) == nil {
		t.Errorf("interactionPolicy = %v", note["interactionPolicy"])
	}
	author := &roundtable.Actor{URI: "https://gts.example/users/frank", Followers: "https://gts.example/users/frank/followers"}
	equal(t, "visibility", visibilityOf(note, author), roundtable.Private)
}

func TestParseLemmyPage(t *testing.T) {
	t.Parallel()
	doc := payload(t, "lemmy-create-page")
	page := obj(doc["object"])
	equal(t, "object type", typeOf(page), "Page")
	equal(t, "audience", str(doc["audience"]), "https://lemmy.example/c/housing")
	equal(t, "object audience", str(page["audience"]), "https://lemmy.example/c/housing")
	equal(t, "name", text(page, "name"), "Proposal: rent cap for new builds & refurbishments")
	equal(t, "language", str(obj(page["language"])["identifier"]), "en")
	equal(t, "attachment", str(page["attachment"]), "https://example.org/report.pdf")
	equalTime(t, "published", page["published"], time.Date(2025, 6, 2, 10, 0, 0, 123456000, time.UTC))
	equalList(t, "to", strs(page["to"]), []string{"https://lemmy.example/c/housing", publicIRI})
	equalList(t, "cc", strs(page["cc"]), nil)
	if !noteTypes[typeOf(page)] {
		t.Error("a Page is not stored")
	}
	author := &roundtable.Actor{URI: "https://lemmy.example/u/carol"} // Lemmy users have no followers collection
	equal(t, "visibility", visibilityOf(page, author), roundtable.Public)
	if err := checkOrigin(doc, "https://lemmy.example/u/carol"); err != nil {
		t.Errorf("checkOrigin: %v", err)
	}
}

func TestParseMbinReply(t *testing.T) {
	t.Parallel()
	note := payload(t, "mbin-reply-note")
	equal(t, "inReplyTo", str(note["inReplyTo"]), "https://lemmy.example/post/55")
	equal(t, "source", str(note["source"]), "Agreed, @carol@lemmy.example. Ten years is the minimum. #rentcap")
	equalTime(t, "published", note["published"], time.Date(2025, 6, 2, 11, 0, 0, 0, time.UTC))
	equal(t, "public", isPublic(note), true)
	author := &roundtable.Actor{URI: "https://mbin.example/u/dave", Followers: "https://mbin.example/u/dave/followers"}
	equal(t, "visibility", visibilityOf(note, author), roundtable.Public)
	var mentions, hashtags []string
	for _, tag := range objects(note["tag"]) {
		switch typeOf(tag) {
		case "Mention":
			mentions = append(mentions, str(tag["href"]))
		case "Hashtag":
			hashtags = append(hashtags, str(tag["name"]))
		}
	}
	equalList(t, "mentions", mentions, []string{"https://lemmy.example/u/carol"})
	equalList(t, "hashtags", hashtags, []string{"#rentcap"})
}

func TestParseMisskeyNote(t *testing.T) {
	t.Parallel()
	note := payload(t, "misskey-note")
	// The HTML content is read, not the MFM source.
	if c := text(note, "content"); !strings.HasPrefix(c, "<p><b>Quoting</b>") {
		t.Errorf("content = %q", c)
	}
	equal(t, "quoteUrl", str(note["quoteUrl"]), "https://masto.example/users/erin/statuses/113104")
	equalTime(t, "published", note["published"], time.Date(2025, 6, 2, 12, 34, 56, 789000000, time.UTC))
	equal(t, "tags", len(objects(note["tag"])), 0)
	// Misskey's "home" visibility: followers in to, Public in cc.
	author := &roundtable.Actor{URI: "https://misskey.example/users/9xk2m4n6p8", Followers: "https://misskey.example/users/9xk2m4n6p8/followers"}
	equal(t, "visibility", visibilityOf(note, author), roundtable.Unlisted)
}

func TestParseNodeBBArticle(t *testing.T) {
	t.Parallel()
	art := payload(t, "nodebb-article")
	equal(t, "type", typeOf(art), "Article")
	equal(t, "name", text(art, "name"), "Tenants' assembly: agenda for June")
	equal(t, "context", str(art["context"]), "https://nodebb.example/topic/310")
	preview := obj(art["preview"])
	equal(t, "preview type", typeOf(preview), "Note")
	if !strings.Contains(text(preview, "content"), "Rent cap proposal") {
		t.Errorf("preview content = %q", text(preview, "content"))
	}
	if timeOf(art["updated"]) != nil {
		t.Errorf("updated null read as %v", timeOf(art["updated"]))
	}
	equalTime(t, "published", art["published"], time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
}

func TestParseSingleValues(t *testing.T) {
	t.Parallel()
	note := payload(t, "single-values-note")
	equal(t, "to", str(note["to"]), "as:Public")
	equalList(t, "to", strs(note["to"]), []string{"as:Public"})
	equalList(t, "cc", strs(note["cc"]), []string{"https://small.example/people/gina/followers"})
	equal(t, "attributedTo", str(note["attributedTo"]), "https://small.example/people/gina")
	equal(t, "attributedTo name", text(obj(note["attributedTo"]), "name"), "Gina")
	equal(t, "inReplyTo", str(note["inReplyTo"]), "https://masto.example/users/erin/statuses/113104")
	equal(t, "url", str(note["url"]), "https://small.example/@gina/77")
	tags := objects(note["tag"])
	if len(tags) != 1 || typeOf(tags[0]) != "Mention" {
		t.Errorf("tag = %v", tags)
	}
	equal(t, "sensitive", boolean(note["sensitive"]), true)
	equalTime(t, "published", note["published"], time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC))
	author := &roundtable.Actor{URI: "https://small.example/people/gina", Followers: "https://small.example/people/gina/followers"}
	equal(t, "visibility", visibilityOf(note, author), roundtable.Public)
	// An embedded attributedTo is still the author for the origin checks.
	create := map[string]any{"id": "https://small.example/activities/77", "type": "Create",
		"actor": "https://small.example/people/gina", "object": note}
	if err := checkOrigin(create, "https://small.example/people/gina"); err != nil {
		t.Errorf("checkOrigin: %v", err)
	}
}

func TestParseHelpers(t *testing.T) {
	t.Parallel()
	equal(t, "str of a list of objects", str([]any{map[string]any{"type": "Link"}, map[string]any{"href": "https://a.example/x"}}), "https://a.example/x")
	equal(t, "str of a number", str(42), "")
	equalList(t, "strs of nil", strs(nil), nil)
	equalList(t, "strs of a mixed list", strs([]any{"https://a.example/1", map[string]any{"id": "https://a.example/2"}, 3, ""}),
		[]string{"https://a.example/1", "https://a.example/2"})
	equal(t, "typeOf a list of types", typeOf(map[string]any{"type": []any{"Person", "schema:Person"}}), "Person")
	equal(t, "typeOf nil", typeOf(nil), "")
	if obj("https://a.example/1") != nil {
		t.Error("obj of an id is not nil")
	}
	if o := obj([]any{map[string]any{"id": "x"}}); str(o) != "x" {
		t.Errorf("obj of a list = %v", o)
	}
	equal(t, "boolean of a string", boolean("TRUE"), true)
	equal(t, "boolean of a number", boolean(1), false)
	for _, bad := range []any{nil, 1700000000, "yesterday", "2025-13-01T00:00:00Z"} {
		if tm := timeOf(bad); tm != nil {
			t.Errorf("timeOf(%v) = %v, want nil", bad, tm)
		}
	}
}

func TestVisibilityOf(t *testing.T) {
	t.Parallel()
	author := &roundtable.Actor{URI: "https://masto.example/users/erin", Followers: "https://masto.example/users/erin/followers"}
	alice := "http://local.test/users/alice"
	tests := []struct {
		name   string
		to, cc any
		want   roundtable.Visibility
	}{
		{"public", []any{publicIRI}, []any{author.Followers}, roundtable.Public},
		{"public, compacted", "as:Public", nil, roundtable.Public},
		{"public, short", []any{"Public"}, nil, roundtable.Public},
		{"unlisted", []any{author.Followers}, []any{publicIRI, alice}, roundtable.Unlisted},
		{"followers-only", []any{author.Followers}, []any{alice}, roundtable.Private},
		{"followers-only, in cc", []any{alice}, []any{author.Followers}, roundtable.Private},
		{"direct", []any{alice}, []any{}, roundtable.Direct},
		{"nobody", nil, nil, roundtable.Direct},
		{"someone else's followers", []any{"https://masto.example/users/other/followers"}, nil, roundtable.Direct},
	}
	for _, tt := range tests {
		note := map[string]any{"type": "Note", "to": tt.to, "cc": tt.cc}
		if got := visibilityOf(note, author); got != tt.want {
			t.Errorf("%s: visibility = %s, want %s", tt.name, got, tt.want)
		}
	}
	equal(t, "direct payload", visibilityOf(payload(t, "mastodon-direct-note"), author), roundtable.Direct)
	// An author without a followers collection has no followers-only posts.
	equal(t, "no followers URL", visibilityOf(map[string]any{"to": []any{author.Followers}}, &roundtable.Actor{}), roundtable.Direct)
}

func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	const erin = "https://masto.example/users/erin"
	note := func(id, by string) map[string]any {
		return map[string]any{"id": id, "type": "Note", "attributedTo": by, "content": "<p>hi</p>"}
	}
	tests := []struct {
		name string
		doc  map[string]any
		want string // "" to accept
	}{
		{"Create on the same host", map[string]any{"id": erin + "/statuses/1/activity", "type": "Create", "actor": erin,
			"object": note(erin+"/statuses/1", erin)}, ""},
		{"host differs in case", map[string]any{"id": "https://MASTO.example/users/erin/statuses/1/activity", "type": "Create", "actor": erin,
			"object": note("https://Masto.Example/users/erin/statuses/1", erin)}, ""},
		{"Delete of an id", map[string]any{"id": erin + "#delete", "type": "Delete", "actor": erin, "object": erin + "/statuses/1"}, ""},
		{"Update of the actor", map[string]any{"id": erin + "#updates/1", "type": "Update", "actor": erin,
			"object": map[string]any{"id": erin, "type": "Person"}}, ""},
		{"Follow of another host", map[string]any{"id": erin + "#follows/1", "type": "Follow", "actor": erin,
			"object": "http://local.test/users/alice"}, ""},
		{"activity on another host", map[string]any{"id": "https://evil.example/activities/1", "type": "Create", "actor": erin,
			"object": note(erin+"/statuses/1", erin)}, "activity https://evil.example/activities/1 is not on the actor's server"},
		{"object on another host", map[string]any{"id": erin + "/statuses/2/activity", "type": "Create", "actor": erin,
			"object": note("https://evil.example/notes/2", erin)}, "object https://evil.example/notes/2 is not on the actor's server"},
		{"Update of an object on another host", map[string]any{"id": erin + "#u", "type": "Update", "actor": erin,
			"object": "https://evil.example/notes/2"}, "not on the actor's server"},
		{"Delete of an object on another host", map[string]any{"id": erin + "#d", "type": "Delete", "actor": erin,
			"object": "https://lemmy.example/post/55"}, "not on the actor's server"},
		{"Note attributed to someone else", map[string]any{"id": erin + "/statuses/3/activity", "type": "Create", "actor": erin,
			"object": note(erin+"/statuses/3", "https://masto.example/users/frank")}, "attributed to https://masto.example/users/frank"},
		{"Create without object", map[string]any{"id": erin + "/statuses/4/activity", "type": "Create", "actor": erin}, "has no object"},
	}
	for _, tt := range tests {
		err := checkOrigin(tt.doc, erin)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: accepted", tt.name)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: error %q does not say %q", tt.name, err, tt.want)
		}
	}
}

func TestActorWithoutContext(t *testing.T) {
	t.Parallel()
	doc := payload(t, "service-actor-no-context")
	if _, err := streams.ToType(context.Background(), doc); err == nil {
		t.Fatal("go-fed resolved a document without @context; withContext is no longer needed")
	}
	typed, err := streams.ToType(context.Background(), withContext(doc))
	if err != nil {
		t.Fatalf("with the context added: %v", err)
	}
	equal(t, "go-fed type", typed.GetTypeName(), "Service")
	if _, ok := doc["@context"]; ok {
		t.Error("withContext changed the document it was given")
	}
}

func TestSaveActorDocs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, nil)
	tests := []struct {
		payload                          string
		username, domain, shared, keyID  string
		locked, bot                      bool
		wantDisplay, wantFollowers, note string
	}{
		{"mastodon-actor", "erin", "masto.example", "https://masto.example/inbox", "https://masto.example/users/erin#main-key",
			false, false, "Erin Walsh :verified:", "https://masto.example/users/erin/followers", "Tenant organiser"},
		{"gotosocial-actor", "frank", "gts.example", "", "https://gts.example/users/frank/main-key",
			true, false, "Frank", "https://gts.example/users/frank/followers", "Housing co-op treasurer."},
		{"service-actor-no-context", "rentwatch", "bots.example", "https://bots.example/inbox", "https://bots.example/actor/rentwatch#key",
			false, true, "Rent watch", "https://bots.example/actor/rentwatch/followers", ""},
	}
	for _, tt := range tests {
		t.Run(tt.payload, func(t *testing.T) {
			doc := payload(t, tt.payload)
			acc, err := f.saveActorDoc(ctx, doc)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "username", acc.Username, tt.username)
			equal(t, "acct", acc.Acct(), tt.username+"@"+tt.domain)
			equal(t, "display name", acc.DisplayName, tt.wantDisplay)
			equal(t, "locked", acc.Locked, tt.locked)
			equal(t, "bot", acc.Bot, tt.bot)
			if !strings.Contains(acc.Note, tt.note) {
				t.Errorf("note = %q, want it to contain %q", acc.Note, tt.note)
			}
			a, err := store.ActorByKeyID(ctx, tt.keyID)
			if err != nil {
				t.Fatalf("actor by key %s: %v", tt.keyID, err)
			}
			equal(t, "account", a.AccountID, acc.ID)
			equal(t, "uri", a.URI, str(doc["id"]))
			equal(t, "inbox", a.Inbox, str(doc["inbox"]))
			equal(t, "shared inbox", a.SharedInbox, tt.shared)
			equal(t, "followers", a.Followers, tt.wantFollowers)
			equal(t, "key", a.PublicKeyPEM, str(obj(doc["publicKey"])["publicKeyPem"]))
			if _, err := parsePublicKey(a.PublicKeyPEM); err != nil {
				t.Errorf("stored key: %v", err)
			}
			equal(t, "private key", a.PrivateKeyPEM, "")
			// Seen again, it is the same account.
			again, err := f.saveActorDoc(ctx, doc)
			if err != nil || again.ID != acc.ID {
				t.Errorf("saved again: %v, %v", again, err)
			}
		})
	}
}

func TestSaveActorDocRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, nil)
	foreign := payload(t, "actor-foreign-inbox")
	stolenKey := payload(t, "mastodon-actor")
	stolenKey["id"] = "https://evil.example/users/erin"
	noKey := payload(t, "gotosocial-actor")
	delete(noKey, "publicKey")
	note := payload(t, "mastodon-direct-note")
	tests := []struct {
		name string
		doc  map[string]any
		want string
	}{
		{"inbox on another host", foreign, "names endpoints on another server (https://masto.example/users/erin/inbox)"},
		{"key of another actor", stolenKey, "has no public key of its own"},
		{"no key", noKey, "has no public key of its own"},
		{"not an actor", note, "is a Note, not an actor"},
	}
	for _, tt := range tests {
		_, err := f.saveActorDoc(ctx, tt.doc)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one saying %q", tt.name, err, tt.want)
		}
		if _, err := store.ActorByURI(ctx, str(tt.doc["id"])); !errors.Is(err, roundtable.ErrNotFound) {
			t.Errorf("%s: stored anyway (%v)", tt.name, err)
		}
	}
}

func TestSaveMastodonNote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, nil)
	alice := newMember(t, store, "alice", "Alice")
	erin, err := f.saveActorDoc(ctx, payload(t, "mastodon-actor"))
	if err != nil {
		t.Fatal(err)
	}
	note := obj(payload(t, "mastodon-create-note")["object"])
	st, err := f.saveNoteBy(ctx, erin, note, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "uri", *st.URI, "https://masto.example/users/erin/statuses/113104")
	equal(t, "url", *st.URL, "https://masto.example/@erin/113104")
	equal(t, "author", st.AccountID, erin.ID)
	equal(t, "visibility", st.Visibility, roundtable.Public)
	equal(t, "sensitive", st.Sensitive, true)
	equal(t, "spoiler", st.SpoilerText, "Rent and housing")
	if st.Language == nil || *st.Language != "en" {
		t.Errorf("language = %v, want en", st.Language)
	}
	if want := time.Date(2025, 6, 2, 10, 15, 30, 0, time.UTC); !st.CreatedAt.Equal(want) {
		t.Errorf("created = %v, want %v", st.CreatedAt, want)
	}
	if strings.Contains(st.Content, "<script") || strings.Contains(st.Content, "pwned") {
		t.Errorf("content kept the script: %s", st.Content)
	}
	if !strings.Contains(st.Content, "refurbishments") || !strings.Contains(st.Content, `href="http://local.test/@alice"`) {
		t.Errorf("content lost its text or links: %s", st.Content)
	}
	if len(st.Mentions) != 1 || st.Mentions[0].ID != alice.ID {
		t.Errorf("mentions = %v, want alice", st.Mentions)
	}
	equalList(t, "tags", st.Tags, []string{"housing"})
	if _, err := f.saveNoteBy(ctx, erin, note, 0, nil); err != nil {
		t.Errorf("saved again: %v", err)
	}
	if n, err := store.StatusByURI(ctx, *st.URI, alice.ID); err != nil || n.ID != st.ID {
		t.Errorf("status by uri: %v, %v", n, err)
	}

	// The direct message reaches alice only.
	dm, err := f.saveNoteBy(ctx, erin, payload(t, "mastodon-direct-note"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "dm visibility", dm.Visibility, roundtable.Direct)
	if _, err := store.StatusByURI(ctx, *dm.URI, ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("anonymous readers see the direct message (%v)", err)
	}
	if _, err := store.StatusByURI(ctx, *dm.URI, alice.ID); err != nil {
		t.Errorf("alice cannot see the direct message: %v", err)
	}
}

func TestSavePageWithTitle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _ := newTestFederator(t, nil)
	carol, err := f.saveActorDoc(ctx, map[string]any{
		"id": "https://lemmy.example/u/carol", "type": "Person", "preferredUsername": "carol",
		"inbox": "https://lemmy.example/u/carol/inbox", "endpoints": map[string]any{"sharedInbox": "https://lemmy.example/inbox"},
		"publicKey": map[string]any{"id": "https://lemmy.example/u/carol#main-key", "owner": "https://lemmy.example/u/carol",
			"publicKeyPem": str(obj(payload(t, "mastodon-actor")["publicKey"])["publicKeyPem"])},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.saveNoteBy(ctx, carol, obj(payload(t, "lemmy-create-page")["object"]), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "<p><strong>Proposal: rent cap for new builds &amp; refurbishments</strong></p><p>The council should cap rents"
	if !strings.HasPrefix(st.Content, want) {
		t.Errorf("content = %q, want it to start with %q", st.Content, want)
	}
	equal(t, "visibility", st.Visibility, roundtable.Public)
}
