package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var err error
	ns := roundtable.NewStatus{IdempotencyKey: r.Header.Get("Idempotency-Key")}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"status", &ns.Text}, {"visibility", &ns.Visibility}, {"spoiler_text", &ns.SpoilerText},
		{"language", &ns.Language}, {"in_reply_to_id", &ns.InReplyToID}, {"content_type", &ns.ContentType},
	} {
		if *f.dst, err = p.str(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if ns.ReplyPolicy, err = replyPolicyParam(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	if ns.Sensitive, err = p.boolean("sensitive"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if ns.LocalOnly, err = localOnlyParam(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	vis := ns.Visibility
	if vis == "" {
		vis = m.DefaultVisibility
	}
	for _, sub := range []string{"can_favourite", "can_reblog"} {
		if err := checkOpenPolicy(p, vis, sub); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	ns.MediaIDs = p.list("media_ids")
	if ns.Poll, err = readPoll(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.get("scheduled_at") != "" {
		s.writeError(w, r, errStatus(http.StatusUnprocessableEntity, "Scheduled posts are not supported on this instance"))
		return
	}
	if ns.InReplyToID != "" && !roundtable.ValidID(ns.InReplyToID) {
		s.writeError(w, r, roundtable.Invalid("in_reply_to_id", "the status replied to does not exist"))
		return
	}
	if c := callerFrom(r.Context()); c.token.AppID != nil {
		ns.AppID = *c.token.AppID
	}
	st, err := s.store.CreateStatus(r.Context(), m, ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.statusOrReblog(r, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, false))
}

func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.store.DeleteStatus(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(st, true))
}

func (s *Server) statusContext(w http.ResponseWriter, r *http.Request) {
	anc, desc, err := s.store.Context(r.Context(), chi.URLParam(r, "id"), viewerID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ancestors, err := s.statusesIn(r.Context(), viewerID(r), roundtable.FilterThread, anc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	descendants, err := s.statusesIn(r.Context(), viewerID(r), roundtable.FilterThread, desc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ancestors": ancestors, "descendants": descendants})
}

// statusAction serves the POST /statuses/{id}/… actions that return the
// status.
func (s *Server) statusAction(do func(context.Context, *roundtable.Member, string) (*roundtable.Status, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := member(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id := chi.URLParam(r, "id")
		st, err := do(r.Context(), m, id)
		if errors.Is(err, roundtable.ErrNotFound) {
			// A reblog's own id stands for the status it shares.
			if rb, rerr := s.store.ReblogByID(r.Context(), id, m.ID); rerr == nil {
				st, err = do(r.Context(), m, rb.Reblog.ID)
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.status(st, false))
	}
}

func (s *Server) favouritedBy(w http.ResponseWriter, r *http.Request) {
	p, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	_ = p
	as, cursors, err := s.store.FavouritedBy(r.Context(), chi.URLParam(r, "id"), viewerID(r), pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// listParams reads the parameters and page of a list request, answering
// the error itself when they are malformed.
func (s *Server) listParams(w http.ResponseWriter, r *http.Request) (*params, roundtable.Page, bool) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, roundtable.Page{}, false
	}
	pg, err := p.page()
	if err != nil {
		s.writeError(w, r, err)
		return nil, roundtable.Page{}, false
	}
	return p, pg, true
}

func (s *Server) favourites(w http.ResponseWriter, r *http.Request) {
	s.markedList(w, r, s.store.Favourites)
}

func (s *Server) bookmarks(w http.ResponseWriter, r *http.Request) {
	s.markedList(w, r, s.store.Bookmarks)
}

func (s *Server) markedList(w http.ResponseWriter, r *http.Request,
	list func(context.Context, *roundtable.Member, roundtable.Page) ([]*roundtable.Status, []string, error)) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	sts, cursors, err := list(r.Context(), m, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, s.statuses(sts))
}

// statusIDs returns the ids of sts, the cursors of a status list.
func statusIDs(sts []*roundtable.Status) []string {
	ids := make([]string, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	return ids
}

func (s *Server) homeTimeline(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	sts, err := s.store.HomeTimeline(r.Context(), m.ID, pg)
	s.writeStatusesIn(w, r, roundtable.FilterHome, sts, err)
}

func (s *Server) publicTimeline(w http.ResponseWriter, r *http.Request) {
	p, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	var f roundtable.PublicTimelineFilter
	local, err := p.boolean("local")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	remote, err := p.boolean("remote")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.Local = local != nil && *local
	f.Remote = remote != nil && *remote
	media, err := p.boolean("only_media")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.OnlyMedia = media != nil && *media
	sts, err := s.store.PublicTimeline(r.Context(), viewerID(r), f, pg)
	s.writeStatusesIn(w, r, roundtable.FilterPublic, sts, err)
}

// writeStatuses answers a page of statuses with its Link header.
func (s *Server) writeStatuses(w http.ResponseWriter, r *http.Request, sts []*roundtable.Status, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, statusIDs(sts))
	writeJSON(w, http.StatusOK, s.statuses(sts))
}

// replyPolicyParam reads who may reply: Roundtable's reply_policy
// (everyone, followers, mentioned) or GoToSocial's
// interaction_policy[can_reply][always].
func replyPolicyParam(p *params) (string, error) {
	if p.has("reply_policy") {
		return p.str("reply_policy")
	}
	always := policyList(p, "interaction_policy[can_reply][always]")
	if len(always) == 0 {
		return "", nil
	}
	for _, v := range always {
		if v == "public" {
			return string(roundtable.RepliesEveryone), nil
		}
	}
	for _, v := range always {
		if v == "followers" || v == "mutuals" {
			return string(roundtable.RepliesFollowers), nil
		}
	}
	return string(roundtable.RepliesMentioned), nil
}
