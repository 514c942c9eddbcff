package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// The advisories tab: drafts received from trusted peers, decisions to
// review, what this instance publishes, and the admins' rules.

// modAdvisory is an advisory as the page shows it.
type modAdvisory struct {
	*roundtable.Advisory
	Issuer, Published, Received, Expires, Retracted string
	Choices                                         []string // actions a moderator may take: the suggested one or milder
}

func newModAdvisory(a *roundtable.Advisory) modAdvisory {
	v := modAdvisory{Advisory: a, Published: modTime(a.PublishedAt)}
	if a.IssuerDomain != nil {
		v.Issuer = *a.IssuerDomain
	}
	if a.ReceivedAt != nil {
		v.Received = modTime(*a.ReceivedAt)
	}
	if a.ExpiresAt != nil {
		v.Expires = modTime(*a.ExpiresAt)
	}
	if a.RetractedAt != nil {
		v.Retracted = modTime(*a.RetractedAt)
	}
	for _, c := range []roundtable.AdvisoryAction{roundtable.AdviseBlock, roundtable.AdviseLimit, roundtable.AdviseNote} {
		if c == a.SuggestedAction || len(v.Choices) > 0 {
			v.Choices = append(v.Choices, string(c))
		}
	}
	return v
}

// modDecision is a decision taken on advisories, as the page shows it.
type modDecision struct {
	*roundtable.AdvisoryDecision
	Created, ReviewSince string
}

func (s *Server) advisoriesData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ctx := r.Context()
	received, err := s.store.Advisories(ctx, m, roundtable.AdvisoryFilter{})
	if err != nil {
		return nil, err
	}
	issued, err := s.store.Advisories(ctx, m, roundtable.AdvisoryFilter{Issued: true})
	if err != nil {
		return nil, err
	}
	flagged, err := s.store.AdvisoryDecisions(ctx, m, true)
	if err != nil {
		return nil, err
	}
	rules, err := s.store.AdvisoryRules(ctx)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.AdvisorySubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var drafts, decided, mine []modAdvisory
	for _, a := range received {
		switch {
		case a.State == roundtable.AdvisoryDraft && a.Active(now):
			drafts = append(drafts, newModAdvisory(a))
		case len(decided) < 50:
			decided = append(decided, newModAdvisory(a))
		}
	}
	for _, a := range issued {
		mine = append(mine, newModAdvisory(a))
	}
	var review []modDecision
	for _, d := range flagged {
		v := modDecision{AdvisoryDecision: d, Created: modTime(d.CreatedAt)}
		if d.ReviewSince != nil {
			v.ReviewSince = modTime(*d.ReviewSince)
		}
		review = append(review, v)
	}
	return map[string]any{"Drafts": drafts, "Decided": decided, "Issued": mine, "Review": review, "Rules": rules,
		"Subscriptions": subs, "Actions": []string{"note", "limit", "block"}, "Form": r.PostForm,
		"IsAdmin": m.Role == roundtable.RoleAdmin}, nil
}

func (s *Server) publishAdvisoryAction(r *http.Request, m *roundtable.Member) (string, error) {
	f := r.PostForm
	na := roundtable.NewAdvisory{Subject: f.Get("subject"), Action: roundtable.AdvisoryAction(f.Get("action")),
		Summary: f.Get("summary")}
	for _, l := range strings.Split(f.Get("labels"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			na.Labels = append(na.Labels, l)
		}
	}
	if d := strings.TrimSpace(f.Get("expires")); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return "", roundtable.Invalid("expires", "must be a date such as 2027-01-31")
		}
		na.ExpiresAt = &t
	}
	_, err := s.store.PublishAdvisory(r.Context(), m, na)
	return "moderation.advisories.published", err
}

func (s *Server) retractAdvisoryAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.RetractAdvisory(r.Context(), m, chi.URLParam(r, "id"), r.PostForm.Get("reason"))
	return "moderation.advisories.retracted", err
}

func (s *Server) acceptAdvisoryAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.AcceptAdvisory(r.Context(), m, chi.URLParam(r, "id"),
		roundtable.AdvisoryAction(r.PostForm.Get("action")), r.PostForm.Get("reason"))
	return "moderation.advisories.accepted", err
}

func (s *Server) dismissAdvisoryAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.DismissAdvisory(r.Context(), m, chi.URLParam(r, "id"), r.PostForm.Get("reason"))
	return "moderation.advisories.dismissed", err
}

func (s *Server) reviewDecisionAction(r *http.Request, m *roundtable.Member) (string, error) {
	revert := r.PostForm.Get("revert") == "true"
	_, err := s.store.ReviewDecision(r.Context(), m, chi.URLParam(r, "id"), revert, r.PostForm.Get("reason"))
	if revert {
		return "moderation.advisories.reverted", err
	}
	return "moderation.advisories.kept", err
}

func (s *Server) addAdvisoryRuleAction(r *http.Request, m *roundtable.Member) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("min_peers")))
	if err != nil {
		return "", roundtable.Invalid("min_peers", "must be a whole number")
	}
	_, err = s.store.AddAdvisoryRule(r.Context(), m, roundtable.AdvisoryRule{MinPeers: n,
		Advised: roundtable.AdvisoryAction(r.PostForm.Get("advised")), Apply: roundtable.AdvisoryAction(r.PostForm.Get("apply"))})
	return "moderation.advisories.rule_added", err
}

func (s *Server) removeAdvisoryRuleAction(r *http.Request, m *roundtable.Member) (string, error) {
	return "moderation.advisories.rule_removed", s.store.RemoveAdvisoryRule(r.Context(), m, chi.URLParam(r, "id"))
}
