package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReadResult is the read scenario's outcome.
type ReadResult struct {
	Replies       int        `json:"thread_contributions"`
	Statuses      int        `json:"statuses_in_database"`
	SeededWithSQL int        `json:"statuses_seeded_with_sql"`
	Readers       int        `json:"readers"`
	Endpoints     []Endpoint `json:"endpoints"`
	Complete      bool       `json:"complete"`
}

// Endpoint is the load on one endpoint.
type Endpoint struct {
	Name       string  `json:"name"`
	Path       string  `json:"path"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	PerSec     float64 `json:"requests_per_s"`
	Latency    Latency `json:"latency"`
}

// runRead: the thread page (HTML), the thread's context (ActivityPub JSON)
// and the home timeline (client API) under concurrent readers, on a
// database seeded with a long thread and many statuses.
func runRead(ctx context.Context, c *config) (*ReadResult, error) {
	res := &ReadResult{Replies: c.ReadReplies, Readers: c.Readers}
	inst, err := startInstance(ctx, c.Bin, c.AdminURL, c.instanceHost(2))
	if err != nil {
		return nil, err
	}
	defer inst.stop()
	token, starter, err := seedConsultation(ctx, inst)
	if err != nil {
		return nil, err
	}

	// The thread: contributions posted through the client API by a few
	// members, each answering the previous one or the starter.
	c.logf("read: posting %d contributions", c.ReadReplies)
	posters := []string{token}
	for i := range 3 {
		t, err := inst.member(fmt.Sprintf("participant%d", i))
		if err != nil {
			return nil, err
		}
		posters = append(posters, t)
	}
	if err := postReplies(ctx, inst, posters, starter.ID, c.ReadReplies); err != nil {
		return nil, err
	}

	// Home: a reader following half of a few authors, whose statuses the
	// database holds by the thousand.
	c.logf("read: seeding %d statuses", c.HomeStatuses)
	reader, err := inst.member("reader")
	if err != nil {
		return nil, err
	}
	var templates []string
	for i := range 6 {
		name := fmt.Sprintf("author%d", i)
		t, err := inst.member(name)
		if err != nil {
			return nil, err
		}
		st, err := inst.post(ctx, t, map[string]any{"status": fmt.Sprintf("Notes from the %s district meeting: water, the clinic, and the school road. #district%d", name, i)})
		if err != nil {
			return nil, err
		}
		templates = append(templates, st.ID)
		if i%2 == 0 {
			if _, err := inst.api(ctx, "POST", "/api/v1/accounts/"+st.Account.ID+"/follow", reader, nil, nil); err != nil {
				return nil, err
			}
		}
	}
	conn, err := pgx.Connect(ctx, inst.dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var have int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM statuses`).Scan(&have); err != nil {
		return nil, err
	}
	if n := c.HomeStatuses - have; n > 0 {
		if err := seedStatuses(ctx, conn, templates, n); err != nil {
			return nil, fmt.Errorf("seed statuses: %w", err)
		}
		res.SeededWithSQL = n
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM statuses`).Scan(&res.Statuses); err != nil {
		return nil, err
	}

	// The thread's context collection, as its starter's object names it.
	var obj struct {
		Context string `json:"context"`
	}
	if _, err := inst.api(ctx, "GET", "/users/facilitator/statuses/"+starter.ID, "", nil, &obj); err != nil {
		return nil, err
	}
	cu, err := url.Parse(obj.Context)
	if err != nil || obj.Context == "" || !strings.HasPrefix(obj.Context, inst.base) {
		return nil, fmt.Errorf("the thread's context %q is not on the instance", obj.Context)
	}
	lastWords := fmt.Sprintf("Contribution %d", c.ReadReplies-1)
	endpoints := []struct {
		name, path, accept, token string
		check                     func(body string) error
	}{
		{"thread page (HTML)", "/@facilitator/" + starter.ID, "text/html", "", func(b string) error {
			if c.ReadReplies > 0 && !strings.Contains(b, lastWords) {
				return fmt.Errorf("the page lacks %q", lastWords)
			}
			return nil
		}},
		{"thread context (AS JSON)", cu.RequestURI(), "application/activity+json", "", func(b string) error {
			if want := fmt.Sprintf(`"totalItems":%d`, c.ReadReplies+1); !strings.Contains(b, want) {
				return fmt.Errorf("the context lacks %s", want)
			}
			return nil
		}},
		{"timelines/home (API)", "/api/v1/timelines/home?limit=40", "application/json", reader, func(b string) error {
			if n := strings.Count(b, `"visibility":`); n < min(40, res.Statuses/2) {
				return fmt.Errorf("the home timeline has %d statuses", n)
			}
			return nil
		}},
	}
	res.Complete = true
	stopProfile := c.profileServe(inst, "read")
	defer stopProfile()
	for _, e := range endpoints {
		c.logf("read: %s with %d readers for %v", e.name, c.Readers, c.ReadDuration)
		ep := load(ctx, inst, e.path, e.accept, e.token, c.Readers, c.ReadDuration, e.check)
		ep.Name = e.name
		res.Endpoints = append(res.Endpoints, ep)
		if ep.Errors > 0 || ep.Requests == 0 {
			res.Complete = false
		}
	}
	return res, nil
}

// postReplies posts n contributions into a thread, from several members at
// once.
func postReplies(ctx context.Context, inst *instance, tokens []string, parent string, n int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(tokens))
	for w, tok := range tokens {
		wg.Go(func() {
			for i := w; i < n; i += len(tokens) {
				if _, err := inst.post(ctx, tok, map[string]any{"in_reply_to_id": parent,
					"status": fmt.Sprintf("Contribution %d: the road to the school floods every spring; the clinic should not be on it.", i)}); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// seedStatuses copies the template statuses (posted through the API) into
// n more, round robin, with fresh ids, URIs and times, straight into the
// database: seeding, not a measured path. Triggers are off while it runs.
func seedStatuses(ctx context.Context, conn *pgx.Conn, templates []string, n int) error {
	rows, _ := conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'statuses' ORDER BY ordinal_position`)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	override := map[string]string{
		// A sortable id: the template's time part, then the copy's number.
		"id":              "left(t.id, 10) || lpad(g::text, 16, '0')",
		"thread_id":       "left(t.id, 10) || lpad(g::text, 16, '0')",
		"uri":             "t.uri || '/copies/' || g",
		"url":             "CASE WHEN t.url IS NULL THEN NULL ELSE t.url || '/copies/' || g END",
		"context_uri":     "NULL",
		"created_at":      "t.created_at - g * interval '1 second'",
		"in_reply_to_id":  "NULL",
		"in_reply_to_uri": "NULL",
	}
	exprs := make([]string, len(cols))
	for i, col := range cols {
		if e, ok := override[col]; ok {
			exprs[i] = e
		} else {
			exprs[i] = "t." + col
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return err
	}
	per := (n + len(templates) - 1) / len(templates)
	left := n
	for i, id := range templates {
		k := min(per, left)
		left -= k
		if k <= 0 {
			break
		}
		q := `INSERT INTO statuses (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(exprs, ", ") +
			` FROM statuses t, generate_series($2::int, $3::int) g WHERE t.id = $1`
		if _, err := tx.Exec(ctx, q, id, i*per+1, i*per+k); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts a SET statuses_count = (SELECT count(*) FROM statuses s WHERE s.account_id = a.id)
		WHERE a.id IN (SELECT account_id FROM statuses WHERE id = ANY($1))`, templates); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE`)
	return err
}

// load has readers clients request path for d, and checks the first answer
// with check.
func load(ctx context.Context, inst *instance, path, accept, token string, readers int, d time.Duration, check func(string) error) Endpoint {
	ep := Endpoint{Path: path}
	rec := newRecorder()
	var checked sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range readers {
		wg.Go(func() {
			for time.Now().Before(stop) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, inst.base+path, nil)
				req.Header.Set("Accept", accept)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				res, err := inst.client.Do(req)
				if err != nil {
					rec.add(time.Since(t0), 0, false, err.Error())
					continue
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				el := time.Since(t0)
				failure := ""
				switch {
				case err != nil:
					failure = err.Error()
				case res.StatusCode != http.StatusOK:
					failure = fmt.Sprintf("status %d", res.StatusCode)
				}
				if failure == "" {
					checked.Do(func() {
						if err := check(string(body)); err != nil {
							failure = err.Error()
						}
					})
				}
				rec.add(el, res.StatusCode, failure == "", failure)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	ep.Requests, ep.Errors, ep.FirstError = len(rec.lat), rec.errors, rec.first
	ep.PerSec = float64(ep.Requests) / elapsed.Seconds()
	ep.Latency = summarise(rec.lat)
	return ep
}
