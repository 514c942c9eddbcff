package federation

import (
	"net/http"
	"testing"
)

// TestInboxKeyFetchedOnce: the first activity from an unknown actor fetches
// its key; later ones are verified with the stored key, without fetching it
// again, and each costs the same few queries (one policy check for a server
// signing for its own actor, the key, and the activity stored with its job in
// one transaction).
func TestInboxKeyFetchedOnce(t *testing.T) {
	in := newBenchInstance(t)
	parent, group := consultationThread(t, in.store)
	rosa := newRemoteActor(t)
	client := &http.Client{}
	if code := rosa.post(t, client, in, rosa.reply(1, parent, group)); code != http.StatusAccepted {
		t.Fatalf("first reply answered %d", code)
	}
	if n := rosa.fetches.Load(); n != 1 {
		t.Fatalf("the actor was fetched %d times for the first activity, want 1", n)
	}
	var perActivity []int64
	for i := 2; i <= 4; i++ {
		req := rosa.signed(t, in, rosa.reply(i, parent, group))
		q0 := in.queries.Queries()
		if code := send(t, client, req); code != http.StatusAccepted {
			t.Fatalf("reply %d answered %d", i, code)
		}
		perActivity = append(perActivity, in.queries.Queries()-q0)
	}
	if n := rosa.fetches.Load(); n != 1 {
		t.Errorf("the actor was fetched %d times in all, want once", n)
	}
	for _, q := range perActivity {
		if q != perActivity[0] || q > 6 {
			t.Fatalf("queries per accepted activity: %v, want the same each time and at most 6", perActivity)
		}
	}
	var stored int
	if err := in.store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM inbox_activities WHERE actor_uri = $1`, rosa.uri).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 4 {
		t.Errorf("%d activities stored, want 4", stored)
	}
}
