package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// chathamAuthor tells a consultation's facilitator who wrote a contribution
// that the consultation republished under its name (Chatham House mode).
func (s *Server) chathamAuthor(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.store.ChathamAuthor(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.account(a))
}
