package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// FanoutResult is the fanout scenario's outcome.
type FanoutResult struct {
	Servers         int     `json:"servers"`
	Followers       int     `json:"followers"`
	FollowersSeen   int     `json:"followers_counted"`
	SeedSeconds     float64 `json:"seed_seconds"`
	Reached         int     `json:"shared_inboxes_reached"`
	Seconds         float64 `json:"seconds_until_all_reached"`
	DeliveriesPerS  float64 `json:"deliveries_per_s"`
	Duplicates      int     `json:"duplicates"`
	BadSignatures   int     `json:"bad_signatures"`
	PersonalInboxes int     `json:"deliveries_to_personal_inboxes"`
	Latency         Latency `json:"arrival"`
	Complete        bool    `json:"complete"`
}

// runFanout: F followers of a consultation spread over D simulated
// servers; a contribution is posted; every server's shared inbox should get
// the consultation's signed Announce once.
func runFanout(ctx context.Context, c *config) (*FanoutResult, error) {
	res := &FanoutResult{Servers: c.FanoutServers, Followers: c.FanoutFollowers}
	inst, err := startInstance(ctx, c.Bin, c.AdminURL, c.instanceHost(1))
	if err != nil {
		return nil, err
	}
	defer inst.stop()
	token, starter, err := seedConsultation(ctx, inst)
	if err != nil {
		return nil, err
	}
	perServer := (c.FanoutFollowers + c.FanoutServers - 1) / c.FanoutServers
	sims, err := startSims(c.FanoutServers, perServer, c.keys, c.pems)
	if err != nil {
		return nil, err
	}
	defer sims.close()

	// Seeding: every follower sends a signed Follow, as its server would.
	c.logf("fanout: %d followers on %d servers follow the consultation", c.FanoutFollowers, c.FanoutServers)
	seedStart := time.Now()
	group := inst.base + "/users/bench"
	follows, err := signAll(c.FanoutFollowers, runtime.GOMAXPROCS(0), func(i int) (*signedRequest, error) {
		srv := sims.servers[i%len(sims.servers)]
		n := i / len(sims.servers)
		actor := srv.actorURI(n)
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": actor + "/follows/bench", "type": "Follow", "actor": actor, "object": group})
		return srv.sign("POST", group+"/inbox", n, body)
	})
	if err != nil {
		return nil, err
	}
	if err := sendAll(ctx, follows, 32); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(c.WaitLimit + time.Duration(c.FanoutFollowers)*20*time.Millisecond)
	accepts := func() int {
		n := 0
		for _, s := range sims.servers {
			s.mu.Lock()
			n += s.byType["Accept"]
			s.mu.Unlock()
		}
		return n
	}
	for {
		var acc struct {
			FollowersCount int `json:"followers_count"`
		}
		if _, err := inst.api(ctx, "GET", "/api/v1/accounts/lookup?acct=bench", token, nil, &acc); err != nil {
			return nil, err
		}
		res.FollowersSeen = acc.FollowersCount
		if (acc.FollowersCount >= c.FanoutFollowers && accepts() >= c.FanoutFollowers) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	res.SeedSeconds = time.Since(seedStart).Seconds()
	if res.FollowersSeen < c.FanoutFollowers {
		return res, fmt.Errorf("fanout: only %d of %d follows were accepted within the wait; serve log: %s", res.FollowersSeen, c.FanoutFollowers, inst.logs())
	}
	for _, s := range sims.servers {
		s.reset()
	}

	// The contribution: a reply in the thread, which the consultation
	// announces to every follower's server.
	c.logf("fanout: posting a contribution")
	stopProfile := c.profileServe(inst, "fanout")
	start := time.Now()
	reply, err := inst.post(ctx, token, map[string]any{"status": "Thank you all: the clinic will open on market days.", "in_reply_to_id": starter.ID})
	if err != nil {
		return nil, err
	}
	reached := func() (n int, last time.Time, arrivals []time.Duration) {
		for _, s := range sims.servers {
			s.mu.Lock()
			for id, obj := range s.objects {
				if obj == reply.URI && s.kinds[id] == "Announce" {
					n++
					at := s.firstAt[id]
					arrivals = append(arrivals, at.Sub(start))
					if at.After(last) {
						last = at
					}
					break
				}
			}
			s.mu.Unlock()
		}
		return
	}
	deadline = time.Now().Add(c.WaitLimit)
	for {
		n, _, _ := reached()
		if n >= len(sims.servers) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A little longer, for any duplicate still on its way.
	time.Sleep(c.Grace)
	stopProfile()
	n, last, arrivals := reached()
	res.Reached = n
	if n > 0 {
		res.Seconds = last.Sub(start).Seconds()
		res.DeliveriesPerS = float64(n) / res.Seconds
	}
	res.Latency = summarise(arrivals)
	for _, s := range sims.servers {
		s.mu.Lock()
		got := 0 // the Announces of the contribution this server received
		for id, k := range s.received {
			if s.objects[id] == reply.URI && s.kinds[id] == "Announce" {
				got += k
			}
		}
		if got > 1 {
			res.Duplicates += got - 1
		}
		res.BadSignatures += s.badSig
		res.PersonalInboxes += s.personal
		s.mu.Unlock()
	}
	res.Complete = res.Reached == res.Servers && res.Duplicates == 0 && res.BadSignatures == 0
	if !res.Complete {
		c.logf("fanout: incomplete: reached %d of %d, %d duplicates, %d bad signatures", res.Reached, res.Servers, res.Duplicates, res.BadSignatures)
	}
	return res, nil
}

// sendAll sends prepared requests over workers connections and fails on
// the first that is not accepted.
func sendAll(ctx context.Context, reqs []*signedRequest, workers int) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(reqs); i += workers {
				code, err := reqs[i].send(ctx)
				if err == nil && code != 202 {
					err = fmt.Errorf("%s %s: status %d", reqs[i].method, reqs[i].url, code)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
