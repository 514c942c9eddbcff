package federation

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestFanoutOnePostPerSharedInbox: a contribution to a consultation
// followed by 30 accounts on 3 servers is delivered once to each server's
// shared inbox, and once to the inbox of a follower whose server has none
// (once for each of the Group's Announces: of the Create, and, for a
// thread starter, of the Note).
func TestFanoutOnePostPerSharedInbox(t *testing.T) {
	in := newBenchInstance(t)
	ctx := context.Background()
	_, group := consultationThread(t, in.store)
	pool := in.store.Pool()
	var groupID string
	if err := pool.QueryRow(ctx, `SELECT id FROM accounts WHERE uri = $1`, group).Scan(&groupID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 31; i++ {
		server := fmt.Sprintf("https://s%d.example", i%3)
		shared := server + "/inbox"
		if i == 30 {
			server, shared = "https://lone.example", ""
		}
		uri := fmt.Sprintf("%s/users/u%d", server, i)
		id := roundtable.NewID(now.Add(time.Duration(i) * time.Millisecond))
		if _, err := pool.Exec(ctx, `INSERT INTO accounts (id, username, domain, uri, inbox, shared_inbox, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $7)`, id, fmt.Sprintf("u%d", i), server[len("https://"):], uri,
			uri+"/inbox", shared, now); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO follows (id, account_id, target_account_id, accepted, created_at)
			VALUES ($1, $2, $3, true, $4)`, roundtable.NewID(now), id, groupID, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	gus, err := in.store.MemberByUsername(ctx, "gus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.store.CreateStatus(ctx, gus, roundtable.NewStatus{Text: "@river Bridges\nThe old bridge needs repair."}); err != nil {
		t.Fatal(err)
	}
	var announces int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT args->'activity'->>'id') FROM river_job WHERE kind = 'deliver'
		AND args->>'type' = $1`, roundtable.OutAnnounce).Scan(&announces); err != nil || announces == 0 {
		t.Fatalf("%d Announces (%v)", announces, err)
	}
	rows, err := pool.Query(ctx, `SELECT args->>'inbox', count(*), count(DISTINCT args->'activity'->>'id') FROM river_job
		WHERE kind = 'deliver' AND args->>'type' = $1 GROUP BY 1 ORDER BY 1`, roundtable.OutAnnounce)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var inbox string
		var n, distinct int
		if err := rows.Scan(&inbox, &n, &distinct); err != nil {
			t.Fatal(err)
		}
		got[inbox] = n / announces
		if n != announces || distinct != announces {
			t.Errorf("%s: %d deliveries of %d distinct Announces, want each of the %d once", inbox, n, distinct, announces)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"https://s0.example/inbox": 1, "https://s1.example/inbox": 1, "https://s2.example/inbox": 1,
		"https://lone.example/users/u30/inbox": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Announce deliveries by inbox: %v, want %v", got, want)
	}
}
