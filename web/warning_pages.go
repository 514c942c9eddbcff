package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The member's page of moderation notices: their warnings, with a form to
// appeal each once, and the consultations that banned them.

// warningPageRoutes registers the page; it sits with the other
// cookie-authenticated pages.
func (s *Server) warningPageRoutes(r chi.Router) {
	r.Get("/warnings", s.warningsPage)
	r.Post("/warnings/{id}/appeal", s.appealSubmit)
}

// pageWarning is a warning as the page shows it.
type pageWarning struct {
	ID, Action, Text, CreatedAt string
	AppealState, AppealText     string
	AppealReason                string
	Appealable                  bool
}

// pageBan is a ban as the page shows it.
type pageBan struct {
	Consultation, Reason, CreatedAt string
}

func (s *Server) warningsPage(w http.ResponseWriter, r *http.Request) {
	m := s.sessionMember(r)
	if m == nil {
		http.Redirect(w, r, "/login?next=/warnings", http.StatusSeeOther)
		return
	}
	s.renderWarnings(w, r, m, http.StatusOK, map[string]any{"Appealed": r.URL.Query().Get("appealed") == "1"})
}

func (s *Server) renderWarnings(w http.ResponseWriter, r *http.Request, m *roundtable.Member, status int, data map[string]any) {
	ws, err := s.store.Warnings(r.Context(), m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.store.Now()
	var pw []pageWarning
	for _, x := range ws {
		pw = append(pw, pageWarning{ID: x.ID, Action: x.Action, Text: x.Text, CreatedAt: x.CreatedAt.Format("2006-01-02"),
			AppealState: deref(x.AppealState), AppealText: deref(x.AppealText), AppealReason: deref(x.AppealReason),
			Appealable: x.Appealable(now)})
	}
	bans, err := s.store.MemberBans(r.Context(), m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var pb []pageBan
	for _, b := range bans {
		name := b.ConsultationID
		if b.Group != nil {
			name = "@" + b.Group.Acct()
		}
		pb = append(pb, pageBan{Consultation: name, Reason: b.Reason, CreatedAt: b.CreatedAt.Format("2006-01-02")})
	}
	data["Warnings"], data["Bans"], data["Viewer"] = pw, pb, m
	s.render(w, r, status, "warnings", data)
}

func (s *Server) appealSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.sessionMember(r)
	if m == nil {
		http.Redirect(w, r, "/login?next=/warnings", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	_, err := s.store.Appeal(r.Context(), m, chi.URLParam(r, "id"), r.PostForm.Get("text"))
	var ve *roundtable.ValidationError
	var ce *roundtable.ConflictError
	switch {
	case errors.As(err, &ve):
		s.renderWarnings(w, r, m, http.StatusUnprocessableEntity, map[string]any{"Error": "warnings.appeal_text_needed"})
	case errors.As(err, &ce):
		s.renderWarnings(w, r, m, http.StatusConflict, map[string]any{"Error": "warnings.appeal_not_possible"})
	case err != nil:
		s.pageError(w, r, err)
	default:
		http.Redirect(w, r, "/warnings?appealed=1", http.StatusSeeOther)
	}
}
