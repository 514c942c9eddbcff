package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// inboxServer is a simulated server whose inboxes accept every POST and
// count the requests and the connections they came on.
type inboxServer struct {
	url          string
	posts, conns atomic.Int64
}

func newInboxServer(tb testing.TB) *inboxServer {
	tb.Helper()
	s := &inboxServer{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.posts.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// BenchmarkDeliver measures signing and POSTing a Create to 40 inboxes
// on 4 servers, 4 at a time as the job queue runs them, and reports the
// connections opened and the queries run per delivery.
func BenchmarkDeliver(b *testing.B) {
	in := newBenchInstance(b)
	ctx := context.Background()
	gus, err := in.store.CreateMember(ctx, roundtable.NewMember{Username: "gus", Email: "gus@local.test",
		Password: "password-gus", Approved: true})
	if err != nil {
		b.Fatal(err)
	}
	st, err := in.store.CreateStatus(ctx, gus, roundtable.NewStatus{Text: "The crossing by the school needs a light."})
	if err != nil {
		b.Fatal(err)
	}
	act, _ := json.Marshal(map[string]any{"@context": contextValue, "id": in.url + "/users/gus/statuses/1/activity",
		"type": "Create", "actor": in.url + "/users/gus", "object": map[string]any{"id": in.url + "/users/gus/statuses/1",
			"type": "Note", "content": "<p>The crossing by the school needs a light.</p>"}})
	const hosts, perHost = 4, 10
	servers := make([]*inboxServer, hosts)
	var jobs []DeliverArgs
	for h := range servers {
		servers[h] = newInboxServer(b)
		for i := 0; i < perHost; i++ {
			jobs = append(jobs, DeliverArgs{Inbox: fmt.Sprintf("%s/users/u%d/inbox", servers[h].url, i),
				Activity: act, SignerID: gus.ID, ObjectURI: *st.URI, Type: "Create"})
		}
	}
	q0 := in.queries.Queries()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		next := make(chan DeliverArgs)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for a := range next {
					if err := in.f.deliver(ctx, a); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for _, a := range jobs {
			next <- a
		}
		close(next)
		wg.Wait()
	}
	b.StopTimer()
	var conns, posts int64
	for _, s := range servers {
		conns += s.conns.Load()
		posts += s.posts.Load()
	}
	deliveries := float64(b.N * len(jobs))
	if posts != int64(deliveries) {
		b.Fatalf("%d posts, want %v", posts, deliveries)
	}
	b.ReportMetric(deliveries/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(conns)/deliveries, "conns/delivery")
	b.ReportMetric(float64(in.queries.Queries()-q0)/deliveries, "queries/delivery")
}
