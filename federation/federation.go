// Package federation speaks ActivityPub and its discovery protocols for the
// instance: NodeInfo, WebFinger, actors, HTTP signatures, inboxes, outboxes,
// delivery and fetching. It never writes SQL; it calls the root package.
// github.com/go-fed/activity is imported only here.
package federation

import (
	"net/http"

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
}

// Server serves the federation endpoints.
type Server struct {
	cfg   Config
	store *roundtable.Store
	links roundtable.Links
}

// New returns the federation side of the instance.
func New(cfg Config, store *roundtable.Store) *Server {
	return &Server{cfg: cfg, store: store, links: store.Links()}
}

// Routes adds the federation endpoints to r.
func (s *Server) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(cors.Handler(cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}))
		r.Get("/.well-known/nodeinfo", s.nodeInfoLinks)
		r.Get("/nodeinfo/2.0", s.nodeInfo("2.0"))
		r.Get("/nodeinfo/2.1", s.nodeInfo("2.1"))
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = jsonEncoder(w).Encode(v)
}
