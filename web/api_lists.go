package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

type listJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l *roundtable.List) listJSON {
	return listJSON{ID: l.ID, Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

func listEntities(ls []*roundtable.List) []listJSON {
	out := make([]listJSON, len(ls))
	for i, l := range ls {
		out[i] = listEntity(l)
	}
	return out
}

// listChange reads the fields of a list create or update.
func listChange(p *params) (roundtable.ListChange, error) {
	var c roundtable.ListChange
	for _, f := range []struct {
		name string
		dst  **string
	}{{"title", &c.Title}, {"replies_policy", &c.RepliesPolicy}} {
		if !p.has(f.name) {
			continue
		}
		v, err := p.str(f.name)
		if err != nil {
			return c, err
		}
		*f.dst = &v
	}
	ex, err := p.boolean("exclusive")
	if err != nil {
		return c, err
	}
	c.Exclusive = ex
	return c, nil
}

func (s *Server) lists(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ls, err := s.store.Lists(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntities(ls))
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	c, err := listChange(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.store.CreateList(r.Context(), m, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntity(l))
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.store.List(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntity(l))
}

func (s *Server) updateList(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	c, err := listChange(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.store.UpdateList(r.Context(), m, chi.URLParam(r, "id"), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntity(l))
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteList(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	as, cursors, err := s.store.ListAccounts(r.Context(), m, chi.URLParam(r, "id"), pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pg.Limit > 0 || pg.MaxID != "" || pg.MinID != "" || pg.SinceID != "" {
		s.setLink(w, r, cursors)
	}
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// changeListAccounts serves adding (POST) and removing (DELETE) accounts.
func (s *Server) changeListAccounts(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	ids := p.list("account_ids")
	id := chi.URLParam(r, "id")
	var err error
	if r.Method == http.MethodDelete {
		err = s.store.RemoveListAccounts(r.Context(), m, id, ids)
	} else {
		err = s.store.AddListAccounts(r.Context(), m, id, ids)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) accountLists(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ls, err := s.store.AccountLists(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listEntities(ls))
}

func (s *Server) listTimeline(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	sts, err := s.store.ListTimeline(r.Context(), m, chi.URLParam(r, "id"), pg)
	s.writeStatusesIn(w, r, roundtable.FilterHome, sts, err)
}
