package web

import (
	"context"

	"github.com/roundtable-fed/roundtable"
)

// The Mastodon client API's entities. Every documented non-optional field is
// always present with its type; empty collections are [] and never null.

type accountJSON struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Acct           string  `json:"acct"`
	URL            string  `json:"url"`
	URI            string  `json:"uri"`
	DisplayName    string  `json:"display_name"`
	Note           string  `json:"note"`
	Avatar         string  `json:"avatar"`
	AvatarStatic   string  `json:"avatar_static"`
	Header         string  `json:"header"`
	HeaderStatic   string  `json:"header_static"`
	Locked         bool    `json:"locked"`
	Fields         []any   `json:"fields"`
	Emojis         []any   `json:"emojis"`
	Bot            bool    `json:"bot"`
	Group          bool    `json:"group"`
	Discoverable   bool    `json:"discoverable"`
	Indexable      bool    `json:"indexable"`
	HideCollection *bool   `json:"hide_collections"`
	Noindex        bool    `json:"noindex"`
	CreatedAt      string  `json:"created_at"`
	LastStatusAt   *string `json:"last_status_at"`
	StatusesCount  int     `json:"statuses_count"`
	FollowersCount int     `json:"followers_count"`
	FollowingCount int     `json:"following_count"`
	Roles          []any   `json:"roles"`
}

func (s *Server) account(a *roundtable.Account) accountJSON {
	var last *string
	if a.LastStatusAt != nil {
		d := a.LastStatusAt.UTC().Format("2006-01-02")
		last = &d
	}
	created := a.CreatedAt.UTC().Truncate(24 * 60 * 60 * 1e9)
	return accountJSON{
		ID: a.ID, Username: a.Username, Acct: a.Acct(),
		URL: s.profileURL(a), URI: s.actorURI(a),
		DisplayName: a.DisplayName, Note: a.Note,
		Avatar: s.links.Avatar(), AvatarStatic: s.links.Avatar(),
		Header: s.links.Header(), HeaderStatic: s.links.Header(),
		Locked: a.Locked, Fields: []any{}, Emojis: []any{}, Bot: a.Bot, Group: a.Group(), Discoverable: a.Discoverable,
		Indexable: a.Discoverable && !a.NoIndex, Noindex: a.NoIndex, CreatedAt: apiTime(created), LastStatusAt: last,
		StatusesCount: a.StatusesCount, FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount,
		Roles: []any{}, HideCollection: hideCollections(a),
	}
}

// profileURL is the web page of an account, here or on its own server.
func (s *Server) profileURL(a *roundtable.Account) string {
	switch {
	case a.Local():
		return s.links.Profile(a.Username)
	case a.URL != "":
		return a.URL
	}
	return a.URI
}

// actorURI is the ActivityPub id of an account.
func (s *Server) actorURI(a *roundtable.Account) string {
	if a.URI != "" {
		return a.URI
	}
	return s.links.Actor(a.Username)
}

func (s *Server) accounts(as []*roundtable.Account) []accountJSON {
	out := make([]accountJSON, len(as))
	for i, a := range as {
		out[i] = s.account(a)
	}
	return out
}

type sourceJSON struct {
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            *string `json:"language"`
	Note                string  `json:"note"`
	Fields              []any   `json:"fields"`
	FollowRequestsCount int     `json:"follow_requests_count"`
	QuotePolicy         string  `json:"quote_policy"`
}

type roleJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

type credentialAccountJSON struct {
	accountJSON
	Source sourceJSON `json:"source"`
	Role   roleJSON   `json:"role"`
}

func (s *Server) credentialAccount(ctx context.Context, m *roundtable.Member) (credentialAccountJSON, error) {
	reqs, _, err := s.store.FollowRequests(ctx, m, roundtable.Page{Limit: 80})
	if err != nil {
		return credentialAccountJSON{}, err
	}
	role := roleJSON{ID: "-99", Name: "", Permissions: "0"}
	switch m.Role {
	case roundtable.RoleModerator:
		role = roleJSON{ID: "1", Name: "Moderator", Permissions: "1308", Highlighted: true}
	case roundtable.RoleAdmin:
		role = roleJSON{ID: "2", Name: "Admin", Permissions: "1", Highlighted: true}
	}
	return credentialAccountJSON{
		accountJSON: s.account(&m.Account),
		Source: sourceJSON{Privacy: m.DefaultVisibility, Sensitive: m.DefaultSensitive, Language: m.DefaultLanguage,
			Note: m.NoteSource, Fields: []any{}, FollowRequestsCount: len(reqs),
			QuotePolicy: quotePolicy(m)},
		Role: role,
	}, nil
}

type mentionJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type tagJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type appJSON struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

type statusJSON struct {
	ID                 string        `json:"id"`
	URI                string        `json:"uri"`
	URL                string        `json:"url"`
	CreatedAt          string        `json:"created_at"`
	EditedAt           *string       `json:"edited_at"`
	Account            accountJSON   `json:"account"`
	Content            string        `json:"content"`
	Visibility         string        `json:"visibility"`
	Sensitive          bool          `json:"sensitive"`
	SpoilerText        string        `json:"spoiler_text"`
	MediaAttachments   []any         `json:"media_attachments"`
	Mentions           []mentionJSON `json:"mentions"`
	Tags               []tagJSON     `json:"tags"`
	Emojis             []any         `json:"emojis"`
	ReblogsCount       int           `json:"reblogs_count"`
	FavouritesCount    int           `json:"favourites_count"`
	RepliesCount       int           `json:"replies_count"`
	InReplyToID        *string       `json:"in_reply_to_id"`
	InReplyToAccountID *string       `json:"in_reply_to_account_id"`
	Reblog             *statusJSON   `json:"reblog"`
	Poll               any           `json:"poll"`
	Card               any           `json:"card"`
	Language           *string       `json:"language"`
	Text               *string       `json:"text"`
	Application        *appJSON      `json:"application,omitempty"`
	Favourited         bool          `json:"favourited"`
	Reblogged          bool          `json:"reblogged"`
	Muted              bool          `json:"muted"`
	Bookmarked         bool          `json:"bookmarked"`
	Pinned             bool          `json:"pinned"`
	Filtered           []any         `json:"filtered"`
	LocalOnly          bool          `json:"local_only"`
	ReplyPolicy        string        `json:"reply_policy"`
	ContentType        string        `json:"content_type"`
	// InteractionPolicy is GoToSocial's view of who may favourite, reply
	// to and reblog the status.
	InteractionPolicy interactionPolicyJSON `json:"interaction_policy"`
}

// status renders st; withSource adds the text as written (for delete and
// redraft).
func (s *Server) status(st *roundtable.Status, withSource bool) statusJSON {
	out := statusJSON{
		ID: st.ID, CreatedAt: apiTime(st.CreatedAt), EditedAt: apiTimePtr(st.EditedAt),
		Content: st.Content, Visibility: string(st.Visibility), Sensitive: st.Sensitive, SpoilerText: st.SpoilerText,
		MediaAttachments: s.mediaAttachments(st.Media), Mentions: []mentionJSON{}, Tags: []tagJSON{}, Emojis: []any{},
		ReblogsCount: st.ReblogsCount, FavouritesCount: st.FavouritesCount, RepliesCount: st.RepliesCount,
		InReplyToID: st.InReplyToID, InReplyToAccountID: st.InReplyToAccountID, Language: st.Language,
		Favourited: st.Favourited, Bookmarked: st.Bookmarked, Filtered: []any{}, ContentType: st.ContentType,
		ReplyPolicy: string(st.ReplyPolicy), Reblogged: st.Reblogged, Pinned: st.Pinned, Muted: st.Muted,
		LocalOnly: st.LocalOnly, InteractionPolicy: interactionPolicy(st),
	}
	if st.Reblog != nil {
		// A reblog: the booster's empty wrapper around the original.
		orig := s.status(st.Reblog, false)
		out.Reblog = &orig
	}
	if st.Account != nil {
		out.Account = s.account(st.Account)
		out.URI = s.links.StatusURI(st.Account.Username, st.ID)
		out.URL = s.links.StatusURL(st.Account.Username, st.ID)
	}
	if st.URI != nil {
		out.URI = *st.URI
		out.URL = *st.URI
	}
	if st.URL != nil {
		out.URL = *st.URL
	}
	for i := range st.Mentions {
		m := &st.Mentions[i]
		out.Mentions = append(out.Mentions, mentionJSON{ID: m.ID, Username: m.Username, URL: s.profileURL(m), Acct: m.Acct()})
	}
	for _, t := range st.Tags {
		out.Tags = append(out.Tags, tagJSON{Name: t, URL: s.links.Tag(t)})
	}
	if st.App != nil {
		out.Application = &appJSON{Name: st.App.Name, Website: st.App.Website}
	}
	if st.Poll != nil {
		out.Poll = s.poll(st.Poll)
	}
	if withSource {
		src := st.Source
		out.Text = &src
	}
	if st.CountsHidden {
		// The consultation hides reactions while it deliberates.
		out.FavouritesCount, out.ReblogsCount = 0, 0
	}
	return out
}

func (s *Server) statuses(sts []*roundtable.Status) []statusJSON {
	out := make([]statusJSON, len(sts))
	for i, st := range sts {
		out[i] = s.status(st, false)
	}
	return out
}

type notificationJSON struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	CreatedAt string      `json:"created_at"`
	GroupKey  string      `json:"group_key"`
	Account   accountJSON `json:"account"`
	Status    *statusJSON `json:"status,omitempty"`
	// Reason says why a consultation refused a contribution
	// (contribution_refused).
	Reason string `json:"reason,omitempty"`
	// ModerationWarning is the decision a moderation_warning is about.
	ModerationWarning *warningJSON `json:"moderation_warning,omitempty"`
}

// notifications renders ns, leaving out those whose status the member can
// no longer see (deleted, or its visibility narrowed).
func (s *Server) notifications(ns []*roundtable.Notification) []notificationJSON {
	out := make([]notificationJSON, 0, len(ns))
	for _, n := range ns {
		if n.From == nil || (n.StatusID != nil && n.Status == nil) {
			continue
		}
		j := notificationJSON{ID: n.ID, Type: n.Type, CreatedAt: apiTime(n.CreatedAt), GroupKey: "ungrouped-" + n.ID,
			Account: s.account(n.From)}
		if n.Reason != nil {
			j.Reason = *n.Reason
		}
		if n.Status != nil {
			st := s.status(n.Status, false)
			j.Status = &st
		}
		if n.Warning != nil && n.Type == roundtable.NotifyWarning {
			w := s.warningEntity(n.Warning, n.From)
			j.ModerationWarning = &w
		}
		out = append(out, j)
	}
	return out
}

type relationshipJSON struct {
	ID                  string  `json:"id"`
	Following           bool    `json:"following"`
	ShowingReblogs      bool    `json:"showing_reblogs"`
	Notifying           bool    `json:"notifying"`
	Languages           any     `json:"languages"`
	FollowedBy          bool    `json:"followed_by"`
	Blocking            bool    `json:"blocking"`
	BlockedBy           bool    `json:"blocked_by"`
	Muting              bool    `json:"muting"`
	MutingNotifications bool    `json:"muting_notifications"`
	MutingExpiresAt     *string `json:"muting_expires_at"`
	Requested           bool    `json:"requested"`
	RequestedBy         bool    `json:"requested_by"`
	DomainBlocking      bool    `json:"domain_blocking"`
	Endorsed            bool    `json:"endorsed"`
	Note                string  `json:"note"`
}

func relationship(r *roundtable.Relationship) relationshipJSON {
	return relationshipJSON{ID: r.ID, Following: r.Following, ShowingReblogs: r.Following && r.ShowReblogs,
		Notifying: r.Notifying, FollowedBy: r.FollowedBy, Requested: r.Requested, RequestedBy: r.RequestedBy,
		Blocking: r.Blocking, BlockedBy: r.BlockedBy, Muting: r.Muting, MutingNotifications: r.Muting}
}
