package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Consultation series in Roundtable's own JSON API:
//
//   - GET /api/roundtable/v1/series and …/series/{slug}: open to anyone (a
//     token, if given, needs "read").
//   - POST /api/roundtable/v1/series starts a series: an admin's token with
//     "write" or "admin:write".
//   - POST …/series/{slug}/editions opens the next edition: a facilitator's
//     (or an admin's) token with "write".
//
// Invalid input is a 422 naming the field, and stores nothing.
func (s *Server) seriesAPIRoutes(r chi.Router) {
	const base = "/roundtable/v1/series"
	r.With(scope("read", true)).Get(base, s.listSeries)
	r.With(anyScope("write", "admin:write")).Post(base, s.createSeries)
	r.With(scope("read", true)).Get(base+"/{slug}", s.getSeries)
	r.With(scope("write", false)).Post(base+"/{slug}/editions", s.openEdition)
}

type editionJSON struct {
	Number      int      `json:"number"`
	Slug        *string  `json:"slug"` // null once its consultation is deleted
	Title       *string  `json:"title"`
	URL         *string  `json:"url"`
	Phase       *string  `json:"phase"`
	Cohosts     []string `json:"cohosts"`
	OpensAt     *string  `json:"opens_at"`
	SynthesisAt *string  `json:"synthesis_at"`
	ClosesAt    *string  `json:"closes_at"`
	SynthesisID *string  `json:"synthesis_id"`
	DueAt       *string  `json:"due_at"` // the scheduled date it answered, if any
	OpenedAt    string   `json:"opened_at"`
}

type seriesJSON struct {
	Slug               string        `json:"slug"`
	Acct               string        `json:"acct"`
	AccountID          string        `json:"account_id"`
	URI                string        `json:"uri"`
	URL                string        `json:"url"`
	Title              string        `json:"title"`
	Description        string        `json:"description"`
	PromptPattern      string        `json:"prompt_pattern"`
	Norms              []string      `json:"norms"`
	Participation      string        `json:"participation"`
	Attribution        string        `json:"attribution"`
	Cohosts            []string      `json:"cohosts"`
	SynthesisAfterDays int           `json:"synthesis_after_days"`
	ClosesAfterDays    int           `json:"closes_after_days"`
	IntervalDays       *int          `json:"interval_days"`
	NextDueAt          *string       `json:"next_due_at"`
	Facilitators       []accountJSON `json:"facilitators"`
	Followers          int           `json:"followers"`
	Editions           []editionJSON `json:"editions"`
}

func (s *Server) seriesEntity(se *roundtable.Series, eds []*roundtable.Edition) seriesJSON {
	out := seriesJSON{Slug: se.Slug, Acct: se.Slug + "@" + s.links.Domain(), AccountID: se.AccountID,
		URI: s.links.Actor(se.Slug), URL: s.links.Base + "/series/" + se.Slug, Title: se.Title,
		Description: se.Description, PromptPattern: se.PromptPattern, Norms: nonNil(se.Norms),
		Participation: string(se.Participation), Attribution: string(se.Attribution), Cohosts: nonNil(se.Cohosts),
		SynthesisAfterDays: se.SynthesisAfterDays, ClosesAfterDays: se.ClosesAfterDays, IntervalDays: se.IntervalDays,
		NextDueAt: apiTimePtr(se.NextDueAt), Facilitators: []accountJSON{}, Followers: se.Followers, Editions: []editionJSON{}}
	for i := range se.Facilitators {
		out.Facilitators = append(out.Facilitators, s.account(&se.Facilitators[i]))
	}
	for _, e := range eds {
		j := editionJSON{Number: e.Number, Slug: e.Slug, Title: e.Title, Cohosts: nonNil(e.Cohosts),
			OpensAt: apiTimePtr(e.OpensAt), SynthesisAt: apiTimePtr(e.SynthesisAt), ClosesAt: apiTimePtr(e.ClosesAt),
			SynthesisID: e.SynthesisID, DueAt: apiTimePtr(e.DueAt), OpenedAt: apiTime(e.OpenedAt)}
		if e.Slug != nil {
			u, p := s.links.Profile(*e.Slug), string(*e.Phase)
			j.URL, j.Phase = &u, &p
		}
		out.Editions = append(out.Editions, j)
	}
	return out
}

func (s *Server) writeSeries(w http.ResponseWriter, r *http.Request, se *roundtable.Series) {
	eds, err := s.store.Editions(r.Context(), se.AccountID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.seriesEntity(se, eds))
}

func (s *Server) listSeries(w http.ResponseWriter, r *http.Request) {
	all, err := s.store.AllSeries(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]seriesJSON, 0, len(all))
	for _, se := range all {
		out = append(out, s.seriesEntity(se, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getSeries(w http.ResponseWriter, r *http.Request) {
	se, err := s.store.Series(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSeries(w, r, se)
}

func (s *Server) createSeries(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var ns roundtable.NewSeries
	var participation, attribution string
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"slug", &ns.Slug}, {"title", &ns.Title}, {"description", &ns.Description}, {"prompt_pattern", &ns.PromptPattern},
		{"participation", &participation}, {"attribution", &attribution},
	} {
		if *f.dst, err = p.str(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	ns.Participation, ns.Attribution = roundtable.Participation(participation), roundtable.Attribution(attribution)
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"norms", &ns.Norms}, {"cohosts", &ns.Cohosts}, {"facilitators", &ns.Facilitators}} {
		if *f.dst, err = p.strList(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"synthesis_after_days", &ns.SynthesisAfterDays}, {"closes_after_days", &ns.ClosesAfterDays}, {"interval_days", &ns.IntervalDays}} {
		if *f.dst, err = p.integer(f.name, 0); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if ns.FirstDue, err = p.dateTime("first_due"); err != nil {
		s.writeError(w, r, err)
		return
	}
	se, err := s.store.CreateSeriesAs(r.Context(), m, ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSeries(w, r, se)
}

// openEdition opens the next edition of a series and answers with it.
func (s *Server) openEdition(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.OpenEditionAs(r.Context(), m, chi.URLParam(r, "slug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeConsultation(w, r, http.StatusOK, c)
}
