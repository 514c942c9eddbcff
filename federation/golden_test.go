package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// The exact JSON sent to other servers, against testdata/golden. After an
// intended change, rewrite the files with
//
//	go test ./federation -run Golden -update
//
// and read the diff.

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var goldenTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	aliceURI = "http://local.test/users/alice"
	bobURI   = "https://remote.example/users/bob"
	carolURI = "https://other.example/users/carol"
	statusID = "01JWQ6Z3K8C2V7M4N5P6R7S8T9"
)

func goldenAlice() *roundtable.Actor {
	return &roundtable.Actor{Type: "Person", Username: "alice", URI: aliceURI, URL: "http://local.test/@alice",
		Inbox: aliceURI + "/inbox", SharedInbox: "http://local.test/inbox", Outbox: aliceURI + "/outbox",
		Followers: aliceURI + "/followers", Following: aliceURI + "/following", PublicKeyID: aliceURI + "#main-key"}
}

func goldenBob() *roundtable.Actor {
	domain := "remote.example"
	return &roundtable.Actor{Type: "Person", Username: "bob", Domain: &domain, URI: bobURI, URL: "https://remote.example/@bob",
		Inbox: bobURI + "/inbox", SharedInbox: "https://remote.example/inbox", Followers: bobURI + "/followers"}
}

// goldenNote is a status of alice's that replies to bob and mentions the
// given actors.
func goldenNote(v roundtable.Visibility, mentions ...string) *roundtable.StatusObject {
	o := &roundtable.StatusObject{
		URI: aliceURI + "/statuses/" + statusID, URL: "http://local.test/@alice/" + statusID,
		AuthorURI: aliceURI, AuthorFollowers: aliceURI + "/followers",
		InReplyToURI: bobURI + "/statuses/1", ContextURI: bobURI + "/statuses/1",
		Content: `<p><span class="h-card"><a href="https://remote.example/@bob" class="u-url mention">@<span>bob</span></a></span> ` +
			`the rent cap &amp; refurbishments <a href="http://local.test/tags/housing" class="mention hashtag" rel="tag">#<span>housing</span></a></p>`,
		Language: "en", Visibility: v, Published: goldenTime, Tags: []string{"housing"}, Mentions: []roundtable.ObjectMention{}, Local: true,
	}
	for _, m := range mentions {
		host := hostOf(m)
		o.Mentions = append(o.Mentions, roundtable.ObjectMention{URI: m, Name: "@" + m[strings.LastIndex(m, "/")+1:] + "@" + host})
	}
	return o
}

// pretty is the document as it goes on the wire, indented with sorted keys.
func pretty(t *testing.T, doc map[string]any) []byte {
	t.Helper()
	wire, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(wire))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compareGolden compares doc with testdata/golden/name.json.
func compareGolden(t *testing.T, name string, doc map[string]any) {
	t.Helper()
	got := pretty(t, doc)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (rewrite with -update if intended):\n%s", name, path, firstDifference(got, want))
	}
}

func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}

func TestGoldenActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, func() time.Time { return goldenTime })
	m := newMember(t, store, "alice", "Alice Martin")
	a, err := store.ActorByAccountID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := f.actorDocument(a, &m.Account, nil)
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "actor", doc)
	checkContext(t, doc)
	for _, k := range []string{"tag", "attachment"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s = %#v, want an array", k, doc[k])
		}
	}
	key, ok := doc["publicKey"].(map[string]any)
	if !ok || key["owner"] != doc["id"] || key["id"] != str(doc["id"])+"#main-key" {
		t.Errorf("publicKey = %v", doc["publicKey"])
	}
	if pk, err := parsePublicKey(str(key["publicKeyPem"])); err != nil || !pk.Equal(&fixedKey().PublicKey) {
		t.Errorf("publicKeyPem is not the actor's key (%v)", err)
	}
	if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != "http://local.test/inbox" {
		t.Errorf("endpoints = %v", doc["endpoints"])
	}
}

func TestGoldenNote(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	doc, err := f.objectDocument(goldenNote(roundtable.Public, bobURI))
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "note", doc)
}

func TestGoldenActivities(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	alice, bob := goldenAlice(), goldenBob()
	edited := goldenTime.Add(90 * time.Minute)
	updated := goldenNote(roundtable.Public, bobURI)
	updated.Updated = &edited
	updated.Content = strings.Replace(updated.Content, "rent cap", "rent cap for new builds", 1)
	tests := []struct {
		name string
		out  *roundtable.Outgoing
	}{
		{"create", &roundtable.Outgoing{Kind: roundtable.OutCreate, Actor: alice, Object: withPicture(goldenNote(roundtable.Public, bobURI))}},
		{"update", &roundtable.Outgoing{Kind: roundtable.OutUpdate, Actor: alice, Object: updated}},
		{"delete", &roundtable.Outgoing{Kind: roundtable.OutDelete, Actor: alice, Object: goldenNote(roundtable.Public, bobURI)}},
		{"follow", &roundtable.Outgoing{Kind: roundtable.OutFollow, Actor: alice, Target: bob,
			ActivityID: aliceURI + "#follows/01JWQ70000AAAABBBBCCCCDDDD"}},
		{"undo-follow", &roundtable.Outgoing{Kind: roundtable.OutUndoFollow, Actor: alice, Target: bob,
			ActivityID: aliceURI + "#follows/01JWQ70000AAAABBBBCCCCDDDD"}},
		{"accept", &roundtable.Outgoing{Kind: roundtable.OutAccept, Actor: alice, Target: bob,
			ActivityID: "https://remote.example/0f3c2a9e-7d1b-4f5a-9c8e-123456789abc"}},
		{"like", &roundtable.Outgoing{Kind: roundtable.OutLike, Actor: alice, Target: bob,
			ActivityID: aliceURI + "#likes/01JWQ71111EEEEFFFFGGGGHHHH", ObjectURI: bobURI + "/statuses/1"}},
		{"reblog", &roundtable.Outgoing{Kind: roundtable.OutReblog, Actor: alice, Target: bob,
			ActivityID: aliceURI + "/statuses/01JWQ72222JJJJKKKKMMMMNNNN/activity", ObjectURI: bobURI + "/statuses/1",
			Object: &roundtable.StatusObject{URI: bobURI + "/statuses/1", Visibility: roundtable.Public, Published: goldenTime}}},
		{"undo-reblog", &roundtable.Outgoing{Kind: roundtable.OutUndoReblog, Actor: alice, Target: bob,
			ActivityID: aliceURI + "/statuses/01JWQ72222JJJJKKKKMMMMNNNN/activity", ObjectURI: bobURI + "/statuses/1",
			Object: &roundtable.StatusObject{URI: bobURI + "/statuses/1", Visibility: roundtable.Unlisted, Published: goldenTime}}},
		{"advisory", &roundtable.Outgoing{Kind: roundtable.OutAdvisory, Actor: alice, Advisory: goldenAdvisory()}},
		{"advisory-retract", &roundtable.Outgoing{Kind: roundtable.OutRetractAdvisory, Actor: alice, Advisory: goldenAdvisory()}},
		{"reject-quote", &roundtable.Outgoing{Kind: roundtable.OutRejectQuote, Actor: alice, Target: bob,
			ActivityID: bobURI + "/quote_requests/7", ObjectURI: aliceURI + "/statuses/01JWQ6Z3K8C2V7M4N5P6R7S8T9",
			Instrument: bobURI + "/statuses/2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := f.activityFor(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			checkContext(t, doc)
			checkArrays(t, tt.name, doc)
			compareGolden(t, tt.name, doc)
		})
	}
}

// checkContext asserts the @context every document needs.
func checkContext(t *testing.T, doc map[string]any) {
	t.Helper()
	ctx, ok := doc["@context"].([]any)
	if !ok {
		t.Fatalf("@context = %#v, want an array", doc["@context"])
	}
	for _, want := range []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"} {
		if !slices.Contains(ctx, any(want)) {
			t.Errorf("@context lacks %s", want)
		}
	}
}

// checkArrays asserts that to, cc and tag, wherever they are, are arrays,
// and that no embedded object carries its own @context.
func checkArrays(t *testing.T, path string, m map[string]any) {
	t.Helper()
	for k, v := range m {
		switch k {
		case "to", "cc", "tag", "attachment":
			if _, ok := v.([]any); !ok {
				t.Errorf("%s.%s = %#v, want an array", path, k, v)
			}
		}
		if sub, ok := v.(map[string]any); ok {
			if _, ok := sub["@context"]; ok {
				t.Errorf("%s.%s has its own @context", path, k)
			}
			checkArrays(t, path+"."+k, sub)
		}
	}
}

// arrayOfIDs returns the strings of a property that must be an array.
func arrayOfIDs(t *testing.T, doc map[string]any, key string) []string {
	t.Helper()
	v, ok := doc[key]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%s = %#v, want an array", key, v)
	}
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("%s has %#v, want ids", key, e)
		}
		out = append(out, s)
	}
	return out
}

// TestEmittedAddressing checks the rules the goldens only show once: for
// every visibility and number of mentions, the Note and its Create are
// addressed as Mastodon addresses them.
func TestEmittedAddressing(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	followers := aliceURI + "/followers"
	mentionSets := [][]string{nil, {bobURI}, {bobURI, carolURI}}
	for _, v := range []roundtable.Visibility{roundtable.Public, roundtable.Unlisted, roundtable.Private, roundtable.Direct} {
		for _, mentions := range mentionSets {
			name := fmt.Sprintf("%s with %d mentions", v, len(mentions))
			o := goldenNote(v, mentions...)
			note, err := f.objectDocument(o)
			if err != nil {
				t.Fatal(err)
			}
			create, err := f.activityFor(&roundtable.Outgoing{Kind: roundtable.OutCreate, Actor: goldenAlice(), Object: o})
			if err != nil {
				t.Fatal(err)
			}
			checkContext(t, note)
			checkContext(t, create)
			checkArrays(t, name+": note", note)
			checkArrays(t, name+": create", create)
			if c, ok := note["content"].(string); !ok || c != o.Content {
				t.Errorf("%s: content = %#v, want the HTML as a string", name, note["content"])
			}
			if _, ok := note["tag"]; !ok {
				t.Errorf("%s: no tag", name)
			}
			embedded, _ := create["object"].(map[string]any)
			if embedded["id"] != o.URI || embedded["content"] != o.Content {
				t.Errorf("%s: the Create does not embed the note: %v", name, create["object"])
			}

			var mentioned []string
			for _, tag := range objects(note["tag"]) {
				if typeOf(tag) == "Mention" {
					mentioned = append(mentioned, str(tag["href"]))
				}
			}
			if !slices.Equal(mentioned, mentions) {
				t.Errorf("%s: Mention tags = %q, want %q", name, mentioned, mentions)
			}

			for what, doc := range map[string]map[string]any{"note": note, "create": create} {
				to, cc := arrayOfIDs(t, doc, "to"), arrayOfIDs(t, doc, "cc")
				all := append(slices.Clone(to), cc...)
				for _, m := range mentions {
					if !slices.Contains(all, m) {
						t.Errorf("%s: %s is not addressed to the mentioned %s", name, what, m)
					}
				}
				switch v {
				case roundtable.Public:
					if !slices.Contains(to, publicIRI) || !slices.Contains(cc, followers) {
						t.Errorf("%s: %s to = %q, cc = %q; want Public in to, followers in cc", name, what, to, cc)
					}
				case roundtable.Unlisted:
					if !slices.Contains(cc, publicIRI) || !slices.Contains(to, followers) {
						t.Errorf("%s: %s to = %q, cc = %q; want followers in to, Public in cc", name, what, to, cc)
					}
				case roundtable.Private:
					if !slices.Contains(to, followers) {
						t.Errorf("%s: %s to = %q, want the followers", name, what, to)
					}
					if raw := string(pretty(t, doc)); strings.Contains(raw, publicIRI) || strings.Contains(raw, "as:Public") {
						t.Errorf("%s: %s mentions Public:\n%s", name, what, raw)
					}
				case roundtable.Direct:
					if !slices.Equal(to, mentions) || len(cc) != 0 {
						t.Errorf("%s: %s to = %q, cc = %q; want only the mentioned %q", name, what, to, cc, mentions)
					}
					if raw := string(pretty(t, doc)); strings.Contains(raw, publicIRI) || strings.Contains(raw, followers) {
						t.Errorf("%s: %s names Public or the followers:\n%s", name, what, raw)
					}
				}
			}
		}
	}
}

func goldenAdvisory() *roundtable.Advisory {
	expires := goldenTime.Add(90 * 24 * time.Hour)
	return &roundtable.Advisory{URI: "http://local.test/advisories/01JWQ72222AAAABBBBCCCCDDDD", IssuerURI: "http://local.test/actor",
		Subject: "spam.example", SubjectKind: "domain", Labels: []string{"spam"}, SuggestedAction: roundtable.AdviseLimit,
		Summary: "Waves of spam replies to consultations.", PublishedAt: goldenTime, ExpiresAt: &expires}
}
