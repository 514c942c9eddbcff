package web

import "github.com/go-chi/chi/v5"

// streamingRoutes are the streaming API's: a WebSocket endpoint and a
// server-sent-events path for each stream.
func (s *Server) streamingRoutes(r chi.Router) {
	r.Get("/v1/streaming/health", s.streamingHealth)
	r.Get("/v1/streaming", s.streamingSocket)
	r.Get("/v1/streaming/", s.streamingSocket)
	r.Get("/v1/streaming/user", s.sse("user"))
	r.Get("/v1/streaming/user/notification", s.sse("user:notification"))
	r.Get("/v1/streaming/public", s.sse("public"))
	r.Get("/v1/streaming/public/local", s.sse("public:local"))
	r.Get("/v1/streaming/public/remote", s.sse("public:remote"))
	r.Get("/v1/streaming/hashtag", s.sse("hashtag"))
	r.Get("/v1/streaming/hashtag/local", s.sse("hashtag:local"))
	r.Get("/v1/streaming/list", s.sse("list"))
	r.Get("/v1/streaming/direct", s.sse("direct"))
}

// CloseStreams disconnects every streaming client and stops listening to
// the database; the server streams no more. Long-lived streaming
// connections do not end by themselves when the HTTP server shuts down.
func (s *Server) CloseStreams() { s.hub.close() }
