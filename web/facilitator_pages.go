package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The facilitators' pages: the consultations a member facilitates, opening
// one (admins), and for each one page to edit it, move its phase, answer
// join requests, pin and lock threads, publish the synthesis and download
// the export. Every form calls the same store functions as the JSON API,
// which check who may.

// facilitatorPages registers the pages and their forms.
func (s *Server) facilitatorPages(r chi.Router) {
	r.Get("/facilitate", s.facilitateList)
	r.Get("/facilitate/new", s.newConsultationPage)
	r.Post("/facilitate/new", s.newConsultationSubmit)
	r.Get("/facilitate/{slug}", s.facilitatePage)
	r.Get("/facilitate/{slug}/export.{format}", s.facilitateExport)
	for path, do := range map[string]func(*Server, *http.Request, *roundtable.Member, string) (string, error){
		"/facilitate/{slug}":                       (*Server).saveConsultation,
		"/facilitate/{slug}/phase":                 (*Server).movePhase,
		"/facilitate/{slug}/joins/{id}/{answer}":   (*Server).answerJoinAction,
		"/facilitate/{slug}/threads/{id}/{action}": (*Server).threadActionForm,
		"/facilitate/{slug}/synthesis":             (*Server).publishSynthesisForm,
	} {
		r.Post(path, s.facilitateAction(do))
	}
}

// facilitateFlashKey is where the session keeps the message shown after a
// facilitator's form.
const facilitateFlashKey = "facilitate_flash"

func (s *Server) facilitateList(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	all, err := s.store.ConsultationsFor(r.Context(), m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var mine []*roundtable.Consultation
	for _, c := range all {
		if c.IsFacilitator(m) {
			mine = append(mine, c)
		}
	}
	s.render(w, r, http.StatusOK, "facilitate", map[string]any{"Consultations": mine, "MayCreate": m.Role == roundtable.RoleAdmin})
}

// participations and attributions are the choices of the forms.
var (
	participations = []string{string(roundtable.ParticipationOpen), string(roundtable.ParticipationApproval), string(roundtable.ParticipationMembers)}
	attributions   = []string{string(roundtable.AttributionNamed), string(roundtable.AttributionChatham)}
	phases         = []string{string(roundtable.PhaseDraft), string(roundtable.PhaseOpen), string(roundtable.PhaseSynthesis), string(roundtable.PhaseClosed)}
)

// requireCreator returns the signed-in member when they may open
// consultations (admins), or answers the request itself and returns nil.
func (s *Server) requireCreator(w http.ResponseWriter, r *http.Request) *roundtable.Member {
	m := s.requireMember(w, r, r.URL.Path)
	if m != nil && m.Role != roundtable.RoleAdmin {
		s.pageError(w, r, roundtable.ErrForbidden)
		return nil
	}
	return m
}

func (s *Server) newConsultationPage(w http.ResponseWriter, r *http.Request) {
	if s.requireCreator(w, r) == nil {
		return
	}
	s.renderNewConsultation(w, r, http.StatusOK, url.Values{"participation": {"open"}, "attribution": {"named"}}, "")
}

func (s *Server) renderNewConsultation(w http.ResponseWriter, r *http.Request, status int, form url.Values, errMsg string) {
	s.render(w, r, status, "facilitate_new", map[string]any{"Form": form, "Error": errMsg,
		"Participations": participations, "Attributions": attributions})
}

func (s *Server) newConsultationSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireCreator(w, r)
	if m == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	f := r.PostForm
	nc := roundtable.NewConsultation{Slug: strings.TrimSpace(f.Get("slug")), Title: f.Get("title"), Prompt: f.Get("prompt"),
		Description: f.Get("description"), Norms: formLines(f.Get("norms")), Phase: roundtable.PhaseDraft,
		Participation: roundtable.Participation(f.Get("participation")), Attribution: roundtable.Attribution(f.Get("attribution"))}
	c, err := s.store.CreateConsultationAs(r.Context(), m, nc)
	if s.formFailed(w, r, err, func(msg string) { s.renderNewConsultation(w, r, http.StatusUnprocessableEntity, f, msg) }) {
		return
	}
	s.sessions.Put(r.Context(), facilitateFlashKey, "facilitate.created")
	http.Redirect(w, r, "/facilitate/"+c.Slug, http.StatusSeeOther)
}

// formLines splits a textarea into its non-empty lines.
func formLines(text string) []string {
	out := []string{}
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formDate formats a phase date for a datetime-local field (UTC).
func formDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

// facilitatedConsultation returns the consultation of the page when m
// facilitates it; others get ErrForbidden (a draft: ErrNotFound).
func (s *Server) facilitatedConsultation(r *http.Request, m *roundtable.Member) (*roundtable.Consultation, error) {
	c, err := s.store.ConsultationFor(r.Context(), m, chi.URLParam(r, "slug"))
	if err != nil {
		return nil, err
	}
	if !c.IsFacilitator(m) {
		return nil, roundtable.ErrForbidden
	}
	return c, nil
}

func (s *Server) facilitatePage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	s.renderFacilitate(w, r, m, http.StatusOK, "")
}

// facThread is a thread as the facilitator's page lists it.
type facThread struct {
	ID, Title, URL string
	Locked, Pinned bool
	Moderate       facModeration
}

// facContribution is a contribution the synthesis may draw on.
type facContribution struct {
	ID, Excerpt, Author string
	Reply, Checked      bool
}

func (s *Server) renderFacilitate(w http.ResponseWriter, r *http.Request, m *roundtable.Member, status int, errMsg string) {
	ctx := r.Context()
	c, err := s.facilitatedConsultation(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	premod, err := s.store.ConsultationPremoderation(ctx, m, c.Slug)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	joins, err := s.store.JoinRequestsFor(ctx, m, c.Slug)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	threads, err := s.store.Threads(ctx, c.AccountID, m.ID, roundtable.Page{Limit: 40})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	featured, err := s.store.Featured(ctx, c.AccountID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pinned := map[string]bool{}
	for _, f := range featured {
		pinned[f.URI] = true
	}
	var ts []facThread
	for _, st := range threads {
		t := facThread{ID: st.ID, URL: s.statusPageURL(st), Locked: st.Locked, Pinned: st.URI != nil && pinned[*st.URI]}
		if st.Title != nil {
			t.Title = *st.Title
		} else {
			t.Title = excerpt(roundtable.PlainText(st.Content), 80)
		}
		t.Moderate = facModerationOf(c, st, t.Title)
		ts = append(ts, t)
	}
	var sources []facContribution
	if c.AllowsSynthesis() == nil && c.SynthesisID == nil {
		e, err := s.store.ExportConsultation(ctx, m, c.Slug, false)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		e.Each(func(it *roundtable.ExportItem) {
			if len(sources) >= 200 {
				return
			}
			fc := facContribution{ID: it.ID, Excerpt: excerpt(it.ContentText, 140), Reply: it.ParentID != "",
				Checked: slices.Contains(r.PostForm["source"], it.ID)}
			if it.Author != nil {
				fc.Author = it.Author.Acct
			}
			sources = append(sources, fc)
		})
	}
	form := r.PostForm
	if form == nil {
		form = url.Values{"title": {c.Title}, "prompt": {c.PromptSource}, "description": {c.Description},
			"norms": {strings.Join(c.Norms, "\n")}, "participation": {string(c.Participation)},
			"opens_at": {formDate(c.OpensAt)}, "synthesis_at": {formDate(c.SynthesisAt)}, "closes_at": {formDate(c.ClosesAt)}}
		if premod {
			form.Set("premoderation", "1")
		}
		if g, err := s.store.Account(ctx, c.AccountID); err == nil && g.NoIndex {
			form.Set("noindex", "1")
		}
	}
	held, err := s.facilitateHeld(ctx, m, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := map[string]any{"C": c, "Form": form, "Error": errMsg, "Joins": joins, "Threads": ts, "Sources": sources, "Held": held,
		"Participations": participations, "Phases": phases, "Viewer": m, "Handle": "@" + c.Slug + "@" + s.links.Domain()}
	if status == http.StatusOK {
		data["Flash"] = s.sessions.PopString(ctx, facilitateFlashKey)
	}
	s.render(w, r, status, "facilitate_consultation", data)
}

// facilitateAction serves a form of the facilitator's page: success
// redirects to the page with a message; bad input shows the page again
// with the error and what was typed.
func (s *Server) facilitateAction(do func(*Server, *http.Request, *roundtable.Member, string) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, r.URL.Path)
		if m == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
			return
		}
		slug := chi.URLParam(r, "slug")
		flash, err := do(s, r, m, slug)
		if s.formFailed(w, r, err, func(msg string) { s.renderFacilitate(w, r, m, http.StatusUnprocessableEntity, msg) }) {
			return
		}
		s.sessions.Put(r.Context(), facilitateFlashKey, flash)
		http.Redirect(w, r, "/facilitate/"+slug, http.StatusSeeOther)
	}
}

// formDateChange reads a datetime-local field (UTC); empty clears the date.
func formDateChange(f url.Values, name string) (*roundtable.DateChange, error) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return &roundtable.DateChange{}, nil
	}
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return nil, roundtable.Invalid(name, "must be a date and time such as 2026-05-01T09:00")
	}
	return &roundtable.DateChange{At: &t}, nil
}

func (s *Server) saveConsultation(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	f := r.PostForm
	title, prompt, desc, norms := f.Get("title"), f.Get("prompt"), f.Get("description"), formLines(f.Get("norms"))
	part, err := roundtable.ParseParticipation(f.Get("participation"))
	if err != nil {
		return "", err
	}
	u := roundtable.ConsultationUpdate{Title: &title, Prompt: &prompt, Description: &desc, Norms: &norms, Participation: &part}
	if u.OpensAt, err = formDateChange(f, "opens_at"); err != nil {
		return "", err
	}
	if u.SynthesisAt, err = formDateChange(f, "synthesis_at"); err != nil {
		return "", err
	}
	if u.ClosesAt, err = formDateChange(f, "closes_at"); err != nil {
		return "", err
	}
	if _, err := s.store.UpdateConsultationAs(r.Context(), m, slug, u); err != nil {
		return "", err
	}
	if err := s.store.SetConsultationPremoderation(r.Context(), m, slug, f.Get("premoderation") != ""); err != nil {
		return "", err
	}
	if err := s.store.SetConsultationNoIndex(r.Context(), m, slug, f.Get("noindex") != ""); err != nil {
		return "", err
	}
	return "facilitate.saved", nil
}

func (s *Server) movePhase(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	p, err := roundtable.ParsePhase(r.PostForm.Get("phase"))
	if err != nil {
		return "", err
	}
	if _, err := s.store.UpdateConsultationAs(r.Context(), m, slug, roundtable.ConsultationUpdate{Phase: &p}); err != nil {
		return "", err
	}
	r.PostForm = nil
	return "facilitate.phase_moved", nil
}

func (s *Server) answerJoinAction(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	var approve bool
	switch chi.URLParam(r, "answer") {
	case "approve":
		approve = true
	case "reject":
	default:
		return "", roundtable.ErrNotFound
	}
	if err := s.store.AnswerJoin(r.Context(), m, slug, chi.URLParam(r, "id"), approve); err != nil {
		return "", err
	}
	if approve {
		return "facilitate.join_approved", nil
	}
	return "facilitate.join_rejected", nil
}

func (s *Server) threadActionForm(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	a := roundtable.ThreadAction(chi.URLParam(r, "action"))
	switch a {
	case roundtable.LockThread, roundtable.UnlockThread, roundtable.PinThread, roundtable.UnpinThread:
	default:
		return "", roundtable.ErrNotFound
	}
	if _, err := s.store.ActOnThread(r.Context(), m, slug, chi.URLParam(r, "id"), a); err != nil {
		return "", err
	}
	return "facilitate.thread." + string(a), nil
}

func (s *Server) publishSynthesisForm(r *http.Request, m *roundtable.Member, slug string) (string, error) {
	f := r.PostForm
	_, err := s.store.PublishSynthesis(r.Context(), m, slug, roundtable.NewSynthesis{Title: f.Get("synthesis_title"),
		Text: f.Get("synthesis_text"), Sources: f["source"]})
	if err != nil {
		return "", err
	}
	return "facilitate.synthesis_published", nil
}

// facilitateExport downloads the consultation's export as JSON or CSV.
func (s *Server) facilitateExport(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	format := chi.URLParam(r, "format")
	if format != "json" && format != "csv" {
		s.pageError(w, r, roundtable.ErrNotFound)
		return
	}
	e, err := s.store.ExportConsultation(r.Context(), m, chi.URLParam(r, "slug"), false)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if format == "csv" {
		writeExportCSV(w, e)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.json"`, e.Consultation.Slug))
	s.writeExportJSON(w, e)
}
