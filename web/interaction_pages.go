package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// Taking part from one's own server, as Mastodon does it. A visitor of a
// consultation or thread page enters their handle; this server asks theirs
// (WebFinger, through the federation client) for its remote-interaction
// template and sends the browser there with the object's id. The other way
// round, this server's template is /authorize_interaction?uri={uri}: a
// signed-in member sees the object from elsewhere, fetched here, with what
// they can do with it.

// interactForm is the "take part from your own server" form.
type interactForm struct {
	URI    string // the object taken part in
	Handle string
	Error  string
}

// interactForm returns the form for the thread of st.
func (s *Server) interactForm(r *http.Request, st *roundtable.Status) *interactForm {
	if st.URI == nil {
		return nil
	}
	return &interactForm{URI: *st.URI}
}

// localObject reports whether uri is an id on this instance.
func (s *Server) localObject(uri string) bool {
	return strings.HasPrefix(uri, s.links.Base+"/")
}

func (s *Server) interactPage(w http.ResponseWriter, r *http.Request) {
	uri := r.URL.Query().Get("uri")
	if !s.localObject(uri) {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "interact.bad_uri"))
		return
	}
	s.render(w, r, http.StatusOK, "interact", map[string]any{"Interact": &interactForm{URI: uri}})
}

func (s *Server) interactSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	f := &interactForm{URI: r.PostForm.Get("uri"), Handle: strings.TrimSpace(r.PostForm.Get("handle"))}
	if !s.localObject(f.URI) {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "interact.bad_uri"))
		return
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(f.Handle, "acct:"), "@")
	name, domain, ok := strings.Cut(handle, "@")
	if !ok || name == "" || domain == "" || strings.ContainsAny(handle, " /?#\\") {
		f.Error = "interact.bad_handle"
		s.render(w, r, http.StatusUnprocessableEntity, "interact", map[string]any{"Interact": f})
		return
	}
	tmpl, err := s.store.InteractionTemplate(r.Context(), handle)
	if err != nil {
		if !errors.Is(err, roundtable.ErrNotFound) {
			s.log.WarnContext(r.Context(), "remote interaction", "handle", handle, "err", err)
		}
		f.Error = "interact.not_found"
		s.render(w, r, http.StatusUnprocessableEntity, "interact", map[string]any{"Interact": f})
		return
	}
	http.Redirect(w, r, strings.Replace(tmpl, "{uri}", url.QueryEscape(f.URI), 1), http.StatusSeeOther)
}

// authorizeInteraction shows a signed-in member an object given by its id,
// here or elsewhere, with the forms to take part in it.
func (s *Server) authorizeInteraction(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.RequestURI())
	if m == nil {
		return
	}
	ctx := r.Context()
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	uri = strings.TrimPrefix(uri, "acct:")
	if u, err := url.Parse(uri); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "interact.bad_uri"))
		return
	}
	var acc *roundtable.Account
	var st *roundtable.Status
	if name, ok := strings.CutPrefix(uri, s.links.Actor("")); ok && !strings.Contains(name, "/") {
		a, err := s.store.AccountByAcct(ctx, name, s.links.Domain())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		acc = a
	} else {
		res, err := s.store.Search(ctx, uri, m.ID, true, 1)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(res.Statuses) > 0 {
			st = res.Statuses[0]
		} else if len(res.Accounts) > 0 {
			acc = res.Accounts[0]
		}
	}
	data := map[string]any{"Viewer": m, "Back": r.URL.RequestURI(), "Flash": s.sessions.PopString(ctx, pageFlashKey),
		"Error": s.sessions.PopString(ctx, pageErrorKey)}
	switch {
	case st != nil:
		tv, err := s.threadView(ctx, st, m, r.URL.RequestURI())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		c := s.pageContribution(st, m, tv.MayLike)
		c.CanReply, c.Back = tv.MayReply, r.URL.RequestURI()
		data["Contribution"] = c
		data["Thread"] = tv
		if tv.MayReply {
			data["Reply"] = &composeForm{Mode: "reply", Action: "/contributions/" + st.ID + "/reply", Back: r.URL.RequestURI()}
		}
	case acc != nil:
		pa := s.pageAccount(acc)
		data["Account"], data["AccountID"], data["ProfileURL"], data["Group"] = pa, acc.ID, s.profileURL(acc), acc.Group()
		rel, err := s.store.Relationship(ctx, m.ID, acc.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data["Relationship"] = rel
	default:
		s.pageError(w, r, errStatus(http.StatusNotFound, "interact.not_found"))
		return
	}
	s.render(w, r, http.StatusOK, "authorize_interaction", data)
}
