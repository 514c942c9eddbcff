package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The thread page: a thread and every reply in it as a nested tree, with
// the forms a signed-in member uses to take part. Loading it costs the same
// few queries whatever the thread's size: the thread is read in one query
// and hydrated in batches (the store's Context).

// pageContribution is a contribution as the thread page shows it, with its
// replies.
type pageContribution struct {
	ID, URL, URI string
	CreatedAt    string
	Edited       bool
	Title        string
	SpoilerText  string
	Content      template.HTML
	Media        []pageMedia
	Account      pageAccount
	// ProfileURL is where its author is read about.
	ProfileURL string
	Favourites int
	// ShowCounts is false while the consultation hides reaction counts.
	ShowCounts bool
	Favourited bool
	Poll       *pagePoll
	// Own is true when the viewer wrote it: they may edit or withdraw it.
	Own bool
	// Current marks the contribution the page was asked for.
	Current bool
	// What the viewer may do with it, and the page its forms return to.
	SignedIn, CanLike, CanReply bool
	// CanRemove is true when the viewer facilitates its consultation.
	CanRemove bool
	Back      string
	Replies   []*pageContribution
}

// pagePoll is a poll as the thread page shows it.
type pagePoll struct {
	Options    []pagePollOption
	Multiple   bool
	Expired    bool
	ExpiresAt  string
	Voters     int
	ShowTotals bool
	// CanVote is true when the viewer may vote now.
	CanVote bool
}

// pagePollOption is one answer of a poll with its share of the votes.
type pagePollOption struct {
	Index   int
	Title   string
	Votes   int
	Percent int
	Chosen  bool
}

// threadView is what the thread page and its forms know of a thread.
type threadView struct {
	Title        string
	Top          []*pageContribution      // the thread starter, and replies whose parent is not shown
	Consultation *roundtable.Consultation // hosted here, or nil
	Group        *pageAccount             // the consultation's Group, here or elsewhere
	GroupURL     string
	RootID       string
	Locked       bool
	MayReply     bool // the thread and its consultation take replies now
	MayLike      bool // its consultation takes favourites and votes now
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	m := s.sessionMember(r)
	viewer := ""
	if m != nil {
		viewer = m.ID
	}
	ctx := r.Context()
	st, err := s.store.Status(ctx, chi.URLParam(r, "id"), viewer)
	if err == nil && !strings.EqualFold(st.Account.Username, chi.URLParam(r, "username")) {
		err = roundtable.ErrNotFound
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderThread(w, r, m, st, http.StatusOK, r.URL.Path, "")
}

// renderThread shows the thread page of st, with a message when a form of
// the page was refused.
func (s *Server) renderThread(w http.ResponseWriter, r *http.Request, m *roundtable.Member, st *roundtable.Status, status int, back, errMsg string) {
	ctx := r.Context()
	tv, err := s.threadView(ctx, st, m, back)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := map[string]any{"Thread": tv, "Viewer": m, "Back": back, "Error": errMsg, "Interact": s.interactForm(r, st),
		"Reply": &composeForm{Mode: "reply", Action: "/contributions/" + tv.RootID + "/reply", Back: back}}
	if status == http.StatusOK {
		data["Flash"] = s.sessions.PopString(ctx, pageFlashKey)
	}
	// Not indexed when its author or its consultation asks.
	noindex := st.Account != nil && st.Account.NoIndex
	if st.GroupID != nil && !noindex {
		if g, err := s.store.Account(ctx, *st.GroupID); err == nil {
			noindex = g.NoIndex
		}
	}
	data["NoIndex"] = noindex
	s.render(w, r, status, "status", data)
}

// threadView loads the whole thread st is part of, as viewer m sees it.
func (s *Server) threadView(ctx context.Context, st *roundtable.Status, m *roundtable.Member, back string) (*threadView, error) {
	viewer := ""
	if m != nil {
		viewer = m.ID
	}
	root := st
	if st.ThreadID != st.ID {
		if r, err := s.store.Status(ctx, st.ThreadID, viewer); err == nil {
			root = r
		}
	}
	anc, desc, err := s.store.Context(ctx, root.ID, viewer)
	if err != nil {
		return nil, err
	}
	tv := &threadView{Locked: root.Locked, RootID: root.ID}
	c, err := s.store.ConsultationOfStatus(ctx, root)
	if err != nil {
		return nil, err
	}
	tv.Consultation = c
	if root.GroupID != nil {
		g, err := s.store.Account(ctx, *root.GroupID)
		if err != nil {
			return nil, err
		}
		pa := s.pageAccount(g)
		tv.Group, tv.GroupURL = &pa, s.profileURL(g)
	}
	tv.MayReply = m != nil && !root.Locked && (c == nil || c.Allows(roundtable.ContributeReply) == nil)
	tv.MayLike = m != nil && (c == nil || c.Allows(roundtable.ContributeLike) == nil)

	all := make([]*roundtable.Status, 0, len(anc)+1+len(desc))
	all = append(append(append(all, anc...), root), desc...)
	nodes := make(map[string]*pageContribution, len(all))
	var top []*pageContribution
	for _, x := range all {
		if x.Account == nil {
			continue
		}
		n := s.pageContribution(x, m, tv.MayLike)
		n.Current = x.ID == st.ID
		n.CanReply, n.Back = tv.MayReply, back
		n.CanRemove = mayRemoveFromThread(c, m, x)
		nodes[x.ID] = n
		if x.InReplyToID != nil {
			if p, ok := nodes[*x.InReplyToID]; ok {
				p.Replies = append(p.Replies, n)
				continue
			}
		}
		top = append(top, n)
	}
	// Replies whose parent the viewer may not see stand at the top level.
	tv.Top = top
	if n := nodes[root.ID]; n != nil {
		tv.Title = n.Title
		if tv.Title == "" {
			tv.Title = "@" + n.Account.Acct
		}
	}
	return tv, nil
}

// pageContribution prepares st for the thread page.
func (s *Server) pageContribution(st *roundtable.Status, m *roundtable.Member, mayLike bool) *pageContribution {
	n := &pageContribution{
		ID: st.ID, URL: s.statusPageURL(st), CreatedAt: apiTime(st.CreatedAt), Edited: st.EditedAt != nil,
		SpoilerText: st.SpoilerText,
		// Content is sanitised when stored.
		Content:    template.HTML(st.Content), //nolint:gosec
		Media:      s.pageMedia(st.Media),
		Account:    s.pageAccount(st.Account),
		ProfileURL: s.profileURL(st.Account),
		Favourites: st.FavouritesCount, ShowCounts: !st.CountsHidden, Favourited: st.Favourited,
		Own:      m != nil && st.AccountID == m.ID && st.Local,
		SignedIn: m != nil, CanLike: m != nil && mayLike,
	}
	if st.URI != nil {
		n.URI = *st.URI
	}
	if st.Title != nil {
		n.Title = *st.Title
	}
	if p := st.Poll; p != nil {
		pp := &pagePoll{Multiple: p.Multiple, Expired: p.Expired, ShowTotals: !p.HideTotals || p.Expired,
			CanVote: m != nil && mayLike && !p.Voted && !p.Expired && st.AccountID != m.ID}
		if p.VotersCount != nil {
			pp.Voters = *p.VotersCount
		}
		if p.ExpiresAt != nil {
			pp.ExpiresAt = apiTime(*p.ExpiresAt)
		}
		for i, o := range p.Options {
			po := pagePollOption{Index: i, Title: o.Title, Votes: o.VotesCount}
			if p.VotesCount > 0 {
				po.Percent = o.VotesCount * 100 / p.VotesCount
			}
			for _, v := range p.OwnVotes {
				if v == i {
					po.Chosen = true
				}
			}
			pp.Options = append(pp.Options, po)
		}
		n.Poll = pp
	}
	return n
}

// threadPath is the page where a member finds st again after acting on
// it: its thread page here, or the remote-interaction page of a status from
// elsewhere.
func (s *Server) threadPath(st *roundtable.Status) string {
	if st.Local && st.Account != nil {
		return "/@" + st.Account.Username + "/" + st.ID
	}
	if st.URI != nil {
		return "/authorize_interaction?uri=" + url.QueryEscape(*st.URI)
	}
	return "/"
}
