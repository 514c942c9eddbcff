package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Removing a contribution from its thread page: a facilitator of the
// consultation finds, under each of its contributions (thread starters and
// replies alike), a form to remove it with a reason. It calls the same
// store function as the facilitator's page and the JSON API.

// threadRemovalPages registers the form.
func (s *Server) threadRemovalPages(r chi.Router) {
	r.Post("/contributions/{id}/remove", s.removeFromThreadSubmit)
}

// mayRemoveFromThread reports whether m facilitates the consultation c,
// hosted here, that st belongs to.
func mayRemoveFromThread(c *roundtable.Consultation, m *roundtable.Member, st *roundtable.Status) bool {
	return c != nil && m != nil && st.GroupID != nil && *st.GroupID == c.AccountID && c.IsFacilitator(m)
}

func (s *Server) removeFromThreadSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, "/")
	if m == nil || !s.readForm(w, r) {
		return
	}
	ctx := r.Context()
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := s.store.ConsultationOfStatus(ctx, st)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !mayRemoveFromThread(c, m, st) {
		s.pageError(w, r, roundtable.ErrForbidden)
		return
	}
	// The page of the removed contribution is gone: a reply's thread, or
	// the consultation for a thread starter.
	next := formBack(r, s.threadPath(st))
	if strings.Contains(next, st.ID) {
		next = s.removedContributionNext(r, m, st)
	}
	if err := s.store.RemoveContribution(ctx, m, c.Slug, st.ID, r.PostForm.Get("reason")); err != nil {
		s.threadError(w, r, m, st, err)
		return
	}
	s.sessions.Put(ctx, pageFlashKey, "facilitate.removed")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// removedContributionNext is where the browser goes once st is removed:
// its thread's page for a reply, its consultation's page for a thread
// starter.
func (s *Server) removedContributionNext(r *http.Request, m *roundtable.Member, st *roundtable.Status) string {
	if st.ThreadID != st.ID {
		if root, err := s.store.Status(r.Context(), st.ThreadID, m.ID); err == nil {
			return s.threadPath(root)
		}
	}
	if g, err := s.store.Account(r.Context(), *st.GroupID); err == nil {
		return s.profilePath(g)
	}
	return "/"
}
