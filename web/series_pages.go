package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The series page: a series' template, its schedule, the way to follow it,
// and every edition with its dates and synthesis. Its facilitators open the
// next edition from it in one step.

// pageEdition is an edition as the series page lists it.
type pageEdition struct {
	Number                   int
	Title, URL, Phase        string
	Opens, Synthesis, Closes string // YYYY-MM-DD, or ""
	SynthesisURL             string
	Cohosts                  []string
	Gone                     bool // its consultation was deleted
	// CohostStates says where each co-host of the edition stands: a
	// catalogue key (cohost.state.…, or series.cohost_not_invited).
	CohostStates []pageCohost
}

// pageCohost is a co-host as the series page lists it.
type pageCohost struct{ Domain, State string }

func (s *Server) seriesPages(r chi.Router) {
	r.Get("/series/{slug}", s.seriesPage)
	r.Post("/series/{slug}/open", s.openEditionSubmit)
}

func pageDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func (s *Server) seriesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	se, err := s.store.Series(ctx, chi.URLParam(r, "slug"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	eds, err := s.store.Editions(ctx, se.AccountID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	editions := make([]pageEdition, 0, len(eds))
	for _, e := range eds {
		pe := pageEdition{Number: e.Number, Cohosts: e.Cohosts, Gone: e.Slug == nil}
		if e.Slug != nil {
			pe.Title, pe.URL, pe.Phase = *e.Title, s.links.Profile(*e.Slug), "phase."+string(*e.Phase)
			pe.Opens, pe.Synthesis, pe.Closes = pageDate(e.OpensAt), pageDate(e.SynthesisAt), pageDate(e.ClosesAt)
			if e.SynthesisID != nil {
				pe.SynthesisURL = s.links.StatusURL(*e.Slug, *e.SynthesisID)
			}
			if pe.CohostStates, err = s.editionCohosts(r, *e.Slug, e.Cohosts); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		editions = append(editions, pe)
	}
	var facilitators []string
	for _, f := range se.Facilitators {
		facilitators = append(facilitators, f.Username)
	}
	m := s.sessionMember(r)
	data := map[string]any{
		"Series":       se,
		"Description":  template.HTML(roundtable.RenderMarkdown(se.Description, nil).HTML), //nolint:gosec // sanitised by the renderer
		"Handle":       "@" + se.Slug + "@" + s.links.Domain(),
		"Editions":     editions,
		"Facilitators": facilitators,
		"NextDue":      pageDate(se.NextDueAt),
		"MayOpen":      se.IsFacilitator(m),
		"GroupID":      se.AccountID,
		"Back":         r.URL.Path,
		"Flash":        s.sessions.PopString(ctx, pageFlashKey),
		"Error":        s.sessions.PopString(ctx, pageErrorKey),
		"Interact":     &interactForm{URI: s.links.Actor(se.Slug)},
	}
	if data["Untrusted"], err = s.untrustedCohosts(r, se.Cohosts); err != nil {
		s.pageError(w, r, err)
		return
	}
	if m != nil {
		data["Viewer"] = m
		rel, err := s.store.Relationship(ctx, m.ID, se.AccountID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data["Relationship"] = rel
	}
	s.render(w, r, http.StatusOK, "series", data)
}

// openEditionSubmit opens the next edition of a series (its facilitators)
// and sends the browser to it.
func (s *Server) openEditionSubmit(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	back := "/series/" + slug
	m := s.requireMember(w, r, back)
	if m == nil || !s.readForm(w, r) {
		return
	}
	c, err := s.store.OpenEditionAs(r.Context(), m, slug)
	if err != nil {
		if _, msg, ok := userError(err); ok && msg != "" {
			s.sessions.Put(r.Context(), pageErrorKey, msg)
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "series.opened")
	http.Redirect(w, r, fmt.Sprintf("/@%s", c.Slug), http.StatusSeeOther)
}

// seriesRedirect sends a browser asking for a series' Group profile to the
// series page, and reports whether it did.
func (s *Server) seriesRedirect(w http.ResponseWriter, r *http.Request, a *roundtable.Account) bool {
	if _, err := s.store.SeriesByAccount(r.Context(), a.ID); err != nil {
		return false
	}
	http.Redirect(w, r, "/series/"+a.Username, http.StatusFound)
	return true
}
