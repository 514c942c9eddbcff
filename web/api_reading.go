package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Markers, conversations and hashtags: where members read, whom they
// write to directly, and what topics they follow.

type markerJSON struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

func markerEntities(ms map[string]*roundtable.Marker) map[string]markerJSON {
	out := make(map[string]markerJSON, len(ms))
	for tl, mk := range ms {
		out[tl] = markerJSON{LastReadID: mk.LastReadID, Version: mk.Version, UpdatedAt: apiTime(mk.UpdatedAt)}
	}
	return out
}

func (s *Server) getMarkers(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var timelines []string
	for _, tl := range p.list("timeline") {
		if tl == "home" || tl == "notifications" {
			timelines = append(timelines, tl)
		}
	}
	if len(timelines) == 0 && len(p.list("timeline")) > 0 {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	ms, err := s.store.Markers(r.Context(), m, timelines)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, markerEntities(ms))
}

func (s *Server) setMarkers(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	set := map[string]string{}
	for _, tl := range roundtable.MarkerTimelines {
		if key := tl + "[last_read_id]"; p.has(key) {
			v, err := p.str(key)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			set[tl] = v
		}
	}
	ms, err := s.store.SetMarkers(r.Context(), m, set)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, markerEntities(ms))
}

type conversationJSON struct {
	ID         string        `json:"id"`
	Unread     bool          `json:"unread"`
	Accounts   []accountJSON `json:"accounts"`
	LastStatus *statusJSON   `json:"last_status"`
}

func (s *Server) conversation(c *roundtable.Conversation) conversationJSON {
	out := conversationJSON{ID: c.ID, Unread: c.Unread, Accounts: s.accounts(c.Accounts)}
	if c.LastStatus != nil {
		st := s.status(c.LastStatus, false)
		out.LastStatus = &st
	}
	return out
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	cs, cursors, err := s.store.Conversations(r.Context(), m, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]conversationJSON, len(cs))
	for i, c := range cs {
		out[i] = s.conversation(c)
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) readConversation(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.MarkConversationRead(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.conversation(c))
}

func (s *Server) removeConversation(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.RemoveConversation(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

type tagHistoryJSON struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

type tagEntityJSON struct {
	Name      string           `json:"name"`
	URL       string           `json:"url"`
	History   []tagHistoryJSON `json:"history"`
	Following bool             `json:"following"`
}

func (s *Server) tagEntity(t *roundtable.Tag) tagEntityJSON {
	out := tagEntityJSON{Name: t.Name, URL: s.links.Tag(t.Name), History: []tagHistoryJSON{}, Following: t.Following}
	for _, d := range t.History {
		out.History = append(out.History, tagHistoryJSON{Day: strconv.FormatInt(d.Day.Unix(), 10),
			Uses: strconv.Itoa(d.Uses), Accounts: strconv.Itoa(d.Accounts)})
	}
	return out
}

func (s *Server) getTag(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.TagInfo(r.Context(), viewerID(r), chi.URLParam(r, "name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.tagEntity(t))
}

func (s *Server) followTag(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.store.FollowTag(r.Context(), m, chi.URLParam(r, "name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.tagEntity(t))
}

func (s *Server) unfollowTag(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.store.UnfollowTag(r.Context(), m, chi.URLParam(r, "name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.tagEntity(t))
}

func (s *Server) followedTags(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	ts, cursors, err := s.store.FollowedTags(r.Context(), m, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]tagEntityJSON, len(ts))
	for i, t := range ts {
		out[i] = s.tagEntity(t)
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, out)
}

// hashtagTimeline serves a hashtag's public statuses, with any[], all[]
// and none[] for other hashtags, local and remote.
func (s *Server) hashtagTimeline(w http.ResponseWriter, r *http.Request) {
	p, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	q := roundtable.TagQuery{Tag: chi.URLParam(r, "name"), Any: p.list("any"), All: p.list("all"), None: p.list("none")}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"local", &q.Local}, {"remote", &q.Remote}} {
		b, err := p.boolean(f.name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		*f.dst = b != nil && *b
	}
	media, err := p.boolean("only_media")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if media != nil && *media {
		// As in the public timeline: no status carries media yet.
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	sts, err := s.store.TagStatuses(r.Context(), viewerID(r), q, pg)
	s.writeStatusesIn(w, r, roundtable.FilterPublic, sts, err)
}
