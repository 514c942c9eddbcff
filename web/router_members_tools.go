package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// membersToolsRoutes are the client API's endpoints for members' own
// tools, peer policies and the moderation settings, under /api.
//
//   - POST /v1/accounts/{id}/remove_from_followers: the member's follower
//     stops following them (a remote one's server is told).
//   - GET /v1/instance/domain_blocks: the limited and blocked domains with
//     their public reasons, when the instance publishes them (404 if not).
//   - GET, PUT, DELETE /roundtable/v1/moderation/peers(/{domain}): peer
//     policies with both reasons, for admins (admin:read, admin:write).
//   - GET, PUT /roundtable/v1/moderation/settings: federation mode and what
//     the instance publishes of its moderation, for admins.
//   - GET /roundtable/v1/moderation/log/public: the public moderation log,
//     without a token, when the instance publishes it (404 if not).
func (s *Server) membersToolsRoutes(r chi.Router) {
	need := func(sc string) func(next http.Handler) http.Handler { return scope(sc, false) }
	r.With(need("write:follows")).Post("/v1/accounts/{id}/remove_from_followers", s.relationshipHandler(s.store.RemoveFromFollowers))
	r.Get("/v1/instance/domain_blocks", s.publishedDomainBlocks)
	const peers = "/roundtable/v1/moderation/peers"
	r.With(need("admin:read")).Get(peers, s.listPeerPolicies)
	r.With(need("admin:read")).Get(peers+"/{domain}", s.getPeerPolicy)
	r.With(need("admin:write")).Put(peers+"/{domain}", s.putPeerPolicy)
	r.With(need("admin:write")).Delete(peers+"/{domain}", s.deletePeerPolicy)
	r.Get("/roundtable/v1/moderation/log/public", s.publicModerationLog)
}

// membersToolsPages are the web pages of this area: the public
// moderation log.
func (s *Server) membersToolsPages(r chi.Router) {
	r.Get("/about/moderation", s.publicModerationLogPage)
}
