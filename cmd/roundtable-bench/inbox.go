package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// InboxResult is the inbox scenario's outcome.
type InboxResult struct {
	Servers          int     `json:"servers"`
	Activities       int     `json:"activities"`
	Accepted         int     `json:"accepted"`
	Errors           int     `json:"errors"`
	FirstError       string  `json:"first_error,omitempty"`
	SendSeconds      float64 `json:"send_seconds"`
	AcceptedPerSec   float64 `json:"accepted_per_s"`
	Latency          Latency `json:"latency"`
	Stored           int     `json:"stored"`
	StoredSeconds    float64 `json:"stored_seconds"`
	StoredPerSec     float64 `json:"stored_per_s"`
	VisibleAfterLast float64 `json:"visible_after_last_send_s"`
	ContextShown     int     `json:"context_descendants_checked"`
	Complete         bool    `json:"complete"`
}

// runInbox: K simulated servers send N signed Create activities, replies
// into a consultation's thread, to the instance's shared inbox at once.
func runInbox(ctx context.Context, c *config) (*InboxResult, error) {
	res := &InboxResult{Servers: c.InboxServers, Activities: c.InboxActivities}
	inst, err := startInstance(ctx, c.Bin, c.AdminURL, c.instanceHost(0))
	if err != nil {
		return nil, err
	}
	defer inst.stop()
	token, starter, err := seedConsultation(ctx, inst)
	if err != nil {
		return nil, err
	}
	group := inst.base + "/users/bench"
	sims, err := startSims(c.InboxServers, c.InboxActors, c.keys, c.pems)
	if err != nil {
		return nil, err
	}
	defer sims.close()
	c.logf("inbox: signing %d activities from %d servers", c.InboxActivities, c.InboxServers)
	published := time.Now().UTC().Format(time.RFC3339)
	uris := map[string]bool{}
	var urisMu sync.Mutex
	reqs, err := signAll(c.InboxActivities, runtime.GOMAXPROCS(0), func(i int) (*signedRequest, error) {
		srv := sims.servers[i%len(sims.servers)]
		actorN := (i / len(sims.servers)) % srv.actors
		actor := srv.actorURI(actorN)
		noteID := fmt.Sprintf("%s/notes/%d", srv.base, i)
		urisMu.Lock()
		uris[noteID] = true
		urisMu.Unlock()
		body, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": noteID + "/activity", "type": "Create",
			"actor": actor, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{group},
			"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": actor, "inReplyTo": starter.URI,
				"content":   fmt.Sprintf("<p>Reply %d: the clinic should open on market days, when people come into town anyway.</p>", i),
				"published": published, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{group}},
		})
		return srv.sign("POST", inst.base+"/inbox", actorN, body)
	})
	if err != nil {
		return nil, err
	}
	// Each server sends its share over a few connections, all servers at once.
	c.logf("inbox: sending")
	rec := newRecorder()
	var wg sync.WaitGroup
	stopProfile := c.profileServe(inst, "inbox")
	start := time.Now()
	for s := range sims.servers {
		for w := range c.InboxConcurrency {
			wg.Go(func() {
				for i := s + w*len(sims.servers); i < len(reqs); i += len(sims.servers) * c.InboxConcurrency {
					t0 := time.Now()
					code, err := reqs[i].send(ctx)
					failure := ""
					if err != nil {
						failure = err.Error()
					} else if code != 202 {
						failure = fmt.Sprintf("status %d", code)
					}
					rec.add(time.Since(t0), code, failure == "", failure)
				}
			})
		}
	}
	wg.Wait()
	lastSend := time.Now()
	res.SendSeconds = lastSend.Sub(start).Seconds()
	res.Accepted = rec.codes[202]
	res.Errors, res.FirstError = rec.errors, rec.first
	res.AcceptedPerSec = float64(res.Accepted) / res.SendSeconds
	res.Latency = summarise(rec.lat)

	// Stored and visible: the thread's starter counts its replies, and its
	// context lists them.
	c.logf("inbox: waiting until stored")
	deadline := lastSend.Add(c.WaitLimit)
	for {
		var st status
		if _, err := inst.api(ctx, "GET", "/api/v1/statuses/"+starter.ID, token, nil, &st); err != nil {
			return nil, err
		}
		res.Stored = st.RepliesCount
		if st.RepliesCount >= res.Accepted || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	done := time.Now()
	stopProfile()
	res.StoredSeconds = done.Sub(start).Seconds()
	res.StoredPerSec = float64(res.Stored) / res.StoredSeconds
	res.VisibleAfterLast = done.Sub(lastSend).Seconds()
	var thread struct {
		Descendants []status `json:"descendants"`
	}
	if _, err := inst.api(ctx, "GET", "/api/v1/statuses/"+starter.ID+"/context", token, nil, &thread); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, d := range thread.Descendants {
		if uris[d.URI] && !seen[d.URI] {
			seen[d.URI] = true
		}
	}
	res.ContextShown = len(seen)
	want := min(res.Activities, 4096) // the client API's context shows at most 4,096 statuses
	res.Complete = res.Errors == 0 && res.Accepted == res.Activities && res.Stored == res.Activities && res.ContextShown == want
	if !res.Complete {
		c.logf("inbox: incomplete: accepted %d, stored %d, in context %d of %d; serve log: %s", res.Accepted, res.Stored, res.ContextShown, want, inst.logs())
	}
	return res, nil
}

// seedConsultation makes the facilitator, the consultation @bench and a
// thread in it, and returns the facilitator's token and the thread's
// starter.
func seedConsultation(ctx context.Context, inst *instance) (string, *status, error) {
	token, err := inst.member("facilitator")
	if err != nil {
		return "", nil, err
	}
	if err := inst.consultation("bench", "facilitator"); err != nil {
		return "", nil, err
	}
	st, err := inst.post(ctx, token, map[string]any{"status": "@bench Health services\nWhere should the new clinic be, and when should it open?"})
	if err != nil {
		return "", nil, err
	}
	return token, st, nil
}
