// Package federation speaks ActivityPub and its discovery protocols for the
// instance: NodeInfo, WebFinger, actors, HTTP signatures, inboxes, outboxes,
// delivery and fetching. It never writes SQL; it calls the root package.
// github.com/go-fed/activity is imported only here.
package federation

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/cors"

	"github.com/roundtable-fed/roundtable"
)

// Config describes the instance to other servers.
type Config struct {
	// Name is the instance's display name.
	Name string
	// Version is Roundtable's version.
	Version string
	// Insecure allows plain http ids and requests to loopback and private
	// addresses: for development and tests only.
	Insecure bool
	// Logger receives what goes wrong with other servers.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RetryBase is the wait after a delivery's first failure, doubled for
	// each later one up to a day; 0 means 30 seconds.
	RetryBase time.Duration
	// Registry collects federation metrics; nil for none.
	Registry *prometheus.Registry
	// InboxRequestsPer5Min is how many activities one server may post to
	// the inboxes in 5 minutes; 0 for no limit.
	InboxRequestsPer5Min int
}

// Federator is the federation side of an instance.
type Federator struct {
	cfg     Config
	store   *roundtable.Store
	links   roundtable.Links
	http    *http.Client
	log     *slog.Logger
	queue   *river.Client[pgx.Tx]
	slots   domainSlots
	keysMu  sync.Mutex
	keys    map[string]signingKey
	pubKeys publicKeyCache
	metrics metrics
	// keyFetches bounds how often a key is fetched to check signatures.
	keyFetches keyFetches
}

type metrics struct {
	deliveries *prometheus.CounterVec
	inbox      *prometheus.CounterVec
}

// New returns the federation side of the instance.
func New(cfg Config, store *roundtable.Store) *Federator {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &Federator{cfg: cfg, store: store, links: store.Links(), http: newHTTPClient(cfg.Insecure), log: cfg.Logger,
		keys: map[string]signingKey{}}
	f.metrics.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "roundtable_deliveries_total", Help: "Attempts to deliver activities to other servers, by outcome.",
	}, []string{"outcome"})
	f.metrics.inbox = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "roundtable_inbox_activities_total", Help: "Activities received from other servers, by outcome.",
	}, []string{"outcome"})
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(f.metrics.deliveries, f.metrics.inbox)
	}
	return f
}

func (f *Federator) now() time.Time { return f.cfg.Now() }

// Routes adds the federation endpoints to r.
func (f *Federator) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(cors.Handler(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}))
		r.Get("/.well-known/nodeinfo", f.nodeInfoLinks)
		r.Get("/nodeinfo/2.0", f.nodeInfo("2.0"))
		r.Get("/nodeinfo/2.1", f.nodeInfo("2.1"))
		r.Get("/.well-known/webfinger", f.webfinger)
		r.Get("/.well-known/host-meta", f.hostMeta)
	})
	r.Get("/actor", f.serveInstanceActor)
	r.With(f.refuseBlocked).Get("/consultations", f.consultations)
	r.With(f.refuseBlocked).Get("/advisories", f.advisories)
	r.With(f.refuseBlocked).Get("/advisories/{id}", f.advisory)
	limit := f.inboxLimit() // one allowance for every inbox
	r.With(limit).Post("/actor/inbox", f.inbox)
	r.With(limit).Post("/inbox", f.inbox)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Use(f.refuseBlocked)
		r.Get("/", f.serveActor)
		r.With(limit).Post("/inbox", f.inbox)
		r.Get("/outbox", f.outbox)
		r.Get("/followers", f.collection("followers"))
		r.Get("/following", f.collection("following"))
		r.Get("/featured", f.featured)
		r.Get("/moderators", f.moderators)
		r.Get("/join_requests", f.joinRequests)
		r.Get("/threads/{id}", f.thread)
		r.Get("/statuses/{id}", f.statusObject(false))
		r.Get("/statuses/{id}/activity", f.statusObject(true))
		r.Get("/statuses/{id}/replies", f.replies)
		r.Get("/quote_authorizations/{id}", f.quoteAuthorization)
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = jsonEncoder(w).Encode(v)
}
