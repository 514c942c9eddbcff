package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestDeliveryReusesConnections: deliveries to one server reuse their
// connections (HTTP keep-alive): 80 deliveries, at most perDomain at a
// time, open no more than perDomain connections, and a run of deliveries
// one after the other opens one.
func TestDeliveryReusesConnections(t *testing.T) {
	in := newBenchInstance(t)
	ctx := context.Background()
	gus, err := in.store.CreateMember(ctx, roundtable.NewMember{Username: "gus", Email: "gus@local.test",
		Password: "password-gus", Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	act, _ := json.Marshal(map[string]any{"@context": contextValue, "id": in.url + "/users/gus#follows/1",
		"type": "Follow", "actor": in.url + "/users/gus", "object": "https://elsewhere.example/users/x"})
	one := newInboxServer(t)
	for i := 0; i < 10; i++ {
		if err := in.f.deliver(ctx, DeliverArgs{Inbox: fmt.Sprintf("%s/users/u%d/inbox", one.url, i), Activity: act,
			SignerID: gus.ID, Type: "Follow"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := one.conns.Load(); n != 1 {
		t.Errorf("10 deliveries one after the other opened %d connections, want 1", n)
	}
	many := newInboxServer(t)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if err := in.f.deliver(ctx, DeliverArgs{Inbox: fmt.Sprintf("%s/users/u%d/inbox", many.url, i), Activity: act,
					SignerID: gus.ID, Type: "Follow"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n, posts := many.conns.Load(), many.posts.Load(); posts != 80 || n > perDomain {
		t.Errorf("80 deliveries from 8 workers: %d received on %d connections, want 80 on at most %d", posts, n, perDomain)
	}
}
