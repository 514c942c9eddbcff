package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Roundtable's own JSON API, /api/roundtable/v1, for facilitators, scripts
// and the web pages. It takes the client API's bearer tokens:
//
//   - Reading (list, get) is open to anyone; a token, if given, needs
//     "read". Drafts are seen only by their facilitators and admins.
//   - Opening a consultation needs a member's token with "write" or
//     "admin:write", and the member must be an admin; app tokens without a
//     member are refused (422). Without facilitators named, the admin
//     facilitates it.
//   - Changing one, answering its join requests, exporting it, locking
//     or pinning its threads (POST …/threads/{id}/lock|unlock|pin|unpin) and
//     publishing its synthesis need its facilitator's (or an admin's) token,
//     with "write" ("read" for join requests and export).
//   - A consultation hosted elsewhere that this instance co-hosts is named
//     SLUG@HOST: the facilitators this instance named for it lock, pin,
//     remove and publish the synthesis with the same calls, which go to the
//     host (the synthesis answers 202); others get 403 (see cohost.go).
//   - Export names authors as the attribution allows: under the Chatham
//     House rule, not at all unless a facilitator adds include_authors=true.
//     CSV cells a spreadsheet would read as a formula get a leading
//     apostrophe.
//
// Errors are {"error": "…"}; invalid input is a 422 naming the field, and
// stores nothing.
func (s *Server) roundtableRoutes(r chi.Router) {
	const base = "/roundtable/v1/consultations"
	read := scope("read", true)
	readMember := scope("read", false)
	write := scope("write", false)
	r.With(read).Get(base, s.listConsultations)
	r.With(anyScope("write", "admin:write")).Post(base, s.createConsultation)
	r.With(read).Get(base+"/{slug}", s.getConsultation)
	r.With(write).Patch(base+"/{slug}", s.updateConsultation)
	r.With(readMember).Get(base+"/{slug}/join_requests", s.joinRequests)
	r.With(write).Post(base+"/{slug}/join_requests/{id}/approve", s.answerJoin(true))
	r.With(write).Post(base+"/{slug}/join_requests/{id}/reject", s.answerJoin(false))
	r.With(readMember).Get(base+"/{slug}/export", s.exportConsultation)
	r.With(write).Post(base+"/{slug}/synthesis", s.publishSynthesis)
	r.With(write).Post(base+"/{slug}/threads/{id}/{action}", s.threadAction)
	r.With(scope("admin:write", false)).Post(base+"/{slug}/contributions/{id}/remove", s.removeContribution)
}

// threadAction locks, unlocks, pins or unpins a thread (facilitators).
func (s *Server) threadAction(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.store.ActOnThread(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "id"),
		roundtable.ThreadAction(chi.URLParam(r, "action")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

// anyScope admits requests whose token holds one of scopes; a request
// without a token is refused with 401.
func anyScope(scopes ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := callerFrom(r.Context())
			if c == nil {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": errInvalidToken.message})
				return
			}
			for _, sc := range scopes {
				if roundtable.ScopeAllows(c.token.Scopes, sc) {
					next.ServeHTTP(w, r)
					return
				}
			}
			writeJSON(w, http.StatusForbidden, map[string]string{"error": errOutOfScope.message})
		})
	}
}

// callerMember returns the member making the request, or nil for anonymous
// requests and app tokens.
func callerMember(r *http.Request) *roundtable.Member {
	if c := callerFrom(r.Context()); c != nil {
		return c.member
	}
	return nil
}

type consultationCountsJSON struct {
	Threads       int `json:"threads"`
	Contributions int `json:"contributions"`
	Participants  int `json:"participants"`
	Followers     int `json:"followers"`
}

type consultationJSON struct {
	Slug          string                 `json:"slug"`
	Acct          string                 `json:"acct"`       // its handle, slug@domain
	AccountID     string                 `json:"account_id"` // its Group account in the client API
	URI           string                 `json:"uri"`
	URL           string                 `json:"url"`
	Title         string                 `json:"title"`
	Prompt        string                 `json:"prompt"`        // HTML
	PromptSource  string                 `json:"prompt_source"` // Markdown
	Description   string                 `json:"description"`
	Norms         []string               `json:"norms"`
	Phase         string                 `json:"phase"`
	Participation string                 `json:"participation"`
	Attribution   string                 `json:"attribution"`
	Languages     []string               `json:"languages"`
	HideCounts    bool                   `json:"hide_counts"`
	Facilitators  []accountJSON          `json:"facilitators"`
	Counts        consultationCountsJSON `json:"counts"`
	OpensAt       *string                `json:"opens_at"`
	SynthesisAt   *string                `json:"synthesis_at"`
	ClosesAt      *string                `json:"closes_at"`
	SynthesisID   *string                `json:"synthesis_id"`
	CreatedAt     string                 `json:"created_at"`
	UpdatedAt     string                 `json:"updated_at"`
}

func (s *Server) consultation(c *roundtable.Consultation, st roundtable.ConsultationStats) consultationJSON {
	out := consultationJSON{
		Slug: c.Slug, Acct: c.Slug + "@" + s.links.Domain(), AccountID: c.AccountID,
		URI: s.links.Actor(c.Slug), URL: s.links.Profile(c.Slug),
		Title: c.Title, Prompt: c.Prompt, PromptSource: c.PromptSource, Description: c.Description,
		Norms: nonNil(c.Norms), Phase: string(c.Phase), Participation: string(c.Participation),
		Attribution: string(c.Attribution), Languages: nonNil(c.Languages), HideCounts: c.HideCounts, Facilitators: []accountJSON{},
		Counts: consultationCountsJSON{Threads: st.Threads, Contributions: st.Contributions,
			Participants: st.Participants, Followers: c.Followers},
		OpensAt: apiTimePtr(c.OpensAt), SynthesisAt: apiTimePtr(c.SynthesisAt), ClosesAt: apiTimePtr(c.ClosesAt),
		SynthesisID: c.SynthesisID, CreatedAt: apiTime(c.CreatedAt), UpdatedAt: apiTime(c.UpdatedAt),
	}
	for i := range c.Facilitators {
		out.Facilitators = append(out.Facilitators, s.account(&c.Facilitators[i]))
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// writeConsultation answers with a consultation and its counts.
func (s *Server) writeConsultation(w http.ResponseWriter, r *http.Request, status int, c *roundtable.Consultation) {
	st, err := s.store.ConsultationStats(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, s.consultation(c, st))
}

func (s *Server) listConsultations(w http.ResponseWriter, r *http.Request) {
	cs, err := s.store.ConsultationsFor(r.Context(), callerMember(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]consultationJSON, 0, len(cs))
	for _, c := range cs {
		st, err := s.store.ConsultationStats(r.Context(), c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, s.consultation(c, st))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getConsultation(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.ConsultationFor(r.Context(), callerMember(r), chi.URLParam(r, "slug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeConsultation(w, r, http.StatusOK, c)
}

func (s *Server) createConsultation(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var err error
	var nc roundtable.NewConsultation
	var phase, participation, attribution string
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"slug", &nc.Slug}, {"title", &nc.Title}, {"prompt", &nc.Prompt}, {"description", &nc.Description},
		{"phase", &phase}, {"participation", &participation}, {"attribution", &attribution},
	} {
		if *f.dst, err = p.str(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	nc.Phase, nc.Participation, nc.Attribution = roundtable.Phase(phase), roundtable.Participation(participation), roundtable.Attribution(attribution)
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"norms", &nc.Norms}, {"facilitators", &nc.Facilitators}, {"languages", &nc.Languages}} {
		if *f.dst, err = p.strList(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	c, err := s.store.CreateConsultationAs(r.Context(), m, nc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeConsultation(w, r, http.StatusOK, c)
}

func (s *Server) updateConsultation(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	u, err := consultationUpdate(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.UpdateConsultationAs(r.Context(), m, chi.URLParam(r, "slug"), u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeConsultation(w, r, http.StatusOK, c)
}

// consultationUpdate reads the fields of a PATCH; those absent stay as
// they are, and a date given as null or "" is cleared.
func consultationUpdate(p *params) (roundtable.ConsultationUpdate, error) {
	var u roundtable.ConsultationUpdate
	for _, name := range []string{"slug", "attribution"} {
		if p.has(name) {
			return u, roundtable.Invalid(name, "can't be changed once the consultation is open")
		}
	}
	changed := false
	var phase, participation *string
	for _, f := range []struct {
		name string
		dst  **string
	}{{"title", &u.Title}, {"prompt", &u.Prompt}, {"description", &u.Description}, {"phase", &phase}, {"participation", &participation}} {
		if !p.has(f.name) {
			continue
		}
		v, err := p.str(f.name)
		if err != nil {
			return u, err
		}
		*f.dst, changed = &v, true
	}
	if phase != nil {
		ph := roundtable.Phase(*phase)
		u.Phase = &ph
	}
	if participation != nil {
		pa := roundtable.Participation(*participation)
		u.Participation = &pa
	}
	if hide, err := p.boolean("hide_counts"); err != nil {
		return u, err
	} else if hide != nil {
		u.HideCounts, changed = hide, true
	}
	if p.has("norms") || p.has("norms[]") {
		norms, err := p.strList("norms")
		if err != nil {
			return u, err
		}
		u.Norms, changed = &norms, true
	}
	for _, d := range []struct {
		name string
		dst  **roundtable.DateChange
	}{{"opens_at", &u.OpensAt}, {"synthesis_at", &u.SynthesisAt}, {"closes_at", &u.ClosesAt}} {
		if !p.has(d.name) {
			continue
		}
		at, err := p.dateTime(d.name)
		if err != nil {
			return u, err
		}
		*d.dst, changed = &roundtable.DateChange{At: at}, true
	}
	if !changed {
		return u, roundtable.Invalid("", "nothing to change: give title, prompt, description, phase, participation, norms, opens_at, synthesis_at or closes_at")
	}
	return u, nil
}

func (s *Server) joinRequests(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.store.JoinRequestsFor(r.Context(), m, chi.URLParam(r, "slug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// answerJoin approves or rejects a join request, named by the account
// that asked, and answers with that account and what became of it.
func (s *Server) answerJoin(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := member(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id := chi.URLParam(r, "id")
		if !roundtable.ValidID(id) {
			s.writeError(w, r, errNotFound)
			return
		}
		if err := s.store.AnswerJoin(r.Context(), m, chi.URLParam(r, "slug"), id, approve); err != nil {
			s.writeError(w, r, err)
			return
		}
		a, err := s.store.Account(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		state := "rejected"
		if approve {
			state = "approved"
		}
		writeJSON(w, http.StatusOK, map[string]any{"account": s.account(a), "state": state})
	}
}

type exportAuthorJSON struct {
	Acct        *string `json:"acct"`
	DisplayName string  `json:"display_name"`
}

type exportItemJSON struct {
	ID          string           `json:"id"`
	URI         string           `json:"uri"`
	URL         string           `json:"url"`
	ParentID    *string          `json:"parent_id"`
	Title       *string          `json:"title"`
	CreatedAt   string           `json:"created_at"`
	Author      exportAuthorJSON `json:"author"`
	ContentHTML string           `json:"content_html"`
	ContentText string           `json:"content_text"`
	Replies     []exportItemJSON `json:"replies"`
}

func exportItem(it *roundtable.ExportItem) exportItemJSON {
	out := exportItemJSON{ID: it.ID, URI: it.URI, URL: it.URL, CreatedAt: apiTime(it.CreatedAt),
		Author:      exportAuthorJSON{DisplayName: roundtable.AnonymousAuthor},
		ContentHTML: it.ContentHTML, ContentText: it.ContentText, Replies: []exportItemJSON{}}
	if it.ParentID != "" {
		out.ParentID = &it.ParentID
	}
	if it.Title != "" {
		out.Title = &it.Title
	}
	if it.Author != nil {
		acct := it.Author.Acct
		out.Author = exportAuthorJSON{Acct: &acct, DisplayName: it.Author.DisplayName}
	}
	for _, reply := range it.Replies {
		out.Replies = append(out.Replies, exportItem(reply))
	}
	return out
}

func (s *Server) exportConsultation(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	format := p.get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, roundtable.Invalid("format", "must be json or csv"))
		return
	}
	withAuthors, err := p.boolean("include_authors")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.store.ExportConsultation(r.Context(), m, chi.URLParam(r, "slug"), withAuthors != nil && *withAuthors)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format == "csv" {
		writeExportCSV(w, e)
		return
	}
	s.writeExportJSON(w, e)
}

// writeExportJSON writes an export as JSON.
func (s *Server) writeExportJSON(w http.ResponseWriter, e *roundtable.Export) {
	writeJSON(w, http.StatusOK, s.exportDocument(e))
}

// exportDocument is an export as its JSON gives it.
func (s *Server) exportDocument(e *roundtable.Export) map[string]any {
	threads := make([]exportItemJSON, 0, len(e.Threads))
	for _, t := range e.Threads {
		threads = append(threads, exportItem(t))
	}
	return map[string]any{
		"consultation":     s.consultation(e.Consultation, e.Stats),
		"authors_included": e.Authors,
		"truncated":        e.Truncated,
		"exported_at":      apiTime(s.store.Now()),
		"threads":          threads,
	}
}

// writeExportCSV writes one row per contribution, threads in order and each
// reply after what it answers.
func writeExportCSV(w http.ResponseWriter, e *roundtable.Export) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Consultation.Slug+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_ = writeExportRows(w, e)
}

// writeExportRows writes an export as CSV rows, a header first.
func writeExportRows(w io.Writer, e *roundtable.Export) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"thread_id", "id", "parent_id", "created_at", "author", "title", "text"})
	e.Each(func(it *roundtable.ExportItem) {
		author := roundtable.AnonymousAuthor
		if it.Author != nil {
			author = it.Author.Acct
		}
		_ = cw.Write([]string{it.ThreadID, it.ID, it.ParentID, apiTime(it.CreatedAt),
			spreadsheetSafe(author), spreadsheetSafe(it.Title), spreadsheetSafe(it.ContentText)})
	})
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe keeps a spreadsheet from reading a cell as a formula: a
// leading =, +, -, @, tab or carriage return gets an apostrophe before it.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Server) publishSynthesis(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var err error
	var ns roundtable.NewSynthesis
	if ns.Title, err = p.str("title"); err == nil {
		if ns.Text, err = p.str("text"); err == nil {
			ns.Sources, err = p.strList("sources")
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.store.PublishSynthesis(r.Context(), m, chi.URLParam(r, "slug"), ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st == nil {
		// Sent to the consultation's host, which publishes it.
		writeJSON(w, http.StatusAccepted, map[string]any{})
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

// strList returns a list of strings given as a JSON array, as name[] or as
// a repeated name; anything else where a list is expected is an error
// naming the field.
func (p *params) strList(name string) ([]string, error) {
	switch p.kinds[name] {
	case 's', 'n', 'b':
		return nil, roundtable.Invalid(name, "must be a list of strings")
	}
	switch p.kinds[name+"[]"] {
	case 'n', 'b', 'o':
		return nil, roundtable.Invalid(name, "must be a list of strings")
	}
	return p.list(name), nil
}

// dateTime returns a date and time parameter in RFC 3339; nil when it is
// null or empty (to clear it).
func (p *params) dateTime(name string) (*time.Time, error) {
	invalid := roundtable.Invalid(name, "must be a date and time such as 2026-06-01T12:00:00Z, or null")
	switch p.kinds[name] {
	case 'n', 'b', 'o':
		return nil, invalid
	}
	if p.get(name) == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, p.get(name))
	if err != nil {
		return nil, invalid
	}
	return &t, nil
}
