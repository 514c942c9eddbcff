package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"

	"github.com/roundtable-fed/roundtable"
)

// Advisories across the network. An instance's advisories are an
// OrderedCollection linked from its instance actor ("advisories"), served
// only to signed requests from the peers it trusts. A peer subscribes by
// sending a Follow whose object is that collection; it is accepted when the
// instance trusts the peer. New advisories are delivered as Create, changes
// as Update, retractions as Delete. On acceptance the subscriber reads the
// whole collection, so nothing missed while apart is lost.
//
//	{"type": "Advisory", "id": "https://a.example/advisories/01J…",
//	 "attributedTo": "https://a.example/actor", "subject": "spam.example",
//	 "labels": ["spam"], "suggestedAction": "block",
//	 "summary": "public reason", "published": "…", "endTime": "…"}

// maxAdvisories bounds the advisories served and read at once.
const maxAdvisories = 1000

// advisoryDocument is an advisory as ActivityStreams shows it.
func (f *Federator) advisoryDocument(a *roundtable.Advisory) map[string]any {
	doc := map[string]any{
		"id": a.URI, "type": "Advisory", "attributedTo": a.IssuerURI,
		"subject": a.Subject, "subjectKind": a.SubjectKind, "labels": a.Labels,
		"suggestedAction": string(a.SuggestedAction), "summary": a.Summary,
		"published": a.PublishedAt.UTC().Format(time.RFC3339),
		"to":        []any{f.links.Advisories()},
	}
	if a.Labels == nil {
		doc["labels"] = []string{}
	}
	if a.UpdatedAt != nil {
		doc["updated"] = a.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if a.ExpiresAt != nil {
		doc["endTime"] = a.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return doc
}

// advisoryActivity builds the Create or Delete of an advisory.
func (f *Federator) advisoryActivity(o *roundtable.Outgoing) map[string]any {
	a := o.Advisory
	if o.Kind == roundtable.OutRetractAdvisory {
		return map[string]any{"@context": contextValue, "id": a.URI + "#delete", "type": "Delete", "actor": o.Actor.URI,
			"to": []any{f.links.Advisories()}, "object": map[string]any{"id": a.URI, "type": "Tombstone"}}
	}
	if o.Kind == roundtable.OutUpdateAdvisory {
		return map[string]any{"@context": contextValue, "id": a.URI + "#updates/" + strconv.FormatInt(a.UpdatedAt.UnixMilli(), 10),
			"type": "Update", "actor": o.Actor.URI, "to": []any{f.links.Advisories()}, "object": f.advisoryDocument(a)}
	}
	return map[string]any{"@context": contextValue, "id": a.URI + "#create", "type": "Create", "actor": o.Actor.URI,
		"to": []any{f.links.Advisories()}, "object": f.advisoryDocument(a)}
}

// trustedSigner checks that r is signed by an instance this one trusts, and
// returns its host; otherwise it answers r and returns "".
func (f *Federator) trustedSigner(w http.ResponseWriter, r *http.Request) string {
	signer, err := verifyRequest(r.Context(), r, f.links.Base+r.URL.RequestURI(), nil, f.now(), f.findKey)
	if err != nil {
		writeActivity(w, http.StatusUnauthorized, map[string]string{"error": "advisories are served to signed requests only: " + err.Error()})
		return ""
	}
	host := hostOf(signer.Owner)
	if !f.trusted(r.Context(), host) {
		writeActivity(w, http.StatusForbidden, map[string]string{"error": "advisories are shared with trusted peers only"})
		return ""
	}
	return host
}

// advisories serves this instance's live advisories to trusted peers.
func (f *Federator) advisories(w http.ResponseWriter, r *http.Request) {
	if f.trustedSigner(w, r) == "" {
		return
	}
	as, err := f.store.IssuedAdvisories(r.Context(), maxAdvisories)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	items := make([]any, len(as))
	for i, a := range as {
		items[i] = f.advisoryDocument(a)
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": f.links.Advisories(),
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}

// advisory serves one advisory issued here to trusted peers; a retracted
// one is gone.
func (f *Federator) advisory(w http.ResponseWriter, r *http.Request) {
	if f.trustedSigner(w, r) == "" {
		return
	}
	a, err := f.store.IssuedAdvisory(r.Context(), f.links.AdvisoryURI(chi.URLParam(r, "id")))
	if errors.Is(err, roundtable.ErrNotFound) {
		writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such advisory"})
		return
	}
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	if a.RetractedAt != nil {
		writeActivity(w, http.StatusGone, map[string]any{"@context": contextValue, "id": a.URI, "type": "Tombstone",
			"deleted": a.RetractedAt.UTC().Format(time.RFC3339)})
		return
	}
	doc := f.advisoryDocument(a)
	doc["@context"] = contextValue
	writeActivity(w, http.StatusOK, doc)
}

// incomingAdvisory reads an advisory document sent by issuer.
func incomingAdvisory(issuer *roundtable.Account, doc map[string]any) (roundtable.IncomingAdvisory, error) {
	in := roundtable.IncomingAdvisory{URI: str(doc["id"]), Subject: str(doc["subject"]), Labels: strs(doc["labels"]),
		Action: str(doc["suggestedAction"]), Summary: text(doc, "summary"), Expires: timeOf(doc["endTime"]),
		Updated: timeOf(doc["updated"])}
	if in.URI == "" || !sameHost(in.URI, issuer.URI) {
		return in, permanent("advisory %q is not on its issuer's host", in.URI)
	}
	if str(doc["attributedTo"]) != issuer.URI {
		return in, permanent("advisory %s is not attributed to its sender: advisories are first-hand only", in.URI)
	}
	if p := timeOf(doc["published"]); p != nil {
		in.Published = *p
	} else {
		in.Published = time.Now()
	}
	return in, nil
}

// receiveAdvisory stores an advisory a peer sent.
func (f *Federator) receiveAdvisory(ctx context.Context, issuer *roundtable.Account, doc map[string]any) error {
	in, err := incomingAdvisory(issuer, doc)
	if err != nil {
		return err
	}
	var invalid *roundtable.ValidationError
	if err := f.store.ReceiveAdvisory(ctx, issuer, in); errors.As(err, &invalid) {
		return permanent("advisory %s: %v", in.URI, err)
	} else if err != nil {
		return err
	}
	return nil
}

// AdvisorySubscribeArgs asks a trusted peer for its advisories.
type AdvisorySubscribeArgs struct {
	Domain string `json:"domain"`
}

// Kind names the job.
func (AdvisorySubscribeArgs) Kind() string { return "advisory_subscribe" }

// InsertOpts puts the job on the federation queue.
func (AdvisorySubscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 12}
}

type advisorySubscribeWorker struct {
	river.WorkerDefaults[AdvisorySubscribeArgs]
	f *Federator
}

func (w *advisorySubscribeWorker) Work(ctx context.Context, job *river.Job[AdvisorySubscribeArgs]) error {
	return w.f.subscribeAdvisories(ctx, job.Args.Domain)
}

// subscribeAdvisories finds a peer's advisories and sends the Follow that
// asks for them. A peer that publishes none is left alone.
func (f *Federator) subscribeAdvisories(ctx context.Context, domain string) error {
	if !f.trusted(ctx, domain) {
		return nil // no longer trusted
	}
	scheme := "https://"
	if f.cfg.Insecure {
		scheme = "http://"
	}
	actorDoc, err := f.fetchObject(ctx, scheme+domain+"/actor")
	if err != nil {
		return fmt.Errorf("advisories of %s: %w", domain, err)
	}
	collection := str(actorDoc["advisories"])
	if collection == "" {
		return nil
	}
	if !sameHost(collection, scheme+domain) {
		return river.JobCancel(fmt.Errorf("advisories of %s are on another host (%s)", domain, collection))
	}
	peer, err := f.saveActorDoc(ctx, actorDoc)
	if err != nil {
		return river.JobCancel(fmt.Errorf("advisories of %s: %w", domain, err))
	}
	actor, err := f.store.ActorByURI(ctx, peer.URI)
	if err != nil {
		return err
	}
	inst, err := f.store.InstanceActor(ctx)
	if err != nil {
		return err
	}
	followURI := inst.URI + "#advisory-follows/" + roundtable.NewID(f.now())
	ok, err := f.store.SaveAdvisorySubscription(ctx, roundtable.AdvisorySubscription{Domain: domain, ActorURI: peer.URI,
		CollectionURI: collection, Inbox: actor.DeliveryInbox(), FollowURI: followURI})
	if err != nil || !ok {
		return err
	}
	follow, err := json.Marshal(map[string]any{"@context": contextValue, "id": followURI, "type": "Follow",
		"actor": inst.URI, "object": collection, "to": []any{peer.URI}})
	if err != nil {
		return err
	}
	_, err = f.queue.Insert(ctx, DeliverArgs{Inbox: actor.DeliveryInbox(), Activity: follow, SignerID: inst.AccountID,
		Type: roundtable.OutFollow}, nil)
	return err
}

// advisoryReconcileEvery is how often subscriptions are brought in line with
// the peer policies (which admin commands may change while serve runs).
const advisoryReconcileEvery = 20 * time.Second

// AdvisoryReconcileArgs subscribes to the advisories of trusted peers not
// yet subscribed to, and reads those subscribed to now and then, so that
// nothing missed while a peer was unreachable is lost.
type AdvisoryReconcileArgs struct{}

// Kind names the job.
func (AdvisoryReconcileArgs) Kind() string { return "advisory_reconcile" }

// InsertOpts puts the job on the federation queue.
func (AdvisoryReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 1}
}

type advisoryReconcileWorker struct {
	river.WorkerDefaults[AdvisoryReconcileArgs]
	f *Federator
}

func (w *advisoryReconcileWorker) Work(ctx context.Context, _ *river.Job[AdvisoryReconcileArgs]) error {
	subscribe, pull, err := w.f.store.AdvisoryPeersDue(ctx, time.Now().Add(-10*time.Minute))
	if err != nil {
		return err
	}
	for _, d := range subscribe {
		if _, err := w.f.queue.Insert(ctx, AdvisorySubscribeArgs{Domain: d},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Minute}}); err != nil {
			return err
		}
	}
	for _, d := range pull {
		if _, err := w.f.queue.Insert(ctx, AdvisoryPullArgs{Domain: d},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}); err != nil {
			return err
		}
	}
	return nil
}

// AdvisoryPullArgs reads a subscribed peer's whole advisory collection.
type AdvisoryPullArgs struct {
	Domain string `json:"domain"`
}

// Kind names the job.
func (AdvisoryPullArgs) Kind() string { return "advisory_pull" }

// InsertOpts puts the job on the federation queue.
func (AdvisoryPullArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 12}
}

type advisoryPullWorker struct {
	river.WorkerDefaults[AdvisoryPullArgs]
	f *Federator
}

func (w *advisoryPullWorker) Work(ctx context.Context, job *river.Job[AdvisoryPullArgs]) error {
	return w.f.pullAdvisories(ctx, job.Args.Domain)
}

// pullAdvisories reads the advisories of a peer this instance subscribes
// to, each as if it had been delivered.
func (f *Federator) pullAdvisories(ctx context.Context, domain string) error {
	var sub *roundtable.AdvisorySubscription
	subs, err := f.store.AdvisorySubscriptions(ctx)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Domain == domain && s.AcceptedAt != nil {
			sub = s
		}
	}
	if sub == nil {
		return nil
	}
	issuer, err := f.accountByURI(ctx, sub.ActorURI)
	if err != nil {
		return err
	}
	doc, err := f.fetchObject(ctx, sub.CollectionURI)
	if err != nil {
		return fmt.Errorf("advisories of %s: %w", domain, err)
	}
	items := objects(doc["orderedItems"])
	if len(items) > maxAdvisories {
		items = items[:maxAdvisories]
	}
	for _, item := range items {
		if typeOf(item) != "Advisory" {
			continue
		}
		if err := f.receiveAdvisory(ctx, issuer, item); err != nil {
			var perm *permanentError
			if errors.As(err, &perm) {
				f.log.InfoContext(ctx, "advisory refused", "domain", domain, "err", err)
				continue
			}
			return err
		}
	}
	return nil
}

// advisoryFollow handles a Follow of this instance's advisories.
func (f *Federator) isAdvisoryCollection(uri string) bool {
	return uri == f.links.Advisories()
}

// advisoryAnswer applies a peer's Accept or Reject of our subscription; it
// reports whether the answer was about one.
func (f *Federator) advisoryAnswer(ctx context.Context, peer *roundtable.Account, doc map[string]any) (bool, error) {
	followURI := str(doc["object"])
	if inner := obj(doc["object"]); inner != nil {
		followURI = str(inner["id"])
	}
	if !strings.Contains(followURI, "#advisory-follows/") {
		return false, nil
	}
	accepted := typeOf(doc) == "Accept"
	sub, err := f.store.AdvisorySubscriptionAnswered(ctx, peer, followURI, accepted)
	if errors.Is(err, roundtable.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	if accepted {
		_, err = f.queue.Insert(ctx, AdvisoryPullArgs{Domain: sub.Domain}, nil)
	}
	return true, err
}
