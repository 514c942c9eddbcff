package federation

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// benchInstance is a Federator serving its routes on a loopback port, on a
// database whose round trips are counted, with an insert-only job queue.
type benchInstance struct {
	f       *Federator
	store   *roundtable.Store
	queries *dbtest.Counter
	url     string
}

func newBenchInstance(tb testing.TB) *benchInstance {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	pool, counter := dbtest.CountingPool(tb)
	store := roundtable.NewStore(pool, roundtable.WithLinks(roundtable.Links{Base: base}),
		roundtable.WithPasswordParams(roundtable.PasswordParams{Memory: 1024, Time: 1, Threads: 1}),
		roundtable.WithKeyGenerator(func() (*rsa.PrivateKey, error) { return fixedKey(), nil }))
	f := New(Config{Version: "0.1.0", Insecure: true}, store)
	workers := river.NewWorkers()
	f.AddWorkers(workers)
	queue, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Workers: workers})
	if err != nil {
		tb.Fatal(err)
	}
	f.SetQueue(queue)
	store.SetPublisher(f)
	r := chi.NewRouter()
	f.Routes(r)
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: r}}
	hs.Start()
	tb.Cleanup(hs.Close)
	return &benchInstance{f: f, store: store, queries: counter, url: base}
}

// remoteActor is a person on a simulated server that serves its actor
// document and counts how often it is fetched.
type remoteActor struct {
	uri, keyID string
	key        *rsa.PrivateKey
	fetches    atomic.Int64
}

func newRemoteActor(tb testing.TB) *remoteActor {
	tb.Helper()
	a := &remoteActor{key: fixedKey()}
	_, pub, err := roundtable.EncodeKeyPair(a.key)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/users/rosa" {
			http.NotFound(w, r)
			return
		}
		a.fetches.Add(1)
		w.Header().Set("Content-Type", "application/activity+json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       a.uri, "type": "Person", "preferredUsername": "rosa",
			"inbox": a.uri + "/inbox", "outbox": a.uri + "/outbox",
			"endpoints": map[string]any{"sharedInbox": srvURL(r) + "/inbox"},
			"publicKey": map[string]any{"id": a.keyID, "owner": a.uri, "publicKeyPem": pub},
		})
	}))
	tb.Cleanup(srv.Close)
	a.uri = srv.URL + "/users/rosa"
	a.keyID = a.uri + "#main-key"
	return a
}

func srvURL(r *http.Request) string { return "http://" + r.Host }

// reply is a Create of a public reply by a to the status inReplyTo.
func (a *remoteActor) reply(n int, inReplyTo, audience string) []byte {
	id := fmt.Sprintf("%s/statuses/%d", a.uri, n)
	doc := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id + "/activity", "type": "Create", "actor": a.uri,
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{audience},
		"object": map[string]any{
			"id": id, "type": "Note", "attributedTo": a.uri, "inReplyTo": inReplyTo, "audience": audience,
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{audience},
			"content":   fmt.Sprintf("<p>Reply number %d: the crossing by the school needs a light, and the bus stop a shelter.</p>", n),
			"published": time.Now().UTC().Format(time.RFC3339),
		},
	}
	b, _ := json.Marshal(doc)
	return b
}

// signed returns a request of body, signed by a, to the shared inbox of in.
func (a *remoteActor) signed(tb testing.TB, in *benchInstance, body []byte) *http.Request {
	req, err := http.NewRequest(http.MethodPost, in.url+"/inbox", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signRequest(req, a.keyID, a.key, body, time.Now()); err != nil {
		tb.Fatal(err)
	}
	return req
}

// post sends body, signed by a, to the shared inbox of in.
func (a *remoteActor) post(tb testing.TB, client *http.Client, in *benchInstance, body []byte) int {
	return send(tb, client, a.signed(tb, in, body))
}

// send sends req and returns the status of the answer.
func send(tb testing.TB, client *http.Client, req *http.Request) int {
	res, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// consultationThread opens a consultation with a contribution and returns
// the contribution's URI and the consultation's Group URI.
func consultationThread(tb testing.TB, s *roundtable.Store) (string, string) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range []string{"fay", "gus"} {
		if _, err := s.CreateMember(ctx, roundtable.NewMember{Username: name, Email: name + "@local.test",
			Password: "password-" + name, Approved: true}); err != nil {
			tb.Fatal(err)
		}
	}
	c, err := s.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "River", Facilitators: []string{"fay"}})
	if err != nil {
		tb.Fatal(err)
	}
	gus, err := s.MemberByUsername(ctx, "gus")
	if err != nil {
		tb.Fatal(err)
	}
	st, err := s.CreateStatus(ctx, gus, roundtable.NewStatus{Text: "@river Crossings\nWhere should the new crossings go?"})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := s.Account(ctx, c.AccountID)
	if err != nil {
		tb.Fatal(err)
	}
	return *st.URI, g.URI
}

// BenchmarkInboxCreateReply measures a signed Create of a reply into a
// consultation thread, POSTed to the shared inbox by an actor whose key the
// instance fetched on the first request: accepted and stored with its
// processing job.
func BenchmarkInboxCreateReply(b *testing.B) {
	in := newBenchInstance(b)
	parent, group := consultationThread(b, in.store)
	rosa := newRemoteActor(b)
	client := &http.Client{}
	if code := rosa.post(b, client, in, rosa.reply(0, parent, group)); code != http.StatusAccepted {
		b.Fatalf("first reply answered %d", code)
	}
	// Signing is the sender's work: done before the clock starts.
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = rosa.signed(b, in, rosa.reply(i+1, parent, group))
	}
	q0, f0 := in.queries.Queries(), rosa.fetches.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := send(b, client, reqs[i]); code != http.StatusAccepted {
			b.Fatalf("reply %d answered %d", i, code)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(in.queries.Queries()-q0)/float64(b.N), "queries/op")
	b.ReportMetric(float64(rosa.fetches.Load()-f0)/float64(b.N), "keyfetches/op")
}

// BenchmarkInboxProcessReply measures the processing job of a recorded
// Create of a reply into a consultation thread: storing the contribution.
func BenchmarkInboxProcessReply(b *testing.B) {
	in := newBenchInstance(b)
	parent, group := consultationThread(b, in.store)
	rosa := newRemoteActor(b)
	ctx := context.Background()
	if _, err := in.f.accountByURI(ctx, rosa.uri); err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = rosa.reply(i+1, parent, group)
	}
	q0 := in.queries.Queries()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		doc, err := decodeObject(bodies[i])
		if err != nil {
			b.Fatal(err)
		}
		if err := in.f.process(ctx, doc, bodies[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(in.queries.Queries()-q0)/float64(b.N), "queries/op")
}
