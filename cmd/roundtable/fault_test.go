package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// count runs a counting query on the peer's database.
func (p *peer) count(query string, args ...any) int {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		p.t.Fatal(err)
	}
	return n
}

// TestFaultKillDuringInboxBurst kills A with SIGKILL while a peer's burst
// of 200 posts is being taken in and worked. The peer sends again only
// what got no 202, as servers do: every post arrives. Then it sends
// everything once more: every post is still on A exactly once.
func TestFaultKillDuringInboxBurst(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 220)
	f := startFakeServer(t, 221)
	key := fakeKey(0)
	actor := f.addActor("burst", key)
	const total = 200
	activity := func(i int) []byte {
		note := fmt.Sprintf("%s/notes/%d", actor, i)
		b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": note + "/activity", "type": "Create", "actor": actor,
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"object": map[string]any{"id": note, "type": "Note", "attributedTo": actor,
				"to":      []string{"https://www.w3.org/ns/activitystreams#Public"},
				"content": fmt.Sprintf("<p>Burst post %d</p>", i), "published": time.Now().UTC().Format(time.RFC3339)}})
		return b
	}
	// send posts the activities numbered in todo, eight at a time, and
	// returns those that were not answered 202.
	send := func(todo []int) (unanswered []int) {
		var mu sync.Mutex
		next := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range next {
					body := activity(i)
					res, err := trySignedPost(a.srv.base+"/inbox", actor+"#main-key", key, body, body, time.Now())
					if err != nil || res.StatusCode != http.StatusAccepted {
						mu.Lock()
						unanswered = append(unanswered, i)
						mu.Unlock()
					}
				}
			})
		}
		for _, i := range todo {
			next <- i
		}
		close(next)
		wg.Wait()
		return unanswered
	}
	stored := func() int {
		return a.count(`SELECT count(*) FROM statuses WHERE uri LIKE $1`, actor+"/notes/%")
	}
	all := make([]int, total)
	for i := range all {
		all[i] = i
	}

	// The burst, and the kill in its middle: once a third is answered.
	var unanswered []int
	sent := make(chan struct{})
	go func() { unanswered = send(all); close(sent) }()
	eventually(t, 2*time.Minute, "a third of the burst answered", func() bool {
		return a.count(`SELECT count(*) FROM river_job WHERE kind = 'inbox'`) >= total/3
	})
	if err := a.srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.srv.done
	<-sent
	atKill := stored()
	t.Logf("at the kill: %d of %d posts answered 202, %d stored", total-len(unanswered), total, atKill)
	if atKill == total {
		t.Fatal("every post was stored before the kill: the test proves nothing")
	}

	a.restart()
	if left := send(unanswered); len(left) > 0 {
		t.Fatalf("%d posts refused after the restart: %v", len(left), left)
	}
	// What was answered 202 before the kill is not sent again: it must
	// have been kept.
	eventually(t, 4*time.Minute, "every post stored", func() bool { return stored() >= total })
	if left := send(all); len(left) > 0 {
		t.Fatalf("%d posts refused when sent again: %v", len(left), left)
	}
	// Jobs that were running at the kill are taken up again once the queue
	// deems them stuck (RescueStuckJobsAfter, 90 s), then worked.
	eventually(t, 5*time.Minute, "the inbox queue worked through", func() bool {
		return a.count(`SELECT count(*) FROM river_job WHERE kind = 'inbox' AND state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
	if n := stored(); n != total {
		t.Errorf("%d posts stored, want %d", n, total)
	}
	if n := a.count(`SELECT count(*) FROM (SELECT content FROM statuses WHERE uri LIKE $1 GROUP BY content HAVING count(*) > 1) d`, actor+"/notes/%"); n != 0 {
		t.Errorf("%d posts stored more than once", n)
	}
	if n := a.count(`SELECT count(DISTINCT content) FROM statuses WHERE uri LIKE $1`, actor+"/notes/%"); n != total {
		t.Errorf("%d different posts stored, want %d", n, total)
	}
	t.Logf("sent %d, stored %d, lost %d, stored twice 0", total, stored(), total-stored())
}
