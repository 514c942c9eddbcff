package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// What a facilitator does to contributions and accounts from their
// consultation's page: remove a contribution with a reason, release one
// held for review, ban an account from the consultation with a reason.
// Each form calls the same store function as the JSON API, which checks
// who may.

// facilitatorModerationPages registers the forms.
func (s *Server) facilitatorModerationPages(r chi.Router) {
	r.Post("/facilitate/{slug}/contributions/{id}/remove", s.facilitateAction((*Server).removeContributionForm))
	r.Post("/facilitate/{slug}/contributions/{id}/release", s.facilitateAction((*Server).releaseContributionForm))
	r.Post("/facilitate/{slug}/accounts/{id}/ban", s.facilitateAction((*Server).banFromConsultationForm))
}

// facHeld is a contribution held for review, as the facilitator's page
// lists it.
type facHeld struct {
	ID, Excerpt string
	Moderate    facModeration
}

// facModeration is what the forms to remove a contribution and to ban its
// author need.
type facModeration struct {
	Slug, ID, Title string
	// AuthorID is empty for the Group's own copy of a contribution
	// (Chatham House), whose author is not banned from the page.
	AuthorID string
}

func facModerationOf(c *roundtable.Consultation, st *roundtable.Status, title string) facModeration {
	f := facModeration{Slug: c.Slug, ID: st.ID, Title: title}
	if st.AccountID != c.AccountID {
		f.AuthorID = st.AccountID
	}
	return f
}

// facilitateHeld returns the contributions to c held for review.
func (s *Server) facilitateHeld(ctx context.Context, m *roundtable.Member, c *roundtable.Consultation) ([]facHeld, error) {
	sts, err := s.store.HeldContributions(ctx, m)
	if err != nil {
		return nil, err
	}
	var out []facHeld
	for _, st := range sts {
		if st.GroupID == nil || *st.GroupID != c.AccountID {
			continue
		}
		h := facHeld{ID: st.ID, Excerpt: excerpt(roundtable.PlainText(st.Content), 140)}
		h.Moderate = facModerationOf(c, st, h.Excerpt)
		out = append(out, h)
	}
	return out, nil
}

func (s *Server) removeContributionForm(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	if _, err := s.facilitatedConsultation(r, m); err != nil {
		return "", err
	}
	return "facilitate.removed", s.store.RemoveContribution(r.Context(), m, slug, chi.URLParam(r, "id"), r.PostForm.Get("reason"))
}

func (s *Server) releaseContributionForm(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	c, err := s.facilitatedConsultation(r, m)
	if err != nil {
		return "", err
	}
	held, err := s.facilitateHeld(r.Context(), m, c)
	if err != nil {
		return "", err
	}
	id := chi.URLParam(r, "id")
	for _, h := range held {
		if h.ID == id {
			_, err := s.store.ReleaseContribution(r.Context(), m, id, roundtable.Grounds{Reason: r.PostForm.Get("reason")})
			return "facilitate.released", err
		}
	}
	return "", fmt.Errorf("held contribution %s in %s: %w", id, slug, roundtable.ErrNotFound)
}

func (s *Server) banFromConsultationForm(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	if _, err := s.facilitatedConsultation(r, m); err != nil {
		return "", err
	}
	id := chi.URLParam(r, "id")
	if !roundtable.ValidID(id) {
		return "", roundtable.ErrNotFound
	}
	_, err := s.store.BanFromConsultation(r.Context(), m, slug, id, roundtable.Grounds{Reason: r.PostForm.Get("reason")})
	return "facilitate.banned", err
}
