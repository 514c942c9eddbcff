package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The member's notifications as a page: what apps show them, in a plain
// sentence each, with a link to what it is about. Visiting the page moves
// the notifications marker that apps read too.

// notificationsPerPage is how many notifications one page lists.
const notificationsPerPage = 30

// notificationPageRoutes registers the page and its forms; they sit with
// the other cookie-authenticated pages.
func (s *Server) notificationPageRoutes(r chi.Router) {
	r.Get("/notifications", s.notificationsPage)
	r.Post("/notifications/clear", s.clearNotificationsSubmit)
	r.Post("/notifications/{id}/dismiss", s.dismissNotificationSubmit)
	r.Post("/notifications/requests/{id}/authorize", s.followRequestSubmit(true))
	r.Post("/notifications/requests/{id}/reject", s.followRequestSubmit(false))
}

// pageNotification is a notification as the page shows it.
type pageNotification struct {
	ID        string
	Sentence  string // what happened, in the reader's language
	Detail    string // the stored reason or text, as written
	Link      string
	CreatedAt string
	New       bool   // arrived since the member last read them
	RequestBy string // the account whose follow request awaits an answer
}

// notificationDay is the notifications of one day, newest first.
type notificationDay struct {
	Date  string
	Items []pageNotification
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, "/notifications")
	if m == nil {
		return
	}
	ctx := r.Context()
	maxID := r.URL.Query().Get("max_id")
	if maxID != "" && !roundtable.ValidID(maxID) {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "notifications.bad_cursor"))
		return
	}
	ns, err := s.store.Notifications(ctx, m, roundtable.NotificationFilter{}, roundtable.Page{MaxID: maxID, Limit: notificationsPerPage})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lastRead, err := s.notificationsLastRead(ctx, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(ns) > 0 && ns[0].ID > lastRead {
		// Read here, read in the apps too.
		if _, err := s.store.SetMarkers(ctx, m, map[string]string{"notifications": ns[0].ID}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	pending, err := s.pendingRequests(ctx, m, ns)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l, _ := s.pages.localizer(r)
	tr := func(id string, pairs ...any) string { return translate(l, id, pairs...) }
	var days []notificationDay
	for _, n := range ns {
		pn := s.pageNotification(tr, m, n)
		pn.New = n.ID > lastRead
		if n.Type == roundtable.NotifyFollowRequest && pending[n.FromAccountID] {
			pn.RequestBy = n.FromAccountID
		}
		date := n.CreatedAt.UTC().Format("2006-01-02")
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, notificationDay{Date: date})
		}
		days[len(days)-1].Items = append(days[len(days)-1].Items, pn)
	}
	older := ""
	if len(ns) == notificationsPerPage {
		older = "/notifications?max_id=" + url.QueryEscape(ns[len(ns)-1].ID)
	}
	s.render(w, r, http.StatusOK, "notifications", map[string]any{"Viewer": m, "Days": days, "Older": older,
		"Flash": s.sessions.PopString(ctx, pageFlashKey)})
}

// notificationsLastRead is the newest notification the member has read,
// by the marker apps share ("" when none).
func (s *Server) notificationsLastRead(ctx context.Context, m *roundtable.Member) (string, error) {
	mk, err := s.store.Markers(ctx, m, []string{"notifications"})
	if err != nil {
		return "", err
	}
	if x := mk["notifications"]; x != nil {
		return x.LastReadID, nil
	}
	return "", nil
}

// unreadNotifications counts the member's notifications since their
// marker, up to maxUnread, for the site navigation.
func (s *Server) unreadNotifications(r *http.Request, m *roundtable.Member) int {
	lastRead, err := s.notificationsLastRead(r.Context(), m)
	if err != nil {
		return 0
	}
	n, err := s.store.UnreadNotifications(r.Context(), m, lastRead, maxUnread)
	if err != nil {
		return 0
	}
	return n
}

// maxUnread bounds the count the navigation shows.
const maxUnread = 99

// pendingRequests says which of the follow requests among ns still await
// the member's answer, by the requester's account.
func (s *Server) pendingRequests(ctx context.Context, m *roundtable.Member, ns []*roundtable.Notification) (map[string]bool, error) {
	var ids []string
	for _, n := range ns {
		if n.Type == roundtable.NotifyFollowRequest {
			ids = append(ids, n.FromAccountID)
		}
	}
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rels, err := s.store.Relationships(ctx, m.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, rel := range rels {
		if rel.RequestedBy {
			out[rel.ID] = true
		}
	}
	return out, nil
}

// pageNotification words n for its reader, with a link to what it is
// about. Every type in roundtable.NotificationTypes has its sentence.
func (s *Server) pageNotification(tr func(string, ...any) string, m *roundtable.Member, n *roundtable.Notification) pageNotification {
	pn := pageNotification{ID: n.ID, CreatedAt: apiTime(n.CreatedAt), Detail: deref(n.Reason)}
	name, profile := tr("notifications.someone"), "/"
	if a := n.From; a != nil {
		name = a.DisplayName
		if name == "" {
			name = "@" + a.Acct()
		}
		profile = s.profilePath(a)
	}
	text, thread := "", profile
	if st := n.Status; st != nil {
		text = excerpt(roundtable.PlainText(st.Content), 80)
		if st.Title != nil && *st.Title != "" {
			text = *st.Title
		}
		if st.SpoilerText != "" {
			text = st.SpoilerText
		}
		thread = s.threadPath(st)
	}
	say := func(id, link string) {
		pn.Sentence, pn.Link = tr(id, "Name", name, "Text", text), link
	}
	switch n.Type {
	case roundtable.NotifyMention:
		if st := n.Status; st != nil && st.InReplyToAccountID != nil && *st.InReplyToAccountID == m.ID {
			say("notifications.reply", thread)
		} else {
			say("notifications.mention", thread)
		}
	case roundtable.NotifyStatus:
		say("notifications.status", thread)
	case roundtable.NotifyReblog:
		say("notifications.reblog", thread)
	case roundtable.NotifyFavourite:
		say("notifications.favourite", thread)
	case roundtable.NotifyUpdate:
		say("notifications.update", thread)
	case roundtable.NotifyFollow:
		say("notifications.follow", profile)
	case roundtable.NotifyFollowRequest:
		say("notifications.follow_request", profile)
	case roundtable.NotifyPoll:
		if st := n.Status; st != nil && st.AccountID == m.ID {
			say("notifications.poll_own", thread)
		} else {
			say("notifications.poll", thread)
		}
	case roundtable.NotifyRefused:
		say("notifications.refused", thread)
	case roundtable.NotifyHeld:
		say("notifications.held", thread)
	case roundtable.NotifySevered:
		say("notifications.severed", "/about")
	case roundtable.NotifyWarning:
		say("notifications.warning", "/warnings")
		if n.Warning != nil {
			pn.Detail = n.Warning.Text
		}
	case roundtable.NotifyAppeal:
		say("notifications.appeal", "/warnings")
	case roundtable.NotifyReportResolved:
		say("notifications.report_resolved", "/about")
		if n.Status != nil {
			pn.Link = thread
		}
	case roundtable.NotifyBanned:
		say("notifications.banned", "/warnings")
	case roundtable.NotifyEdition:
		// From the edition's Group; Reason names the series.
		pn.Sentence, pn.Link, pn.Detail = tr("notifications.edition", "Name", name, "Series", deref(n.Reason)), profile, ""
	default:
		say("notifications.other", profile)
	}
	return pn
}

func (s *Server) clearNotificationsSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, "/notifications")
	if m == nil {
		return
	}
	if err := s.store.ClearNotifications(r.Context(), m); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "notifications.cleared")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (s *Server) dismissNotificationSubmit(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, "/notifications")
	if m == nil {
		return
	}
	if err := s.store.DismissNotification(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), pageFlashKey, "notifications.dismissed")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// followRequestSubmit accepts (or refuses) a follow request from the page.
func (s *Server) followRequestSubmit(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, "/notifications")
		if m == nil {
			return
		}
		id := chi.URLParam(r, "id")
		if !roundtable.ValidID(id) {
			s.pageError(w, r, roundtable.ErrNotFound)
			return
		}
		var err error
		flash := "notifications.request_accepted"
		if accept {
			_, err = s.store.AuthorizeFollow(r.Context(), m, id)
		} else {
			_, err = s.store.RejectFollow(r.Context(), m, id)
			flash = "notifications.request_refused"
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), pageFlashKey, flash)
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	}
}
