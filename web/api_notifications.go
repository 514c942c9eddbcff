package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	f := roundtable.NotificationFilter{Types: p.list("types"), ExcludeTypes: p.list("exclude_types"), FromID: p.get("account_id")}
	if len(f.Types) == 0 {
		// Apps decode notification types strictly: Roundtable's own
		// (contribution_refused, severed_relationships) come only to
		// those who ask for them by name.
		f.Types = mastodonNotificationTypes
	}
	if f.FromID != "" && !roundtable.ValidID(f.FromID) {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	ns, err := s.store.Notifications(r.Context(), m, f, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cursors := make([]string, len(ns))
	for i, n := range ns {
		cursors[i] = n.ID
	}
	out, err := s.notificationsIn(r.Context(), m, ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getNotification(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.store.Notification(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := s.notifications([]*roundtable.Notification{n})
	if len(out) == 0 {
		s.writeError(w, r, errNotFound)
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.store.UnreadNotifications(r.Context(), m, "", 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

func (s *Server) clearNotifications(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.ClearNotifications(r.Context(), m); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) dismissNotification(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DismissNotification(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// mastodonNotificationTypes are the types Mastodon apps know
// (moderation_warning since Mastodon 4.3).
var mastodonNotificationTypes = []string{roundtable.NotifyMention, roundtable.NotifyStatus, roundtable.NotifyReblog,
	roundtable.NotifyFollow, roundtable.NotifyFollowRequest, roundtable.NotifyFavourite, roundtable.NotifyPoll,
	roundtable.NotifyUpdate, roundtable.NotifyWarning}
