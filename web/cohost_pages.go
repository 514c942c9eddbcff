package web

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The page of a co-host's facilitators: the consultations hosted elsewhere
// that they facilitate for this instance, with their threads, and forms to
// pin, lock, remove with a reason and write the synthesis. Each form calls the same store
// functions as a local facilitator's, which send the action to the host.

// cohostPages registers the page and its forms.
func (s *Server) cohostPages(r chi.Router) {
	r.Get("/cohosting", s.cohostingPage)
	r.Post("/cohosting/{group}/threads/{id}/{action}", s.cohostingAction(func(s *Server, r *http.Request, m *roundtable.Member, group string) (string, error) {
		a := roundtable.ThreadAction(chi.URLParam(r, "action"))
		_, err := s.store.ActOnThread(r.Context(), m, group, chi.URLParam(r, "id"), a)
		return "cohosting.sent", err
	}))
	r.Post("/cohosting/{group}/synthesis", s.cohostingAction(func(s *Server, r *http.Request, m *roundtable.Member, group string) (string, error) {
		f := r.PostForm
		_, err := s.store.PublishSynthesis(r.Context(), m, group, roundtable.NewSynthesis{Title: f.Get("synthesis_title"),
			Text: f.Get("synthesis_text"), Sources: f["source"]})
		return "cohosting.sent", err
	}))
	r.Post("/cohosting/{group}/joins/{id}/{answer}", s.cohostingAction(func(s *Server, r *http.Request, m *roundtable.Member, group string) (string, error) {
		_, err := s.answerJoinAction(r, m, group)
		return "cohosting.sent", err
	}))
	r.Post("/cohosting/{group}/contributions/{id}/remove", s.cohostingAction(func(s *Server, r *http.Request, m *roundtable.Member, group string) (string, error) {
		return "cohosting.sent", s.store.RemoveContribution(r.Context(), m, group, chi.URLParam(r, "id"), r.PostForm.Get("reason"))
	}))
}

// cohostingThreads is one co-hosted consultation and its latest threads.
type cohostingThreads struct {
	Cohost  *roundtable.Cohost
	Threads []cohostingThread
	// Approval is set when joining needs a facilitator's approval; Joins
	// are then the requests waiting, read from the host, and JoinsUnread
	// says the host could not be asked.
	Approval    bool
	Joins       []*roundtable.Account
	JoinsUnread bool
}

type cohostingThread struct {
	ID, URL, Title string
}

func (s *Server) cohostingPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	s.renderCohosting(w, r, m, http.StatusOK, "")
}

func (s *Server) renderCohosting(w http.ResponseWriter, r *http.Request, m *roundtable.Member, status int, errMsg string) {
	list, err := s.store.CohostedFor(r.Context(), m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	out := make([]cohostingThreads, 0, len(list))
	for _, h := range list {
		sts, err := s.store.Threads(r.Context(), h.GroupID, m.ID, roundtable.Page{Limit: 40})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		ct := cohostingThreads{Cohost: h}
		if g, err := s.store.Account(r.Context(), h.GroupID); err == nil && g.Locked {
			ct.Approval = true
			if ct.Joins, err = s.store.JoinRequestsFor(r.Context(), m, h.GroupName); err != nil {
				s.log.WarnContext(r.Context(), "co-hosting page: join requests", "consultation", h.GroupName, "err", err)
				ct.JoinsUnread = true
			}
		}
		for _, st := range sts {
			title := excerpt(roundtable.PlainText(st.Content), 80)
			if st.Title != nil {
				title = *st.Title
			}
			ct.Threads = append(ct.Threads, cohostingThread{ID: st.ID, URL: s.statusPageURL(st), Title: title})
		}
		out = append(out, ct)
	}
	s.render(w, r, status, "cohost_facilitate", map[string]any{"Cohosted": out,
		"Flash": s.sessions.PopString(r.Context(), pageFlashKey), "Error": errMsg})
}

// cohostingAction runs one of the page's forms and comes back to the page.
func (s *Server) cohostingAction(do func(*Server, *http.Request, *roundtable.Member, string) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, r.URL.Path)
		if m == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
			return
		}
		group, err := url.PathUnescape(chi.URLParam(r, "group"))
		if err != nil {
			s.pageError(w, r, roundtable.ErrNotFound)
			return
		}
		flash, err := do(s, r, m, group)
		if s.formFailed(w, r, err, func(msg string) { s.renderCohosting(w, r, m, http.StatusUnprocessableEntity, msg) }) {
			return
		}
		s.sessions.Put(r.Context(), pageFlashKey, flash)
		http.Redirect(w, r, "/cohosting", http.StatusSeeOther)
	}
}
