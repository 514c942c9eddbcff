package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// statusExtraRoutes are the client API's reblogs, pins, conversation
// mutes, status history and lists, and the instance's peers and activity.
func (s *Server) statusExtraRoutes(r chi.Router) {
	read := func(sc string) func(next http.Handler) http.Handler { return scope("read:"+sc, true) }
	need := func(sc string) func(next http.Handler) http.Handler { return scope(sc, false) }

	r.With(read("statuses")).Get("/v1/statuses", s.statusesByID)
	r.With(read("statuses")).Get("/v1/statuses/{id}/history", s.statusHistory)
	r.With(read("accounts")).Get("/v1/statuses/{id}/reblogged_by", s.rebloggedBy)
	r.With(need("write:statuses")).Post("/v1/statuses/{id}/reblog", s.statusAction(s.store.Reblog))
	r.With(need("write:statuses")).Post("/v1/statuses/{id}/unreblog", s.statusAction(s.store.Unreblog))
	r.With(need("write:accounts")).Post("/v1/statuses/{id}/pin", s.statusAction(s.store.Pin))
	r.With(need("write:accounts")).Post("/v1/statuses/{id}/unpin", s.statusAction(s.store.Unpin))
	r.With(need("write:mutes")).Post("/v1/statuses/{id}/mute", s.statusAction(s.store.MuteConversation))
	r.With(need("write:mutes")).Post("/v1/statuses/{id}/unmute", s.statusAction(s.store.UnmuteConversation))

	r.Get("/v1/instance/peers", s.instancePeers)
	r.Get("/v1/instance/activity", s.instanceActivity)
	r.Get("/v1/instance/extended_description", s.extendedDescription)
}
