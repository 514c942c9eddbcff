package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// moderationActionRoutes are the moderation actions on contributions and
// accounts, the queue of held contributions, and the moderation settings.
// Each action takes a reason and, optionally, the number of the norm it
// cites.
func (s *Server) moderationActionRoutes(r chi.Router) {
	const base = "/roundtable/v1/moderation"
	read, write := scope("admin:read", false), scope("admin:write", false)
	r.With(read).Get(base+"/held", s.heldContributions)
	r.With(write).Post(base+"/contributions/{id}/hold", s.contributionAction(s.store.HoldContribution))
	r.With(write).Post(base+"/contributions/{id}/release", s.contributionAction(s.store.ReleaseContribution))
	r.With(write).Post(base+"/contributions/{id}/hide", s.hideContribution)
	r.With(write).Post(base+"/contributions/{id}/unhide", s.contributionAction(s.store.UnhideContribution))
	r.With(write).Post(base+"/accounts/{id}/limit", s.accountAction(s.store.LimitAccount))
	r.With(write).Post(base+"/accounts/{id}/unlimit", s.accountAction(s.store.UnlimitAccount))
	r.With(read).Get(base+"/settings", s.moderationSettings)
	r.With(write).Patch(base+"/settings", s.updateModerationSettings)
	r.With(write).Put(base+"/settings", s.updateModerationSettings)
	r.With(read).Get(base+"/consultations/{slug}", s.consultationModeration)
	r.With(write).Patch(base+"/consultations/{slug}", s.updateConsultationModeration)
}

// moderationReason reads an action's reason and cited norm.
func moderationReason(p *params) (roundtable.Grounds, error) {
	var mr roundtable.Grounds
	var err error
	if mr.Reason, err = p.str("reason"); err != nil {
		return mr, err
	}
	if mr.Norm, err = p.integer("norm", 0); err != nil {
		return mr, err
	}
	return mr, nil
}

type statusAct func(ctx context.Context, m *roundtable.Member, id string, r roundtable.Grounds) (*roundtable.Status, error)

// contributionAction serves an action on a contribution and answers with
// the contribution as it now is.
func (s *Server) contributionAction(act statusAct) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, p, ok := s.memberParams(w, r)
		if !ok {
			return
		}
		mr, err := moderationReason(p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		st, err := act(r.Context(), m, chi.URLParam(r, "id"), mr)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.status(st, false))
	}
}

// hideContribution puts a contribution behind the content warning given as
// spoiler_text (the reason, when none is given).
func (s *Server) hideContribution(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	mr, err := moderationReason(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	warning, err := p.str("spoiler_text")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.store.HideContribution(r.Context(), m, chi.URLParam(r, "id"), warning, mr)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

type accountAct func(ctx context.Context, m *roundtable.Member, id string, r roundtable.Grounds) (*roundtable.Account, error)

// moderatedAccountJSON is an account with its moderation state.
type moderatedAccountJSON struct {
	accountJSON
	Limited bool `json:"limited"`
}

// accountAction serves an action on an account and answers with the
// account as it now is.
func (s *Server) accountAction(act accountAct) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, p, ok := s.memberParams(w, r)
		if !ok {
			return
		}
		mr, err := moderationReason(p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		acc, err := act(r.Context(), m, chi.URLParam(r, "id"), mr)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		limited, err := s.store.AccountLimited(r.Context(), acc.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, moderatedAccountJSON{accountJSON: s.account(acc), Limited: limited})
	}
}

// heldContributions lists the contributions held for review that the
// caller moderates, oldest first.
func (s *Server) heldContributions(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sts, err := s.store.HeldContributions(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.statuses(sts))
}

type consultationModerationJSON struct {
	Slug          string `json:"slug"`
	Premoderation bool   `json:"premoderation"`
}

// consultationModeration shows a consultation's pre-moderation (its
// facilitators).
func (s *Server) consultationModeration(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	slug := chi.URLParam(r, "slug")
	on, err := s.store.ConsultationPremoderation(r.Context(), m, slug)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, consultationModerationJSON{Slug: slug, Premoderation: on})
}

// updateConsultationModeration turns a consultation's pre-moderation on
// or off (its facilitators).
func (s *Server) updateConsultationModeration(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	on, err := p.boolean("premoderation")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if on == nil {
		s.writeError(w, r, roundtable.Invalid("premoderation", "is required: true or false"))
		return
	}
	slug := chi.URLParam(r, "slug")
	if err := s.store.SetConsultationPremoderation(r.Context(), m, slug, *on); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, consultationModerationJSON{Slug: slug, Premoderation: *on})
}
