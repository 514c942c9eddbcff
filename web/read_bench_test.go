package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// bigThread is a consultation thread seeded with SQL: a contribution by ana
// with n-1 replies by 50 accounts on other servers and a few local members,
// nested up to eight deep.
type bigThread struct {
	rootID, rootURI, page string
	anaToken              string
	collection            string // path of the thread's ActivityStreams collection
}

func seedThread(tb testing.TB, in *instance, n int) *bigThread {
	tb.Helper()
	ctx := context.Background()
	in.consultation(tb, roundtable.NewConsultation{Slug: "big", Title: "Big", Prompt: "Talk."})
	ana, tok := in.member("ana")
	root, err := in.Store.CreateStatus(ctx, ana, roundtable.NewStatus{Text: "@big A long thread\n\nLet us talk."})
	if err != nil {
		tb.Fatal(err)
	}
	pool := in.Store.Pool()
	var groupID, contextURI string
	if err := pool.QueryRow(ctx, `SELECT group_id, context_uri FROM statuses WHERE id = $1`, root.ID).Scan(&groupID, &contextURI); err != nil {
		tb.Fatal(err)
	}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	authors := []string{ana.ID}
	var accRows [][]any
	for i := 0; i < 50; i++ {
		id := roundtable.NewID(start.Add(time.Duration(i) * time.Millisecond))
		domain := fmt.Sprintf("peer%d.example", i%10)
		accRows = append(accRows, []any{id, fmt.Sprintf("user%d", i), domain,
			fmt.Sprintf("https://%s/users/user%d", domain, i), start, start})
		authors = append(authors, id)
	}
	copyRows(tb, pool, "accounts", []string{"id", "username", "domain", "uri", "created_at", "updated_at"}, accRows)
	ids, owners := []string{root.ID}, []string{ana.ID}
	var rows [][]any
	for i := 1; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		id := roundtable.NewID(at)
		p := len(ids) - 1
		if i%8 == 0 {
			p = (i * 7) % len(ids)
		}
		author := authors[i%len(authors)]
		rows = append(rows, []any{id, author, root.ID, ids[p], owners[p], "public",
			fmt.Sprintf("<p>Reply %d: the crossing by the school needs a light.</p>", i), false, at,
			"https://example.invalid/s/" + id, groupID, contextURI})
		ids, owners = append(ids, id), append(owners, author)
	}
	copyRows(tb, pool, "statuses", []string{"id", "account_id", "thread_id", "in_reply_to_id", "in_reply_to_account_id",
		"visibility", "content", "local", "created_at", "uri", "group_id", "context_uri"}, rows)
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	return &bigThread{rootID: root.ID, rootURI: *root.URI, page: "/@ana/" + root.ID, anaToken: tok,
		collection: strings.TrimPrefix(contextURI, in.URL)}
}

// benchRead runs GET path b.N times and reports the queries per request.
func benchRead(b *testing.B, in *instance, path, token string, check func(*response)) {
	b.Helper()
	check(in.get(path, token))
	q0 := in.Queries.Queries()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := in.get(path, token)
		if r.Status != 200 {
			b.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(in.Queries.Queries()-q0)/float64(b.N), "queries/op")
}

// BenchmarkThreadPage1000 renders the HTML page of a consultation thread
// of 1,000 contributions to a visitor.
func BenchmarkThreadPage1000(b *testing.B) {
	in := newInstance(b)
	th := seedThread(b, in, 1000)
	benchRead(b, in, th.page, "", func(r *response) {
		if r.Status != 200 || strings.Count(string(r.Body), `class="contribution`) != 1000 {
			b.Fatalf("thread page: %d, %d contributions", r.Status, strings.Count(string(r.Body), `class="contribution`))
		}
	})
}

// BenchmarkStatusContext1000 reads the context of the last reply of a
// thread of 1,000 contributions through the client API, signed in.
func BenchmarkStatusContext1000(b *testing.B) {
	in := newInstance(b)
	th := seedThread(b, in, 1000)
	benchRead(b, in, "/api/v1/statuses/"+th.rootID+"/context", th.anaToken, func(r *response) {
		wantStatus(b, r, 200)
		if n := len(r.Object(b)["descendants"].([]any)); n != 999 {
			b.Fatalf("%d descendants", n)
		}
	})
}

// seedStatuses adds n public statuses outside any thread by an account on
// another server.
func seedStatuses(tb testing.TB, in *instance, n int) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	author := roundtable.NewID(start)
	copyRows(tb, in.Store.Pool(), "accounts", []string{"id", "username", "domain", "uri", "created_at", "updated_at"},
		[][]any{{author, "prolific", "busy.example", "https://busy.example/users/prolific", start, start}})
	rows := make([][]any, n)
	for i := range rows {
		at := start.Add(time.Duration(i) * time.Second)
		id := roundtable.NewID(at)
		rows[i] = []any{id, author, id, "public", "<p>Elsewhere</p>", false, at, "https://busy.example/s/" + id}
	}
	copyRows(tb, in.Store.Pool(), "statuses", []string{"id", "account_id", "thread_id", "visibility", "content", "local",
		"created_at", "uri"}, rows)
	if _, err := in.Store.Pool().Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkThreadCollection1000 reads the ActivityStreams collection of a
// consultation thread of 1,000 contributions among 100,000 statuses, as
// another server does.
func BenchmarkThreadCollection1000(b *testing.B) {
	in := newInstance(b)
	th := seedThread(b, in, 1000)
	seedStatuses(b, in, 100_000)
	benchRead(b, in, th.collection, "", func(r *response) {
		wantStatus(b, r, 200)
		if !strings.Contains(string(r.Body), `"totalItems":1000,`) {
			b.Fatalf("the collection: %.300s", r.Body)
		}
	})
}
