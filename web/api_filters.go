package web

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Filters v2 (and the v1 view of them), and how they apply to what the
// client API serves.

type filterKeywordJSON struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

type filterStatusJSON struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

type filterJSON struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Context      []string            `json:"context"`
	ExpiresAt    *string             `json:"expires_at"`
	FilterAction string              `json:"filter_action"`
	Keywords     []filterKeywordJSON `json:"keywords"`
	Statuses     []filterStatusJSON  `json:"statuses"`
}

type filterResultJSON struct {
	Filter         filterJSON `json:"filter"`
	KeywordMatches []string   `json:"keyword_matches"`
	StatusMatches  []string   `json:"status_matches"`
}

// filterV1JSON is a keyword of a filter as the v1 API shows it.
type filterV1JSON struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
	WholeWord    bool     `json:"whole_word"`
}

func filterKeyword(k *roundtable.FilterKeyword) filterKeywordJSON {
	return filterKeywordJSON{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord}
}

func filterStatus(f *roundtable.FilterStatus) filterStatusJSON {
	return filterStatusJSON{ID: f.ID, StatusID: f.StatusID}
}

func filterEntity(f *roundtable.Filter) filterJSON {
	out := filterJSON{ID: f.ID, Title: f.Title, Context: f.Context, ExpiresAt: apiTimePtr(f.ExpiresAt),
		FilterAction: f.Action, Keywords: []filterKeywordJSON{}, Statuses: []filterStatusJSON{}}
	if out.Context == nil {
		out.Context = []string{}
	}
	for i := range f.Keywords {
		out.Keywords = append(out.Keywords, filterKeyword(&f.Keywords[i]))
	}
	for i := range f.Statuses {
		out.Statuses = append(out.Statuses, filterStatus(&f.Statuses[i]))
	}
	return out
}

func filterV1Entities(fs []*roundtable.Filter) []filterV1JSON {
	out := []filterV1JSON{}
	for _, f := range fs {
		for _, k := range f.Keywords {
			out = append(out, filterV1JSON{ID: k.ID, Phrase: k.Keyword, Context: f.Context, ExpiresAt: apiTimePtr(f.ExpiresAt),
				Irreversible: f.Action == roundtable.FilterHide, WholeWord: k.WholeWord})
		}
	}
	return out
}

// filterResults renders what filters a status matched.
func filterResults(rs []roundtable.FilterResult) []any {
	out := make([]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, filterResultJSON{Filter: filterEntity(r.Filter), KeywordMatches: r.KeywordMatches, StatusMatches: r.StatusMatches})
	}
	return out
}

// statusesIn renders sts for the viewer in a filter context: those that a
// hide filter matches are left out, the others carry the filters they
// match in filtered.
func (s *Server) statusesIn(ctx context.Context, viewerID, filterContext string, sts []*roundtable.Status) ([]statusJSON, error) {
	fs, err := s.store.ActiveFilters(ctx, viewerID, filterContext)
	if err != nil {
		return nil, err
	}
	out := make([]statusJSON, 0, len(sts))
	for _, st := range sts {
		rs, hide := fs.Match(st)
		if hide {
			continue
		}
		j := s.status(st, false)
		if len(rs) > 0 {
			j.Filtered = filterResults(rs)
		}
		out = append(out, j)
	}
	return out, nil
}

// writeStatusesIn answers a page of statuses in a filter context, with
// the Link header of the whole page (hidden statuses included, so that
// paging goes on past them).
func (s *Server) writeStatusesIn(w http.ResponseWriter, r *http.Request, filterContext string, sts []*roundtable.Status, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.statusesIn(r.Context(), viewerID(r), filterContext, sts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, statusIDs(sts))
	writeJSON(w, http.StatusOK, out)
}

// notificationsIn renders notifications with the member's notification
// filters applied to their statuses.
func (s *Server) notificationsIn(ctx context.Context, m *roundtable.Member, ns []*roundtable.Notification) ([]notificationJSON, error) {
	fs, err := s.store.ActiveFilters(ctx, m.ID, roundtable.FilterNotifications)
	if err != nil {
		return nil, err
	}
	results := map[string][]roundtable.FilterResult{}
	kept := make([]*roundtable.Notification, 0, len(ns))
	for _, n := range ns {
		if n.Status != nil {
			rs, hide := fs.Match(n.Status)
			if hide {
				continue
			}
			results[n.ID] = rs
		}
		kept = append(kept, n)
	}
	out := s.notifications(kept)
	for i := range out {
		if rs := results[out[i].ID]; len(rs) > 0 && out[i].Status != nil {
			out[i].Status.Filtered = filterResults(rs)
		}
	}
	return out, nil
}

// objects reads an array of objects given as name[0][field] (JSON, or an
// indexed form) or Rails-style as name[][field], where the i-th value of
// each field belongs to the i-th object.
func (p *params) objects(name string) []map[string]string {
	indexed := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\[(\d+)\]\[([a-z_]+)\]$`)
	rails := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `\[\]\[([a-z_]+)\]$`)
	byIndex := map[int]map[string]string{}
	var seq []map[string]string
	for k, vs := range p.vals {
		if len(vs) == 0 {
			continue
		}
		if m := indexed.FindStringSubmatch(k); m != nil {
			i, err := strconv.Atoi(m[1])
			if err != nil || i > 1000 {
				continue
			}
			if byIndex[i] == nil {
				byIndex[i] = map[string]string{}
			}
			byIndex[i][m[2]] = vs[len(vs)-1]
		} else if m := rails.FindStringSubmatch(k); m != nil {
			for i, v := range vs {
				for len(seq) <= i {
					seq = append(seq, map[string]string{})
				}
				seq[i][m[1]] = v
			}
		}
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]map[string]string, 0, len(idx)+len(seq))
	for _, i := range idx {
		out = append(out, byIndex[i])
	}
	return append(out, seq...)
}

// parseBool reads a boolean form value.
func parseBool(field, v string) (*bool, error) {
	p := &params{vals: map[string][]string{field: {v}}, kinds: map[string]byte{}}
	return p.boolean(field)
}

// filterChange reads the fields of a filter create or update.
func filterChange(p *params) (roundtable.FilterChange, error) {
	var c roundtable.FilterChange
	if p.has("title") {
		t, err := p.str("title")
		if err != nil {
			return c, err
		}
		c.Title = &t
	}
	if p.has("context[]") || p.has("context") {
		c.Context = p.list("context")
		if c.Context == nil {
			c.Context = []string{}
		}
	}
	if p.has("filter_action") {
		a, err := p.str("filter_action")
		if err != nil {
			return c, err
		}
		c.Action = &a
	}
	if p.has("expires_in") {
		c.SetExpiry = true
		if v := p.get("expires_in"); v != "" {
			n, err := p.integer("expires_in", 0)
			if err != nil {
				return c, err
			}
			c.ExpiresIn = &n
		}
	}
	for _, o := range p.objects("keywords_attributes") {
		k := roundtable.KeywordChange{ID: o["id"]}
		if v, ok := o["keyword"]; ok {
			k.Keyword = &v
		}
		if v, ok := o["whole_word"]; ok {
			b, err := parseBool("whole_word", v)
			if err != nil {
				return c, err
			}
			k.WholeWord = b
		}
		if v, ok := o["_destroy"]; ok {
			b, err := parseBool("_destroy", v)
			if err != nil {
				return c, err
			}
			k.Destroy = b != nil && *b
		}
		c.Keywords = append(c.Keywords, k)
	}
	return c, nil
}

func (s *Server) listFilters(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := s.store.Filters(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]filterJSON, len(fs))
	for i, f := range fs {
		out[i] = filterEntity(f)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listFiltersV1(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := s.store.Filters(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterV1Entities(fs))
}

func (s *Server) getFilterV1(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.store.FilterKeyword(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.Filter(r.Context(), m, k.FilterID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, v := range filterV1Entities([]*roundtable.Filter{f}) {
		if v.ID == k.ID {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	s.writeError(w, r, errNotFound)
}

func (s *Server) createFilter(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	c, err := filterChange(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.CreateFilter(r.Context(), m, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f))
}

func (s *Server) getFilter(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.Filter(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f))
}

func (s *Server) updateFilter(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	c, err := filterChange(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.UpdateFilter(r.Context(), m, chi.URLParam(r, "id"), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f))
}

func (s *Server) deleteFilter(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteFilter(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) filterKeywords(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.Filter(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f).Keywords)
}

func (s *Server) addFilterKeyword(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	kw, err := p.str("keyword")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	whole, err := p.boolean("whole_word")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.store.AddFilterKeyword(r.Context(), m, chi.URLParam(r, "id"), kw, whole)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterKeyword(k))
}

func (s *Server) getFilterKeyword(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.store.FilterKeyword(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterKeyword(k))
}

func (s *Server) updateFilterKeyword(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var kw *string
	if p.has("keyword") {
		v, err := p.str("keyword")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		kw = &v
	}
	whole, err := p.boolean("whole_word")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.store.UpdateFilterKeyword(r.Context(), m, chi.URLParam(r, "id"), kw, whole)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterKeyword(k))
}

func (s *Server) deleteFilterKeyword(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteFilterKeyword(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) filterStatuses(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.store.Filter(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterEntity(f).Statuses)
}

func (s *Server) addFilterStatus(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	id, err := p.str("status_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := s.store.AddFilterStatus(r.Context(), m, chi.URLParam(r, "id"), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterStatus(fs))
}

func (s *Server) getFilterStatus(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := s.store.FilterStatusByID(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, filterStatus(fs))
}

func (s *Server) deleteFilterStatus(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteFilterStatus(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
