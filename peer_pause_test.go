package roundtable_test

import (
	"context"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestPeerPause: a domain that fails every delivery for longer than
// PauseAfter is paused (its deliveries wait, one probe an hour); one
// success ends the pause. Failures of a few hours do not pause it.
func TestPeerPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := storeForTest(t, c.now)
	paused := func() time.Time {
		t.Helper()
		until, err := s.PeerPausedUntil(ctx, "down.example")
		if err != nil {
			t.Fatal(err)
		}
		return until
	}
	for h := 0; h < 5; h++ { // five hours of failures, every hour
		if err := s.RecordDelivery(ctx, "down.example", false); err != nil {
			t.Fatal(err)
		}
		c.add(time.Hour)
	}
	if !paused().IsZero() {
		t.Fatalf("paused after five hours of failures, before %v", roundtable.PauseAfter)
	}
	c.add(2 * time.Hour)
	if err := s.RecordDelivery(ctx, "down.example", false); err != nil {
		t.Fatal(err)
	}
	until := paused()
	if want := c.now().Add(roundtable.ProbeEvery); !until.Equal(want) {
		t.Fatalf("after seven hours of failures: paused until %v, want %v", until, want)
	}
	if !(func() bool { u, _ := s.PeerPausedUntil(ctx, "up.example"); return u.IsZero() })() {
		t.Error("a domain that never failed is paused")
	}
	// It comes back: the next success ends the pause.
	c.add(time.Hour)
	if err := s.RecordDelivery(ctx, "down.example", true); err != nil {
		t.Fatal(err)
	}
	if !paused().IsZero() {
		t.Error("still paused after a delivery succeeded")
	}
}
