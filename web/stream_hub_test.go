package web

import "testing"

// TestSlowSubscriberIsDropped: a client that lets its queue fill up is let
// go, and sending to it never blocks the others.
func TestSlowSubscriberIsDropped(t *testing.T) {
	h := newHub(nil)
	slow, quick := newSubscriber(nil), newSubscriber(nil)
	h.subs[slow], h.subs[quick] = struct{}{}, struct{}{}
	m := message{stream: []string{"public"}, event: "delete", payload: "1"}
	for range subscriberQueue {
		h.send(slow, m)
	}
	select {
	case <-slow.gone:
		t.Fatal("dropped with a full queue but nothing more to send")
	default:
	}
	h.send(slow, m) // one too many: returns at once
	<-slow.gone
	if slow.shutdown {
		t.Error("a slow subscriber is marked as let go for shutdown")
	}
	h.send(quick, m)
	select {
	case <-quick.gone:
		t.Fatal("the other subscriber was dropped too")
	case got := <-quick.out:
		if got.payload != "1" {
			t.Errorf("quick got %+v", got)
		}
	}
	if _, ok := h.subs[slow]; ok || len(h.subs) != 1 {
		t.Errorf("subscribers after the drop: %d", len(h.subs))
	}
}
