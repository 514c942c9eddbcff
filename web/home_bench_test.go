package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable"
)

// BenchmarkHomeTimeline measures GET /api/v1/timelines/home?limit=40 for a
// member who follows 200 accounts, with 100,000 statuses in the database
// by 20,000 accounts (those it follows among them) and 2,000 reblogs.
func BenchmarkHomeTimeline(b *testing.B) {
	in := newInstance(b)
	_, tok := in.member("reader")
	ctx := context.Background()
	pool := in.Store.Pool()
	var readerID string
	if err := pool.QueryRow(ctx, `SELECT id FROM accounts WHERE username = 'reader'`).Scan(&readerID); err != nil {
		b.Fatal(err)
	}
	const accounts, followed, statuses, reblogs = 20_000, 200, 100_000, 2_000
	start := time.Now().Add(-statuses * time.Minute)
	ids := make([]string, accounts)
	var accRows, followRows [][]any
	for i := range ids {
		ids[i] = roundtable.NewID(start.Add(time.Duration(i) * time.Millisecond))
		domain := fmt.Sprintf("peer%d.example", i%50)
		accRows = append(accRows, []any{ids[i], fmt.Sprintf("user%d", i), domain,
			fmt.Sprintf("https://%s/users/user%d", domain, i), start, start})
		if i < followed {
			followRows = append(followRows, []any{roundtable.NewID(start), readerID, ids[i], true, start})
		}
	}
	copyRows(b, pool, "accounts", []string{"id", "username", "domain", "uri", "created_at", "updated_at"}, accRows)
	copyRows(b, pool, "follows", []string{"id", "account_id", "target_account_id", "accepted", "created_at"}, followRows)
	var stRows, rbRows [][]any
	visibilities := []string{"public", "public", "public", "unlisted", "private", "direct"}
	stIDs := make([]string, statuses)
	for i := 0; i < statuses; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		stIDs[i] = roundtable.NewID(at)
		// One status in five is by a followed account.
		author := ids[followed+(i*7919)%(accounts-followed)]
		if i%5 == 0 {
			author = ids[(i/5)%followed]
		}
		stRows = append(stRows, []any{stIDs[i], author, stIDs[i], visibilities[i%len(visibilities)],
			fmt.Sprintf("<p>status %d</p>", i), false, at, "https://example.invalid/s/" + stIDs[i]})
	}
	copyRows(b, pool, "statuses", []string{"id", "account_id", "thread_id", "visibility", "content", "local", "created_at", "uri"}, stRows)
	for i := 0; i < reblogs; i++ {
		at := start.Add(time.Duration(statuses-reblogs+i)*time.Minute + time.Second)
		rbRows = append(rbRows, []any{roundtable.NewID(at), ids[(i*31)%followed], stIDs[(i*6)%statuses], at})
	}
	copyRows(b, pool, "reblogs", []string{"id", "account_id", "status_id", "created_at"}, rbRows)
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	r := in.get("/api/v1/timelines/home?limit=40", tok)
	wantStatus(b, r, 200)
	if n := len(r.List(b)); n != 40 {
		b.Fatalf("home has %d statuses, want 40", n)
	}
	q0 := in.Queries.Queries()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := in.get("/api/v1/timelines/home?limit=40", tok)
		if r.Status != 200 {
			b.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(in.Queries.Queries()-q0)/float64(b.N), "queries/op")
}

// copyRows bulk-inserts rows into table with COPY.
func copyRows(b testing.TB, pool interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
}, table string, cols []string, rows [][]any) {
	b.Helper()
	if _, err := pool.CopyFrom(context.Background(), pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
		b.Fatalf("copy %s: %v", table, err)
	}
}
