package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/roundtable-fed/roundtable"
)

// The moderation pages, for the instance's moderators and admins: the
// queue, the log, peer policies and norms. Each tab and each form they post
// is one entry in moderationTabs or moderationActions; a new tab or action
// is a new entry there, a template, and its messages. Every entry calls the
// same store functions as the moderation JSON API.

// modTab is one tab of the moderation pages.
type modTab struct {
	path      string // where it is served
	title     string // message id of its name
	template  string
	adminOnly bool
	load      func(s *Server, r *http.Request, m *roundtable.Member) (map[string]any, error)
}

// modAction is a form the moderation pages post. It answers with a
// redirect to its tab and a message there; bad input renders the tab
// again with the error, and changes nothing.
type modAction struct {
	path      string // chi pattern it is posted to
	tab       string // path of the tab it belongs to
	adminOnly bool
	// do acts and returns the message id of what it did.
	do func(s *Server, r *http.Request, m *roundtable.Member) (string, error)
}

func moderationTabs() []modTab {
	return []modTab{
		{path: "/moderation", title: "moderation.queue.title", template: "moderation", load: (*Server).queueData},
		{path: "/moderation/log", title: "moderation.log.title", template: "moderation_log", load: (*Server).logData},
		{path: "/moderation/advisories", title: "moderation.advisories.title", template: "moderation_advisories", load: (*Server).advisoriesData},
		{path: "/moderation/peers", title: "moderation.peers.title", template: "moderation_peers", adminOnly: true, load: (*Server).peersData},
		{path: "/moderation/norms", title: "moderation.norms.title", template: "moderation_norms", adminOnly: true, load: (*Server).normsData},
		{path: "/moderation/held", title: "moderation.held.title", template: "moderation_held", load: (*Server).heldData},
		{path: "/moderation/appeals", title: "moderation.appeals.title", template: "moderation_appeals", load: (*Server).appealsData},
		{path: "/moderation/members", title: "moderation.members.title", template: "moderation_members", adminOnly: true, load: (*Server).membersData},
		{path: "/moderation/settings", title: "moderation.settings.title", template: "moderation_settings", adminOnly: true, load: (*Server).instanceSettingsData},
		{path: "/moderation/cohosts", title: "cohost.title", template: "cohost_admin", adminOnly: true, load: (*Server).cohostsData},
	}
}

func moderationActions() []modAction {
	return []modAction{
		{path: "/moderation/reports/{id}/dismiss", tab: "/moderation", do: (*Server).dismissAction},
		{path: "/moderation/consultations/{slug}/contributions/{id}/remove", tab: "/moderation", do: (*Server).removeAction},
		{path: "/moderation/peers", tab: "/moderation/peers", adminOnly: true, do: (*Server).peerPolicyAction},
		{path: "/moderation/peers/software", tab: "/moderation/peers", adminOnly: true, do: (*Server).recheckSoftwareAction},
		{path: "/moderation/advisories", tab: "/moderation/advisories", do: (*Server).publishAdvisoryAction},
		{path: "/moderation/advisories/{id}/retract", tab: "/moderation/advisories", do: (*Server).retractAdvisoryAction},
		{path: "/moderation/advisories/{id}/accept", tab: "/moderation/advisories", do: (*Server).acceptAdvisoryAction},
		{path: "/moderation/advisories/{id}/dismiss", tab: "/moderation/advisories", do: (*Server).dismissAdvisoryAction},
		{path: "/moderation/advisory_decisions/{id}/review", tab: "/moderation/advisories", do: (*Server).reviewDecisionAction},
		{path: "/moderation/advisory_rules", tab: "/moderation/advisories", adminOnly: true, do: (*Server).addAdvisoryRuleAction},
		{path: "/moderation/advisory_rules/{id}/remove", tab: "/moderation/advisories", adminOnly: true, do: (*Server).removeAdvisoryRuleAction},
		{path: "/moderation/norms", tab: "/moderation/norms", adminOnly: true, do: (*Server).addNormAction},
		{path: "/moderation/norms/{id}/remove", tab: "/moderation/norms", adminOnly: true, do: (*Server).removeNormAction},
		{path: "/moderation/norms/{id}/translations", tab: "/moderation/norms", adminOnly: true, do: (*Server).translateNormAction},
		{path: "/moderation/held/{id}/{action}", tab: "/moderation/held", do: (*Server).heldAction},
		{path: "/moderation/reports/{id}/account_action", tab: "/moderation", do: (*Server).reportAccountAction},
		{path: "/moderation/appeals/{id}/{decision}", tab: "/moderation/appeals", do: (*Server).appealDecisionAction},
		{path: "/moderation/members/{id}/role", tab: "/moderation/members", adminOnly: true, do: (*Server).roleAction},
		{path: "/moderation/settings", tab: "/moderation/settings", adminOnly: true, do: (*Server).instanceSettingsAction},
		{path: "/moderation/cohosts", tab: "/moderation/cohosts", adminOnly: true, do: (*Server).inviteCohostAction},
		{path: "/moderation/cohosts/consultations/{slug}/{domain}/withdraw", tab: "/moderation/cohosts", adminOnly: true, do: (*Server).withdrawCohostAction},
		{path: "/moderation/cohosts/{id}/facilitators", tab: "/moderation/cohosts", adminOnly: true, do: (*Server).cohostFacilitatorAction},
		{path: "/moderation/cohosts/{id}/{action}", tab: "/moderation/cohosts", adminOnly: true, do: (*Server).answerCohostAction},
	}
}

// moderationPages registers the moderation pages and their forms.
func (s *Server) moderationPages(r chi.Router) {
	for _, tab := range moderationTabs() {
		r.Get(tab.path, s.moderationTab(tab))
	}
	for _, a := range moderationActions() {
		r.Post(a.path, s.moderationAction(a))
	}
}

// flashKey is where the session keeps the message shown after a redirect.
const flashKey = "moderation_flash"

// mayModerateInstance reports whether m moderates the instance; the
// layout shows the Moderation link to them.
func mayModerateInstance(m *roundtable.Member) bool { return roundtable.IsModerator(m) }

// requireModerator returns the signed-in moderator (an admin when
// adminOnly), or answers the request itself (sign-in page, or 403) and
// returns nil.
func (s *Server) requireModerator(w http.ResponseWriter, r *http.Request, adminOnly bool) *roundtable.Member {
	if adminOnly {
		return s.requireAdmin(w, r)
	}
	m := s.sessionMember(r)
	if m == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return nil
	}
	if !mayModerateInstance(m) {
		s.pageError(w, r, roundtable.ErrForbidden)
		return nil
	}
	return m
}

func (s *Server) moderationTab(tab modTab) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireModerator(w, r, tab.adminOnly)
		if m == nil {
			return
		}
		s.renderModerationTab(w, r, m, tab, http.StatusOK, "")
	}
}

// modTabLink is a tab as the moderation pages' navigation shows it.
type modTabLink struct {
	Path, Title string
	Current     bool
}

func (s *Server) renderModerationTab(w http.ResponseWriter, r *http.Request, m *roundtable.Member, tab modTab, status int, errMsg string) {
	data, err := tab.load(s, r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var tabs []modTabLink
	for _, t := range moderationTabs() {
		if !t.adminOnly || m.Role == roundtable.RoleAdmin {
			tabs = append(tabs, modTabLink{Path: t.path, Title: t.title, Current: t.path == tab.path})
		}
	}
	data["Tabs"] = tabs
	data["Viewer"] = m
	data["Error"] = errMsg
	if status == http.StatusOK {
		data["Flash"] = s.sessions.PopString(r.Context(), flashKey)
	}
	s.render(w, r, status, tab.template, data)
}

func (s *Server) moderationAction(a modAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireModerator(w, r, a.adminOnly)
		if m == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
			return
		}
		flash, err := a.do(s, r, m)
		var ve *roundtable.ValidationError
		var ce *roundtable.ConflictError
		switch {
		case errors.As(err, &ve), errors.As(err, &ce):
			for _, tab := range moderationTabs() {
				if tab.path == a.tab {
					s.renderModerationTab(w, r, m, tab, http.StatusUnprocessableEntity, err.Error())
					return
				}
			}
			s.pageError(w, r, err)
			return
		case err != nil:
			s.pageError(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), flashKey, flash)
		http.Redirect(w, r, a.tab, http.StatusSeeOther)
	}
}

// labelOr translates id, or gives fallback when the catalogue lacks it (an
// action named by a newer part of the log than the catalogue knows).
func labelOr(l *i18n.Localizer, id, fallback string) string {
	if msg := translate(l, id); msg != id {
		return msg
	}
	return fallback
}

// modTime is a moment as the moderation pages show it.
func modTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// modNorm is a norm as the moderation pages show and cite it.
type modNorm struct {
	ID         string
	Number     int
	Text, Hint string
}

func (s *Server) modNorms(r *http.Request) ([]modNorm, error) {
	norms, err := s.store.Norms(r.Context())
	if err != nil {
		return nil, err
	}
	_, lang := s.pages.localizer(r)
	out := make([]modNorm, len(norms))
	for i, n := range norms {
		text, hint := n.In(lang)
		out[i] = modNorm{ID: n.ID, Number: n.Number, Text: text, Hint: hint}
	}
	return out, nil
}

// queueReport is an open report as the queue shows it.
type queueReport struct {
	ID        string
	CreatedAt string
	Category  string
	Comment   string
	Forward   bool
	Account   pageAccount
	// Who reported: a member (by name) or another instance (by domain).
	ReporterName, ReporterDomain string
	Norms                        []modNorm
	Contributions                []queueContribution
	// Missing counts reported contributions no longer stored.
	Missing int
}

// queueContribution is a reported contribution in the queue.
type queueContribution struct {
	ID           string
	Status       pageStatus
	Hidden       bool
	Reports      int
	Consultation string
	// Repeat is true when an earlier report on the page shows it in full.
	Repeat bool
}

func (s *Server) queueData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ctx := r.Context()
	reports, err := s.store.OpenReports(ctx, m)
	if err != nil {
		return nil, err
	}
	norms, err := s.modNorms(r)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, rep := range reports {
		ids = append(ids, rep.StatusIDs...)
	}
	contributions, err := s.store.ReportedContributions(ctx, m, ids)
	if err != nil {
		return nil, err
	}
	accounts := accountCache{s: s}
	shown := map[string]bool{}
	out := make([]queueReport, 0, len(reports))
	for _, rep := range reports {
		target, err := accounts.get(ctx, rep.TargetAccountID)
		if err != nil {
			return nil, err
		}
		reporter, err := accounts.get(ctx, rep.ReporterID)
		if err != nil {
			return nil, err
		}
		q := queueReport{ID: rep.ID, CreatedAt: modTime(rep.CreatedAt), Category: rep.Category, Comment: rep.Comment,
			Forward: rep.Forward, Account: s.pageAccount(target)}
		if reporter.Local() {
			q.ReporterName = reporter.Username
		} else {
			q.ReporterDomain = *reporter.Domain
		}
		for _, n := range norms {
			for _, id := range rep.RuleIDs {
				if n.ID == id {
					q.Norms = append(q.Norms, n)
				}
			}
		}
		for _, id := range rep.StatusIDs {
			c, ok := contributions[id]
			if !ok {
				q.Missing++
				continue
			}
			sts := s.pageStatuses([]*roundtable.Status{c.Status})
			if len(sts) == 0 {
				q.Missing++
				continue
			}
			q.Contributions = append(q.Contributions, queueContribution{ID: id, Status: sts[0], Hidden: c.Hidden,
				Reports: c.OpenReports, Consultation: c.Consultation, Repeat: shown[id]})
			shown[id] = true
		}
		out = append(out, q)
	}
	return map[string]any{"Reports": out, "Norms": norms}, nil
}

// accountCache looks accounts up once per page.
type accountCache struct {
	s    *Server
	seen map[string]*roundtable.Account
}

func (c *accountCache) get(ctx context.Context, id string) (*roundtable.Account, error) {
	if a, ok := c.seen[id]; ok {
		return a, nil
	}
	a, err := c.s.store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.seen == nil {
		c.seen = map[string]*roundtable.Account{}
	}
	c.seen[id] = a
	return a, nil
}

func (s *Server) dismissAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.DismissReport(r.Context(), m, chi.URLParam(r, "id"), r.PostForm.Get("reason"))
	return "moderation.dismissed", err
}

func (s *Server) removeAction(r *http.Request, m *roundtable.Member) (string, error) {
	reason, err := s.store.CiteNorm(r.Context(), r.PostForm.Get("reason"), r.PostForm.Get("norm"))
	if err != nil {
		return "", err
	}
	return "moderation.removed", s.store.RemoveContribution(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "id"), reason)
}

// modLogRow is a moderation log entry as the log page shows it.
type modLogRow struct {
	When, Role, Actor, Action, Target, Reason string
}

func (s *Server) logData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ctx := r.Context()
	entries, err := s.store.ModerationLog(ctx, m, 100)
	if err != nil {
		return nil, err
	}
	l, _ := s.pages.localizer(r)
	accounts := accountCache{s: s}
	rows := make([]modLogRow, len(entries))
	for i, e := range entries {
		row := modLogRow{When: modTime(e.CreatedAt), Target: e.TargetURI, Reason: e.Reason,
			Role:   labelOr(l, "moderation.role."+e.ActorRole, e.ActorRole),
			Action: labelOr(l, "moderation.action."+e.Action, strings.ReplaceAll(e.Action, "_", " "))}
		if e.ActorID != nil {
			a, err := accounts.get(ctx, *e.ActorID)
			switch {
			case err == nil:
				row.Actor = a.Acct()
			case !errors.Is(err, roundtable.ErrNotFound):
				return nil, err
			}
		}
		rows[i] = row
	}
	return map[string]any{"Entries": rows}, nil
}

// modPeerRow is a domain's policy as the peers page shows it.
type modPeerRow struct {
	Domain, Policy, Reason, PrivateReason, SetAt string
}

// peerPolicyChoices are the choices of the peers form, from closest to furthest.
var peerPolicyChoices = []string{string(roundtable.PolicyTrust), string(roundtable.PolicyDefault), string(roundtable.PolicyLimit), string(roundtable.PolicyBlock)}

func (s *Server) peersData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ps, err := s.store.DomainPolicies(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]modPeerRow, len(ps))
	for i, p := range ps {
		rows[i] = modPeerRow{Domain: p.Domain, Policy: string(p.Policy), Reason: p.Reason, PrivateReason: p.PrivateReason}
		if p.SetAt != nil {
			rows[i].SetAt = modTime(*p.SetAt)
		}
	}
	software, err := s.peerSoftwareRows(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Peers": rows, "Policies": peerPolicyChoices, "Form": r.PostForm, "Software": software}, nil
}

func (s *Server) peerPolicyAction(r *http.Request, m *roundtable.Member) (string, error) {
	p, err := roundtable.ParsePolicy(r.PostForm.Get("policy"))
	if err != nil {
		return "", err
	}
	private := r.PostForm.Get("private_reason")
	return "moderation.peers.saved", s.store.ChangeDomainPolicy(r.Context(), m, roundtable.PolicyChange{Domain: r.PostForm.Get("domain"),
		Policy: p, Reason: r.PostForm.Get("reason"), PrivateReason: &private})
}

func (s *Server) normsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	norms, err := s.modNorms(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Norms": norms, "Form": r.PostForm}, nil
}

func (s *Server) addNormAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.AddNorm(r.Context(), roundtable.NewNorm{Text: r.PostForm.Get("text"), Hint: r.PostForm.Get("hint")})
	return "moderation.norms.added", err
}

func (s *Server) removeNormAction(r *http.Request, m *roundtable.Member) (string, error) {
	return "moderation.norms.removed", s.store.RemoveNorm(r.Context(), chi.URLParam(r, "id"))
}
