package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ca, err := s.credentialAccount(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ca)
}

func (s *Server) updateCredentials(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var err error
	var u roundtable.ProfileUpdate
	for _, f := range []struct {
		name string
		dst  **string
	}{
		{"display_name", &u.DisplayName}, {"note", &u.Note},
		{"source[privacy]", &u.DefaultVisibility}, {"source[language]", &u.DefaultLanguage},
	} {
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
	for _, f := range []struct {
		name string
		dst  **bool
	}{
		{"locked", &u.Locked}, {"bot", &u.Bot}, {"discoverable", &u.Discoverable}, {"source[sensitive]", &u.DefaultSensitive},
	} {
		if *f.dst, err = p.boolean(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	privacy, err := privacyParams(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	updated, err := s.store.UpdateProfile(r.Context(), m.ID, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if updated, err = s.store.SetMemberPrivacy(r.Context(), m.ID, privacy); err != nil {
		s.writeError(w, r, err)
		return
	}
	ca, err := s.credentialAccount(r.Context(), updated)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ca)
}

func (s *Server) preferences(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"posting:default:visibility": m.DefaultVisibility,
		"posting:default:sensitive":  m.DefaultSensitive,
		"posting:default:language":   m.DefaultLanguage,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.Account(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.account(a))
}

func (s *Server) lookupAccount(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acct := p.get("acct")
	if acct == "" {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "acct is required"))
		return
	}
	a, err := s.store.AccountByAcct(r.Context(), acct, s.links.Domain())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.account(a))
}

func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request) {
	p, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	var f roundtable.AccountStatusFilter
	ex, err := p.boolean("exclude_replies")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.ExcludeReplies = ex != nil && *ex
	f.Tagged = p.get("tagged")
	media, err := p.boolean("only_media")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.OnlyMedia = media != nil && *media
	exReblogs, err := p.boolean("exclude_reblogs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.IncludeReblogs = exReblogs == nil || !*exReblogs
	pinned, err := p.boolean("pinned")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.Pinned = pinned != nil && *pinned
	sts, err := s.store.AccountStatuses(r.Context(), chi.URLParam(r, "id"), viewerID(r), f, pg)
	s.writeStatusesIn(w, r, roundtable.FilterAccount, sts, err)
}

// followers and following answer [] to others when the account hides
// them; the account itself still sees them.
func (s *Server) followers(w http.ResponseWriter, r *http.Request) {
	s.accountList(w, r, func(ctx context.Context, id string, p roundtable.Page) ([]*roundtable.Account, []string, error) {
		return s.store.VisibleFollowers(ctx, viewerID(r), id, p)
	})
}

func (s *Server) following(w http.ResponseWriter, r *http.Request) {
	s.accountList(w, r, func(ctx context.Context, id string, p roundtable.Page) ([]*roundtable.Account, []string, error) {
		return s.store.VisibleFollowing(ctx, viewerID(r), id, p)
	})
}

func (s *Server) accountList(w http.ResponseWriter, r *http.Request,
	list func(context.Context, string, roundtable.Page) ([]*roundtable.Account, []string, error)) {
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	as, cursors, err := list(r.Context(), chi.URLParam(r, "id"), pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// relationshipAction serves the POST endpoints that change a relationship
// and answer with it.
func (s *Server) relationshipAction(w http.ResponseWriter, r *http.Request,
	do func(context.Context, *roundtable.Member, string) (*roundtable.Relationship, error)) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := readParams(w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	rel, err := do(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, relationship(rel))
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request) {
	s.relationshipAction(w, r, s.store.Follow)
}

func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) {
	s.relationshipAction(w, r, s.store.Unfollow)
}

func (s *Server) authorizeFollow(w http.ResponseWriter, r *http.Request) {
	s.relationshipAction(w, r, s.store.AuthorizeFollow)
}

func (s *Server) rejectFollow(w http.ResponseWriter, r *http.Request) {
	s.relationshipAction(w, r, s.store.RejectFollow)
}

func (s *Server) relationships(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	ids := p.list("id")
	if len(ids) > 100 {
		ids = ids[:100]
	}
	rels, err := s.store.Relationships(r.Context(), m.ID, ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]relationshipJSON, len(rels))
	for i, rel := range rels {
		out[i] = relationship(rel)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) followRequests(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	as, cursors, err := s.store.FollowRequests(r.Context(), m, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// relationshipHandler serves a POST that changes a relationship.
func (s *Server) relationshipHandler(do func(context.Context, *roundtable.Member, string) (*roundtable.Relationship, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.relationshipAction(w, r, do) }
}

// blockedList serves the member's blocks, or mutes.
func (s *Server) blockedList(mutes bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := member(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		_, pg, ok := s.listParams(w, r)
		if !ok {
			return
		}
		as, cursors, err := s.store.Blocked(r.Context(), m, mutes, pg)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.setLink(w, r, cursors)
		writeJSON(w, http.StatusOK, s.accounts(as))
	}
}
