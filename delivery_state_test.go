package roundtable_test

import (
	"context"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestDeliveryState: one read tells whether a delivery goes ahead: the
// status it carries still stored, the server not blocked, deliveries to it
// not paused; and a success to a server that is well is not written again
// for every delivery, while one after failures ends them.
func TestDeliveryState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := storeForTest(t, c.now)
	m := memberForTest(t, s, "ana")
	st, err := s.CreateStatus(ctx, m, roundtable.NewStatus{Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	state := func(domain, object string) roundtable.DeliveryState {
		t.Helper()
		d, err := s.DeliveryStateOf(ctx, domain, object)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := state("Up.Example", *st.URI); !d.Federates || !d.ObjectExists || !d.PausedUntil.IsZero() {
		t.Errorf("a known server and a stored status: %+v", d)
	}
	if d := state("up.example", ""); !d.ObjectExists {
		t.Errorf("no status carried: %+v", d)
	}
	if d := state("up.example", "https://example.org/users/ana/statuses/gone"); d.ObjectExists {
		t.Errorf("a deleted status: %+v", d)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO peers (domain, policy) VALUES ('bad.example', 'block')`); err != nil {
		t.Fatal(err)
	}
	if d := state("BAD.example", ""); d.Federates {
		t.Errorf("a blocked server: %+v", d)
	}
	for h := 0; h < 8; h++ {
		if err := s.RecordDelivery(ctx, "down.example", false); err != nil {
			t.Fatal(err)
		}
		c.add(time.Hour)
	}
	if d := state("down.example", ""); d.PausedUntil.IsZero() {
		t.Errorf("a server failing for eight hours: %+v", d)
	}

	// Successes to a server that is well: written once a minute at most.
	version := func(domain string) (xmin string) {
		t.Helper()
		if err := s.Pool().QueryRow(ctx, `SELECT xmin::text FROM peers WHERE domain = $1`, domain).Scan(&xmin); err != nil {
			t.Fatal(err)
		}
		return xmin
	}
	if err := s.RecordDelivery(ctx, "up.example", true); err != nil {
		t.Fatal(err)
	}
	first := version("up.example")
	for i := 0; i < 3; i++ {
		if err := s.RecordDelivery(ctx, "up.example", true); err != nil {
			t.Fatal(err)
		}
	}
	if v := version("up.example"); v != first {
		t.Error("each success to a server that is well was written")
	}
	c.add(2 * time.Minute)
	if err := s.RecordDelivery(ctx, "up.example", true); err != nil {
		t.Fatal(err)
	}
	if v := version("up.example"); v == first {
		t.Error("the time of the last success was not kept to the minute")
	}
	// A success after failures ends them and the pause at once.
	if err := s.RecordDelivery(ctx, "down.example", true); err != nil {
		t.Fatal(err)
	}
	if d := state("down.example", ""); !d.PausedUntil.IsZero() {
		t.Errorf("still paused after a success: %+v", d)
	}
}
