package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// SoakResult is the soak scenario's outcome.
type SoakResult struct {
	Seconds       float64  `json:"seconds"`
	IdleRSSMiB    float64  `json:"idle_rss_mib"`
	MaxRSSMiB     float64  `json:"max_rss_mib"`
	EndRSSMiB     float64  `json:"end_rss_mib"`
	MaxGoroutines int      `json:"max_goroutines"`
	MaxPoolConns  int      `json:"max_pool_connections"`
	MaxDBConns    int      `json:"max_database_connections"`
	InboxSent     int      `json:"inbox_activities_sent"`
	Posts         int      `json:"contributions_posted"`
	Reads         int      `json:"reads"`
	Errors        int      `json:"errors"`
	FirstError    string   `json:"first_error,omitempty"`
	Samples       []Sample `json:"samples"`
}

// Sample is the serve process's state at one moment of the soak.
type Sample struct {
	At         float64 `json:"t_s"`
	RSSMiB     float64 `json:"rss_mib"`
	Goroutines int     `json:"goroutines"`
	PoolConns  int     `json:"pool_connections"`
	DBConns    int     `json:"database_connections"`
}

// runSoak runs a mixed load for a set time: activities into the inbox,
// contributions announced to followers, readers of the thread and of the
// home timeline; and samples memory, goroutines and connections.
func runSoak(ctx context.Context, c *config) (*SoakResult, error) {
	res := &SoakResult{}
	inst, err := startInstance(ctx, c.Bin, c.AdminURL, c.instanceHost(3))
	if err != nil {
		return nil, err
	}
	defer inst.stop()
	conn, err := pgx.Connect(ctx, inst.adminURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	time.Sleep(2 * time.Second) // settle: the idle figure
	idle, err := sample(ctx, inst, conn, time.Now())
	if err != nil {
		return nil, err
	}
	res.IdleRSSMiB = idle.RSSMiB

	token, starter, err := seedConsultation(ctx, inst)
	if err != nil {
		return nil, err
	}
	const servers, actors = 10, 10
	sims, err := startSims(servers, actors, c.keys, c.pems)
	if err != nil {
		return nil, err
	}
	defer sims.close()
	group := inst.base + "/users/bench"
	follows, err := signAll(servers*actors, runtime.GOMAXPROCS(0), func(i int) (*signedRequest, error) {
		srv, n := sims.servers[i%servers], i/servers
		actor := srv.actorURI(n)
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": actor + "/follows/bench", "type": "Follow", "actor": actor, "object": group})
		return srv.sign("POST", group+"/inbox", n, body)
	})
	if err != nil {
		return nil, err
	}
	if err := sendAll(ctx, follows, 8); err != nil {
		return nil, err
	}
	total := int(c.SoakDuration.Seconds() * float64(c.SoakInboxRate))
	published := time.Now().UTC().Format(time.RFC3339)
	creates, err := signAll(total, runtime.GOMAXPROCS(0), func(i int) (*signedRequest, error) {
		srv, n := sims.servers[i%servers], (i/servers)%actors
		actor := srv.actorURI(n)
		noteID := fmt.Sprintf("%s/soak/%d", srv.base, i)
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": noteID + "/activity",
			"type": "Create", "actor": actor, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{group},
			"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": actor, "inReplyTo": starter.URI,
				"content": fmt.Sprintf("<p>Soak %d: buses twice a day would be enough.</p>", i), "published": published,
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{group}}})
		return srv.sign("POST", inst.base+"/inbox", n, body)
	})
	if err != nil {
		return nil, err
	}

	c.logf("soak: mixed load for %v", c.SoakDuration)
	loadCtx, cancel := context.WithTimeout(ctx, c.SoakDuration)
	defer cancel()
	var errs atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	var wg sync.WaitGroup
	var sent, posts, reads atomic.Int64
	start := time.Now()
	// Inbound activities, paced.
	wg.Go(func() {
		if total == 0 {
			return
		}
		tick := time.NewTicker(time.Duration(float64(time.Second) / float64(c.SoakInboxRate)))
		defer tick.Stop()
		for i := 0; i < total; i++ {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
			wg.Go(func() {
				code, err := creates[i].send(ctx)
				if err == nil && code != 202 {
					err = fmt.Errorf("inbox: status %d", code)
				}
				if err != nil {
					fail(err)
				}
				sent.Add(1)
			})
		}
	})
	// A contribution every two seconds, announced to the followers.
	wg.Go(func() {
		for i := 0; loadCtx.Err() == nil; i++ {
			if _, err := inst.post(ctx, token, map[string]any{"in_reply_to_id": starter.ID,
				"status": fmt.Sprintf("Facilitator's note %d: thank you, this is recorded.", i)}); err != nil {
				fail(err)
			}
			posts.Add(1)
			select {
			case <-loadCtx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	})
	// Readers.
	paths := []struct{ path, accept, token string }{
		{"/@facilitator/" + starter.ID, "text/html", ""},
		{"/api/v1/timelines/home?limit=40", "application/json", token},
		{"/api/v1/statuses/" + starter.ID + "/context", "application/json", token},
	}
	for r := range 4 {
		wg.Go(func() {
			for i := r; loadCtx.Err() == nil; i++ {
				p := paths[i%len(paths)]
				req, _ := http.NewRequestWithContext(loadCtx, http.MethodGet, inst.base+p.path, nil)
				req.Header.Set("Accept", p.accept)
				if p.token != "" {
					req.Header.Set("Authorization", "Bearer "+p.token)
				}
				res, err := inst.client.Do(req)
				if err != nil {
					if loadCtx.Err() == nil {
						fail(err)
					}
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					fail(fmt.Errorf("GET %s: status %d", p.path, res.StatusCode))
				}
				reads.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	// Samples, every second.
	tick := time.NewTicker(time.Second)
sampling:
	for {
		select {
		case <-loadCtx.Done():
			break sampling
		case <-tick.C:
			s, err := sample(ctx, inst, conn, start)
			if err != nil {
				fail(err)
				continue
			}
			res.Samples = append(res.Samples, s)
		}
	}
	tick.Stop()
	wg.Wait()
	if s, err := sample(ctx, inst, conn, start); err == nil {
		res.Samples = append(res.Samples, s)
	}
	res.Seconds = time.Since(start).Seconds()
	for _, s := range res.Samples {
		res.MaxRSSMiB = max(res.MaxRSSMiB, s.RSSMiB)
		res.MaxGoroutines = max(res.MaxGoroutines, s.Goroutines)
		res.MaxPoolConns = max(res.MaxPoolConns, s.PoolConns)
		res.MaxDBConns = max(res.MaxDBConns, s.DBConns)
	}
	if n := len(res.Samples); n > 0 {
		res.EndRSSMiB = res.Samples[n-1].RSSMiB
	}
	res.InboxSent, res.Posts, res.Reads = int(sent.Load()), int(posts.Load()), int(reads.Load())
	res.Errors = int(errs.Load())
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	return res, nil
}

// sample reads the serve process's memory from /proc, and its goroutines
// and pool connections from /metrics, and counts its database connections.
func sample(ctx context.Context, inst *instance, conn *pgx.Conn, start time.Time) (Sample, error) {
	s := Sample{At: time.Since(start).Seconds()}
	b, err := rss(inst.pid())
	if err != nil {
		return s, err
	}
	s.RSSMiB = float64(b) / (1 << 20)
	m, err := inst.metrics(ctx, "go_goroutines", "roundtable_db_pool_connections")
	if err != nil {
		return s, err
	}
	s.Goroutines, s.PoolConns = int(m["go_goroutines"]), int(m["roundtable_db_pool_connections"])
	s.DBConns, err = inst.dbConnections(ctx, conn)
	return s, err
}

// ActorResult is the actor scenario's outcome.
type ActorResult struct {
	Endpoint
	Clients int `json:"clients"`
}

// runActor: clients fetch an actor document with signed GETs, as servers
// do before they accept an activity.
func runActor(ctx context.Context, c *config) (*ActorResult, error) {
	inst, err := startInstance(ctx, c.Bin, c.AdminURL, c.instanceHost(4))
	if err != nil {
		return nil, err
	}
	defer inst.stop()
	if _, err := inst.member("facilitator"); err != nil {
		return nil, err
	}
	sims, err := startSims(1, c.ActorClients, c.keys, c.pems)
	if err != nil {
		return nil, err
	}
	defer sims.close()
	actorURL := inst.base + "/users/facilitator"
	// One signature per client, reused: a signed GET covers the target,
	// host and date, so a server may send the same one again within its
	// validity, and the tool's signing stays out of the measurement.
	reqs, err := signAll(c.ActorClients, runtime.GOMAXPROCS(0), func(i int) (*signedRequest, error) {
		return sims.servers[0].sign("GET", actorURL, i, nil)
	})
	if err != nil {
		return nil, err
	}
	c.logf("actor: %d clients for %v", c.ActorClients, c.ActorDuration)
	rec := newRecorder()
	stopProfile := c.profileServe(inst, "actor")
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(c.ActorDuration)
	for _, r := range reqs {
		wg.Go(func() {
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				code, err := r.send(ctx)
				failure := ""
				if err != nil {
					failure = err.Error()
				} else if code != http.StatusOK {
					failure = fmt.Sprintf("status %d", code)
				}
				rec.add(time.Since(t0), code, failure == "", failure)
			}
		})
	}
	wg.Wait()
	stopProfile()
	res := &ActorResult{Clients: c.ActorClients}
	res.Name, res.Path = "signed GET of an actor", "/users/facilitator"
	res.Requests, res.Errors, res.FirstError = len(rec.lat), rec.errors, rec.first
	res.PerSec = float64(res.Requests) / time.Since(start).Seconds()
	res.Latency = summarise(rec.lat)
	return res, nil
}
