package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/roundtable-fed/roundtable"
)

// Delivery: every activity for other servers becomes one job per distinct
// inbox, inserted in the transaction that made the change, so a change is
// never stored without its delivery nor delivered without being stored. Jobs
// are signed at send time (a fresh Date on every attempt) and retried with
// exponential backoff and jitter for about a week.

// QueueFederation is the job queue deliveries and inbox processing use.
const QueueFederation = "federation"

// deliveryAttempts is how often a delivery is tried: with the backoff of
// retryDelay, the last attempt comes about a week after the first.
const deliveryAttempts = 18

// probeWait is how long deliveries to a domain being probed wait before
// they look at its pause again.
const probeWait = time.Minute

// perDomain is how many deliveries to one domain run at once in a process.
const perDomain = 4

// DeliverArgs is one activity for one inbox.
type DeliverArgs struct {
	Inbox     string          `json:"inbox"`
	Activity  json.RawMessage `json:"activity"`
	SignerID  string          `json:"signer_id"`            // account whose key signs
	ObjectURI string          `json:"object_uri,omitempty"` // the status a Create or Update carries
	Type      string          `json:"type"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "deliver" }

// InsertOpts puts deliveries on the federation queue with their attempts.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: deliveryAttempts}
}

// SetQueue gives the Federator the job client it enqueues with.
func (f *Federator) SetQueue(c *river.Client[pgx.Tx]) { f.queue = c }

// AddWorkers registers the federation jobs.
func (f *Federator) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &deliverWorker{f: f})
	river.AddWorker(w, &inboxWorker{f: f})
	river.AddWorker(w, &fetchWorker{f: f})
	river.AddWorker(w, &backfillWorker{f: f})
	river.AddWorker(w, &directoryWorker{f: f})
	river.AddWorker(w, &advisorySubscribeWorker{f: f})
	river.AddWorker(w, &advisoryPullWorker{f: f})
	river.AddWorker(w, &advisoryReconcileWorker{f: f})
	river.AddWorker(w, &nodeInfoWorker{f: f})
	river.AddWorker(w, &peerSoftwareWorker{f: f})
}

// Publish turns a local change into activities and enqueues their delivery
// inside the change's transaction. It implements roundtable.Publisher.
func (f *Federator) Publish(ctx context.Context, tx pgx.Tx, o *roundtable.Outgoing) error {
	if f.queue == nil {
		return errors.New("federation has no job queue")
	}
	if o.Kind == roundtable.OutSubscribeAdvisories {
		_, err := f.queue.InsertTx(ctx, tx, AdvisorySubscribeArgs{Domain: o.Domain}, nil)
		return err
	}
	var docs []json.RawMessage
	if o.Kind == roundtable.OutForward {
		docs = append(docs, json.RawMessage(o.RawActivity))
	} else if o.Kind == roundtable.OutAnnounce {
		var err error
		if docs, err = f.announces(o); err != nil {
			return err
		}
	} else {
		doc, err := f.activityFor(o)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		docs = append(docs, raw)
	}
	objectURI := ""
	if o.Object != nil && (o.Kind == roundtable.OutCreate || o.Kind == roundtable.OutUpdate ||
		(o.Kind == roundtable.OutAnnounce && o.InnerKind != roundtable.OutDelete && o.RawActivity == nil)) {
		objectURI = o.Object.URI
	}
	seen := map[string]bool{}
	params := make([]river.InsertManyParams, 0, len(o.Inboxes)*len(docs))
	for _, inbox := range o.Inboxes {
		if inbox == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		if u, err := url.Parse(inbox); err != nil || u.Host == f.links.Domain() {
			continue // never deliver to ourselves
		}
		for _, raw := range docs {
			params = append(params, river.InsertManyParams{Args: DeliverArgs{
				Inbox: inbox, Activity: raw, SignerID: o.Actor.AccountID, ObjectURI: objectURI, Type: o.Kind}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := f.queue.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	return nil
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	f *Federator
}

// NextRetry backs off exponentially from the configured base (30 s by
// default) to a day, with jitter, so the attempts span about a week.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.f.now().Add(retryDelay(w.f.cfg.RetryBase, job.Attempt))
}

// retryDelay is the wait after the given failed attempt (1 = the first).
func retryDelay(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = 30 * time.Second
	}
	d := base
	for i := 1; i < attempt && d < 24*time.Hour; i++ {
		d *= 2
	}
	if d > 24*time.Hour {
		d = 24 * time.Hour
	}
	// ±10 % jitter, so deliveries that failed together do not return together.
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return time.Minute }

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.f.deliver(ctx, job.Args)
}

// domainSlots limits concurrent deliveries per domain in this process.
type domainSlots struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func (d *domainSlots) acquire(ctx context.Context, domain string) (func(), error) {
	d.mu.Lock()
	if d.slots == nil {
		d.slots = map[string]chan struct{}{}
	}
	ch, ok := d.slots[domain]
	if !ok {
		ch = make(chan struct{}, perDomain)
		d.slots[domain] = ch
	}
	d.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// deliver sends one activity to one inbox.
func (f *Federator) deliver(ctx context.Context, a DeliverArgs) error {
	u, err := f.validURL(a.Inbox)
	if err != nil {
		return river.JobCancel(err)
	}
	// One query says whether the status is still there, the server not
	// blocked and deliveries to it not paused.
	state, err := f.store.DeliveryStateOf(ctx, u.Host, a.ObjectURI)
	if err != nil {
		return err
	}
	if !state.ObjectExists {
		// A status deleted since is not delivered any more.
		return river.JobCancel(fmt.Errorf("%s was deleted", a.ObjectURI))
	}
	if !state.Federates && !strings.EqualFold(u.Host, f.links.Domain()) {
		return river.JobCancel(fmt.Errorf("%s is blocked", u.Host))
	}
	if wait := state.PausedUntil.Sub(f.now()); wait > 0 {
		return river.JobSnooze(wait)
	} else if !state.PausedUntil.IsZero() {
		// The pause is over: one delivery probes the domain, the others
		// look again when it has answered.
		probe, err := f.store.ClaimProbe(ctx, u.Host)
		if err != nil {
			return err
		}
		if !probe {
			return river.JobSnooze(probeWait)
		}
	}
	key, err := f.signingKeyOf(ctx, a.SignerID)
	if err != nil {
		return err
	}
	release, err := f.slots.acquire(ctx, u.Host)
	if err != nil {
		return err
	}
	defer release()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(a.Activity))
	if err != nil {
		return river.JobCancel(err)
	}
	req.Header.Set("Content-Type", `application/activity+json`)
	req.Header.Set("Accept", `application/activity+json, application/json`)
	req.Header.Set("User-Agent", f.userAgent())
	if err := signRequest(req, key.id, key.key, a.Activity, f.now()); err != nil {
		return err
	}
	res, err := f.http.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			return river.JobCancel(err)
		}
		_ = f.store.RecordDelivery(ctx, u.Host, false)
		f.metrics.deliveries.WithLabelValues("error").Inc()
		return fmt.Errorf("deliver %s to %s: %w", a.Type, a.Inbox, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		f.metrics.deliveries.WithLabelValues("ok").Inc()
		return f.store.RecordDelivery(ctx, u.Host, true)
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
		f.metrics.deliveries.WithLabelValues("retry").Inc()
		if d := retryAfter(res.Header.Get("Retry-After"), f.now()); d > 0 {
			return river.JobSnooze(d)
		}
		return fmt.Errorf("deliver to %s: %s", a.Inbox, res.Status)
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusRequestTimeout:
		// The server is there and refuses this activity: trying again
		// will not change its mind.
		f.metrics.deliveries.WithLabelValues("refused").Inc()
		_ = f.store.RecordDelivery(ctx, u.Host, true)
		return river.JobCancel(fmt.Errorf("%s refused %s: %s", a.Inbox, a.Type, res.Status))
	default:
		f.metrics.deliveries.WithLabelValues("error").Inc()
		_ = f.store.RecordDelivery(ctx, u.Host, false)
		return fmt.Errorf("deliver %s to %s: %s", a.Type, a.Inbox, res.Status)
	}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), bounded
// to six hours.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, 6*time.Hour)
}

// signingKeyOf returns the key of a local actor, parsed once for each key
// it has had: a key rotated by another process is used from the next
// request on.
func (f *Federator) signingKeyOf(ctx context.Context, accountID string) (signingKey, error) {
	a, err := f.store.ActorByAccountID(ctx, accountID)
	if err != nil {
		return signingKey{}, err
	}
	if !a.Local() || a.PrivateKeyPEM == "" {
		return signingKey{}, fmt.Errorf("actor %s has no private key", accountID)
	}
	f.keysMu.Lock()
	k, ok := f.keys[accountID]
	f.keysMu.Unlock()
	if ok && k.pem == a.PrivateKeyPEM {
		return k, nil
	}
	key, err := roundtable.ParsePrivateKey(a.PrivateKeyPEM)
	if err != nil {
		return signingKey{}, fmt.Errorf("key of %s: %w", accountID, err)
	}
	k = signingKey{id: a.PublicKeyID, key: key, pem: a.PrivateKeyPEM}
	f.keysMu.Lock()
	f.keys[accountID] = k
	f.keysMu.Unlock()
	return k, nil
}

// instanceKey returns the instance actor's key, which signs fetches.
func (f *Federator) instanceKey(ctx context.Context) (signingKey, error) {
	a, err := f.store.InstanceActor(ctx)
	if err != nil {
		return signingKey{}, err
	}
	return f.signingKeyOf(ctx, a.AccountID)
}
