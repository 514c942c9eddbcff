package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Taking part from the browser: joining a consultation, starting a thread,
// replying, editing and withdrawing one's contributions, favouriting,
// voting and reporting. Every form posts to the routes below, behind the
// cross-origin protection of the page routes, and calls the same store
// functions as the client API. A form that fails is shown again with the
// message and everything typed in it; it changes nothing.

// pageFlashKey is where the session keeps the message (an id of the
// catalogues) shown by the next page after a form succeeded.
const pageFlashKey = "page_flash"

// formLimit bounds the body of the participation forms.
const formLimit = 64 << 10

// participationPages registers the forms of taking part.
func (s *Server) participationPages(r chi.Router) {
	r.Get("/groups/{id}/new", s.newThreadPage)
	r.Post("/groups/{id}/new", s.newThreadSubmit)
	r.Post("/groups/{id}/join", s.joinSubmit(true))
	r.Post("/groups/{id}/leave", s.joinSubmit(false))
	r.Get("/contributions/{id}/reply", s.replyPage)
	r.Post("/contributions/{id}/reply", s.replySubmit)
	r.Get("/contributions/{id}/edit", s.editPage)
	r.Post("/contributions/{id}/edit", s.editSubmit)
	r.Get("/contributions/{id}/withdraw", s.withdrawPage)
	r.Post("/contributions/{id}/withdraw", s.withdrawSubmit)
	r.Post("/contributions/{id}/favourite", s.favouriteSubmit(true))
	r.Post("/contributions/{id}/unfavourite", s.favouriteSubmit(false))
	r.Post("/contributions/{id}/vote", s.voteSubmit)
	r.Get("/contributions/{id}/report", s.reportPage)
	r.Post("/contributions/{id}/report", s.reportSubmit)
	r.Get("/interact", s.interactPage)
	r.Post("/interact", s.interactSubmit)
	r.Get("/authorize_interaction", s.authorizeInteraction)
}

// requireMember returns the signed-in member, or sends the browser to the
// sign-in page (and back to next after) and returns nil.
func (s *Server) requireMember(w http.ResponseWriter, r *http.Request, next string) *roundtable.Member {
	if m := s.sessionMember(r); m != nil {
		return m
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
	return nil
}

// readForm parses a posted form, answering a malformed one itself.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return false
	}
	return true
}

// formBack is where a form sends the browser after it succeeded: the page
// it was posted from, when that is on this site.
func formBack(r *http.Request, fallback string) string {
	if b := r.PostForm.Get("back"); b != "" {
		return safeNext(b)
	}
	return fallback
}

// userError returns the status and message of an error a person caused
// (invalid input, a refusal), or ok=false for any other error.
func userError(err error) (status int, msg string, ok bool) {
	var ve *roundtable.ValidationError
	var ce *roundtable.ConflictError
	var rf *roundtable.Refusal
	switch {
	case errors.As(err, &ve), errors.As(err, &ce):
		return http.StatusUnprocessableEntity, err.Error(), true
	case errors.As(err, &rf):
		return http.StatusForbidden, rf.Message, true
	case errors.Is(err, roundtable.ErrForbidden):
		return http.StatusForbidden, "", true
	}
	return 0, "", false
}

// composeForm is the form to write a contribution: a new thread, a reply,
// or an edit.
type composeForm struct {
	Mode    string // "thread", "reply" or "edit"
	Action  string // where it posts
	Back    string
	Title   string
	Text    string
	Warning string // content warning
	Preview template.HTML
	Error   string
	// Parent is the contribution answered (reply) or edited (edit).
	Parent *pageContribution
	// Group is the consultation a new thread goes to.
	Group    *pageAccount
	GroupURL string
}

func (s *Server) renderCompose(w http.ResponseWriter, r *http.Request, m *roundtable.Member, status int, f *composeForm) {
	s.render(w, r, status, "compose", map[string]any{"Form": f, "Viewer": m})
}

// readCompose fills f from the posted form; it returns true when the
// member asked for a preview, which it renders into f.
func (s *Server) readCompose(r *http.Request, f *composeForm) (preview bool, err error) {
	f.Title = strings.TrimSpace(r.PostForm.Get("title"))
	f.Text = r.PostForm.Get("text")
	f.Warning = r.PostForm.Get("spoiler_text")
	f.Back = formBack(r, f.Back)
	if r.PostForm.Get("preview") == "" {
		return false, nil
	}
	html, err := s.store.Preview(r.Context(), f.Text)
	// The preview is rendered and sanitised like a stored contribution.
	f.Preview = template.HTML(html) //nolint:gosec
	return true, err
}

// previewed reads the posted form into f and, when the member asked for a
// preview, shows the form again with it and returns true.
func (s *Server) previewed(w http.ResponseWriter, r *http.Request, m *roundtable.Member, f *composeForm) bool {
	preview, err := s.readCompose(r, f)
	switch {
	case err != nil:
		s.pageError(w, r, err)
	case preview:
		s.renderCompose(w, r, m, http.StatusOK, f)
	}
	return err != nil || preview
}

// composeDone answers a compose form after the store acted: the form again
// with the message when the member's input was refused, else a redirect.
func (s *Server) composeDone(w http.ResponseWriter, r *http.Request, m *roundtable.Member, f *composeForm, err error, next, flash string) {
	if err != nil {
		status, msg, ok := userError(err)
		if !ok {
			s.pageError(w, r, err)
			return
		}
		if msg == "" {
			msg = translateFor(s, r, "error.forbidden")
		}
		f.Error = msg
		s.renderCompose(w, r, m, status, f)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, flash)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// translateFor returns message id in the reader's language.
func translateFor(s *Server, r *http.Request, id string) string {
	l, _ := s.pages.localizer(r)
	return translate(l, id)
}

// groupFor loads the consultation Group a new thread goes to.
func (s *Server) groupFor(r *http.Request) (*roundtable.Account, error) {
	g, err := s.store.Account(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return nil, err
	}
	if !g.Group() {
		return nil, roundtable.ErrNotFound
	}
	return g, nil
}

func (s *Server) threadForm(g *roundtable.Account) *composeForm {
	pa := s.pageAccount(g)
	return &composeForm{Mode: "thread", Action: "/groups/" + g.ID + "/new", Group: &pa, GroupURL: s.profileURL(g),
		Back: s.profilePath(g)}
}

// profilePath is the path of an account's page here, or its address
// elsewhere.
func (s *Server) profilePath(a *roundtable.Account) string {
	if a.Local() {
		return "/@" + a.Username
	}
	return "/authorize_interaction?uri=" + url.QueryEscape(a.URI)
}

func (s *Server) newThreadPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	g, err := s.groupFor(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderCompose(w, r, m, http.StatusOK, s.threadForm(g))
}

func (s *Server) newThreadSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil || !s.readForm(w, r) {
		return
	}
	g, err := s.groupFor(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := s.threadForm(g)
	if s.previewed(w, r, m, f) {
		return
	}
	if f.Title == "" {
		s.composeDone(w, r, m, f, roundtable.Invalid("title", "can't be blank"), "", "")
		return
	}
	if strings.ContainsAny(f.Title, "\r\n") {
		s.composeDone(w, r, m, f, roundtable.Invalid("title", "must be a single line"), "", "")
		return
	}
	// A thread is a contribution that mentions the consultation's Group;
	// its first line, without the mention, is its title.
	text := "@" + g.Acct() + " " + f.Title + "\n\n" + f.Text
	st, err := s.store.CreateStatus(r.Context(), m, roundtable.NewStatus{Text: text, ContentType: roundtable.ContentMarkdown,
		SpoilerText: f.Warning})
	next := f.Back
	if err == nil && st.Visibility != roundtable.Direct {
		next = s.threadPath(st)
	}
	s.composeDone(w, r, m, f, err, next, "compose.sent")
}

// contribution loads the contribution of the request's {id} as m sees it.
func (s *Server) contribution(r *http.Request, m *roundtable.Member) (*roundtable.Status, error) {
	return s.store.Status(r.Context(), chi.URLParam(r, "id"), m.ID)
}

func (s *Server) replyForm(st *roundtable.Status, m *roundtable.Member) *composeForm {
	return &composeForm{Mode: "reply", Action: "/contributions/" + st.ID + "/reply", Back: s.threadPath(st),
		Parent: s.pageContribution(st, m, false)}
}

func (s *Server) replyPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := s.replyForm(st, m)
	if b := r.URL.Query().Get("back"); b != "" {
		f.Back = safeNext(b)
	}
	s.renderCompose(w, r, m, http.StatusOK, f)
}

func (s *Server) replySubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil || !s.readForm(w, r) {
		return
	}
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := s.replyForm(st, m)
	if s.previewed(w, r, m, f) {
		return
	}
	_, err = s.store.CreateStatus(r.Context(), m, roundtable.NewStatus{Text: f.Text, ContentType: roundtable.ContentMarkdown,
		SpoilerText: f.Warning, InReplyToID: st.ID})
	s.composeDone(w, r, m, f, err, f.Back, "compose.sent")
}

// ownContribution loads the contribution of the request's {id}, which m
// must have written here.
func (s *Server) ownContribution(r *http.Request, m *roundtable.Member) (*roundtable.Status, error) {
	st, err := s.contribution(r, m)
	if err != nil {
		return nil, err
	}
	if st.AccountID != m.ID || !st.Local {
		return nil, roundtable.ErrForbidden
	}
	return st, nil
}

func (s *Server) editForm(st *roundtable.Status, m *roundtable.Member) *composeForm {
	return &composeForm{Mode: "edit", Action: "/contributions/" + st.ID + "/edit", Back: s.threadPath(st),
		Parent: s.pageContribution(st, m, false), Text: st.Source, Warning: st.SpoilerText}
}

func (s *Server) editPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	st, err := s.ownContribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderCompose(w, r, m, http.StatusOK, s.editForm(st, m))
}

func (s *Server) editSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil || !s.readForm(w, r) {
		return
	}
	st, err := s.ownContribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := s.editForm(st, m)
	if s.previewed(w, r, m, f) {
		return
	}
	_, err = s.store.EditStatus(r.Context(), m, st.ID, roundtable.StatusEdit{Text: &f.Text, SpoilerText: &f.Warning})
	s.composeDone(w, r, m, f, err, f.Back, "compose.edited")
}

func (s *Server) withdrawPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	st, err := s.ownContribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "withdraw", map[string]any{"Viewer": m, "Contribution": s.pageContribution(st, m, false),
		"Back": s.threadPath(st)})
}

func (s *Server) withdrawSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil || !s.readForm(w, r) {
		return
	}
	st, err := s.ownContribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// After withdrawing a thread starter its page is gone: go to its
	// consultation, or home.
	next := formBack(r, s.threadPath(st))
	if st.InReplyToID == nil && strings.Contains(next, st.ID) {
		next = "/"
		if st.GroupID != nil {
			if g, err := s.store.Account(r.Context(), *st.GroupID); err == nil {
				next = s.profilePath(g)
			}
		}
	}
	if _, err := s.store.DeleteStatus(r.Context(), m, st.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "compose.withdrawn")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// threadError shows the thread page of st again with a message, for a
// form of the thread page that was refused.
func (s *Server) threadError(w http.ResponseWriter, r *http.Request, m *roundtable.Member, st *roundtable.Status, err error) {
	status, msg, ok := userError(err)
	if !ok {
		s.pageError(w, r, err)
		return
	}
	if msg == "" {
		msg = translateFor(s, r, "error.forbidden")
	}
	s.renderThread(w, r, m, st, status, formBack(r, s.threadPath(st)), msg)
}

func (s *Server) favouriteSubmit(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, "/")
		if m == nil || !s.readForm(w, r) {
			return
		}
		st, err := s.contribution(r, m)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if on {
			if c, cerr := s.store.ConsultationOfStatus(r.Context(), st); cerr == nil && c != nil {
				err = c.Allows(roundtable.ContributeLike)
			}
			if err == nil {
				_, err = s.store.Favourite(r.Context(), m, st.ID)
			}
		} else {
			_, err = s.store.Unfavourite(r.Context(), m, st.ID)
		}
		if err != nil {
			s.threadError(w, r, m, st, err)
			return
		}
		http.Redirect(w, r, formBack(r, s.threadPath(st))+"#c-"+st.ID, http.StatusSeeOther)
	}
}

func (s *Server) voteSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, "/")
	if m == nil || !s.readForm(w, r) {
		return
	}
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var choices []int
	for _, v := range r.PostForm["choice"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.threadError(w, r, m, st, roundtable.Invalid("choices", "must be numbers of options"))
			return
		}
		choices = append(choices, n)
	}
	if _, err := s.store.Vote(r.Context(), m, st.ID, choices); err != nil {
		s.threadError(w, r, m, st, err)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "poll.voted")
	http.Redirect(w, r, formBack(r, s.threadPath(st))+"#c-"+st.ID, http.StatusSeeOther)
}

// reportForm is the form to report a contribution.
type reportForm struct {
	Contribution *pageContribution
	Remote       bool // its author is elsewhere: the report may be forwarded
	Back         string
	Norms        []modNorm
	Categories   []string
	Category     string
	Chosen       map[string]bool // norms ticked
	Comment      string
	Forward      bool
	Error        string
}

// reportCategories are the categories a member chooses from, as the client
// API names them.
var reportCategoryChoices = []string{"violation", "spam", "legal", "other"}

func (s *Server) newReportForm(r *http.Request, st *roundtable.Status, m *roundtable.Member) (*reportForm, error) {
	norms, err := s.modNorms(r)
	if err != nil {
		return nil, err
	}
	return &reportForm{Contribution: s.pageContribution(st, m, false), Remote: !st.Account.Local(), Back: s.threadPath(st),
		Norms: norms, Categories: reportCategoryChoices, Category: "violation", Chosen: map[string]bool{}}, nil
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.newReportForm(r, st, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "report", map[string]any{"Form": f, "Viewer": m})
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil || !s.readForm(w, r) {
		return
	}
	st, err := s.contribution(r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.newReportForm(r, st, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f.Back = formBack(r, f.Back)
	f.Category = r.PostForm.Get("category")
	f.Comment = r.PostForm.Get("comment")
	f.Forward = f.Remote && r.PostForm.Get("forward") != ""
	for _, id := range r.PostForm["norm"] {
		f.Chosen[id] = true
	}
	_, err = s.store.CreateReport(r.Context(), m, roundtable.NewReport{AccountID: st.AccountID, StatusIDs: []string{st.ID},
		RuleIDs: r.PostForm["norm"], Category: f.Category, Comment: f.Comment, Forward: f.Forward})
	if err != nil {
		status, msg, ok := userError(err)
		if !ok {
			s.pageError(w, r, err)
			return
		}
		if msg == "" {
			msg = translateFor(s, r, "error.forbidden")
		}
		f.Error = msg
		s.render(w, r, status, "report", map[string]any{"Form": f, "Viewer": m})
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "report.sent")
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
}

func (s *Server) joinSubmit(join bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, "/")
		if m == nil || !s.readForm(w, r) {
			return
		}
		g, err := s.groupFor(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		flash := "join.left"
		if join {
			var rel *roundtable.Relationship
			rel, err = s.store.Follow(r.Context(), m, g.ID)
			flash = "join.joined"
			if err == nil && rel.Requested {
				flash = "join.requested"
			}
		} else {
			_, err = s.store.Unfollow(r.Context(), m, g.ID)
		}
		if err != nil {
			if _, msg, ok := userError(err); ok && msg != "" {
				s.sessions.Put(r.Context(), pageErrorKey, msg)
				http.Redirect(w, r, formBack(r, s.profilePath(g)), http.StatusSeeOther)
				return
			}
			s.pageError(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), pageFlashKey, flash)
		http.Redirect(w, r, formBack(r, s.profilePath(g)), http.StatusSeeOther)
	}
}

// pageErrorKey is where the session keeps a refusal (in words) shown by the
// next page after a form that has nothing to show again.
const pageErrorKey = "page_error"
