package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resolve, err := p.boolean("resolve")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := p.integer("limit", 20)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Looking up other servers is for signed-in members only, as on
	// Mastodon: anonymous requests must not make us fetch on their behalf.
	doResolve := resolve != nil && *resolve && viewerID(r) != ""
	res, err := s.store.Search(r.Context(), p.get("q"), viewerID(r), doResolve, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"accounts": s.accounts(res.Accounts), "statuses": s.statuses(res.Statuses), "hashtags": []any{}}
	switch p.get("type") {
	case "accounts":
		out["statuses"] = []any{}
	case "statuses":
		out["accounts"] = []any{}
	case "hashtags":
		out["accounts"], out["statuses"] = []any{}, []any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) editStatus(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var err error
	var e roundtable.StatusEdit
	for _, f := range []struct {
		name string
		dst  **string
	}{{"status", &e.Text}, {"spoiler_text", &e.SpoilerText}, {"language", &e.Language}, {"content_type", &e.ContentType}} {
		if !p.has(f.name) {
			continue
		}
		v, err := p.str(f.name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		*f.dst = &v
	}
	if e.Sensitive, err = p.boolean("sensitive"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.has("media_ids[]") || p.has("media_ids") {
		ids := p.list("media_ids")
		e.MediaIDs = &ids
	}
	st, err := s.store.EditStatus(r.Context(), m, chi.URLParam(r, "id"), e)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

func (s *Server) statusSource(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.store.Status(r.Context(), chi.URLParam(r, "id"), m.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st.AccountID != m.ID {
		s.writeError(w, r, errNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": st.ID, "text": st.Source, "spoiler_text": st.SpoilerText})
}
