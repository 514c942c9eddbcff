package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Advisories in Roundtable's JSON API: those received from trusted peers
// (the queue), those issued here, the decisions taken on them, and the
// admins' rules.

func (s *Server) advisoryRoutes(r chi.Router) {
	rd, wr := scope("admin:read", false), scope("admin:write", false)
	r.With(rd).Get("/roundtable/v1/moderation/advisories", s.listAdvisories)
	r.With(wr).Post("/roundtable/v1/moderation/advisories", s.publishAdvisory)
	r.With(wr).Delete("/roundtable/v1/moderation/advisories/{id}", s.retractAdvisory)
	r.With(wr).Patch("/roundtable/v1/moderation/advisories/{id}", s.updateAdvisory)
	r.With(wr).Post("/roundtable/v1/moderation/advisories/{id}/retract", s.retractAdvisory)
	r.With(wr).Post("/roundtable/v1/moderation/advisories/{id}/accept", s.acceptAdvisory)
	r.With(wr).Post("/roundtable/v1/moderation/advisories/{id}/dismiss", s.dismissAdvisory)
	r.With(rd).Get("/roundtable/v1/moderation/advisory_decisions", s.advisoryDecisions)
	r.With(wr).Post("/roundtable/v1/moderation/advisory_decisions/{id}/review", s.reviewDecision)
	r.With(rd).Get("/roundtable/v1/moderation/advisory_rules", s.advisoryRules)
	r.With(wr).Post("/roundtable/v1/moderation/advisory_rules", s.addAdvisoryRule)
	r.With(wr).Delete("/roundtable/v1/moderation/advisory_rules/{id}", s.removeAdvisoryRule)
	r.With(rd).Get("/roundtable/v1/moderation/advisory_subscriptions", s.advisorySubscriptions)
	r.With(rd).Get("/roundtable/v1/moderation/actions", s.actionsInForce)
}

// listAdvisories serves the received advisories (?state=draft|accepted|
// dismissed), or with ?issued=true those issued here.
func (s *Server) listAdvisories(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	issued, err := p.boolean("issued")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := roundtable.AdvisoryFilter{Issued: issued != nil && *issued, State: p.get("state")}
	switch f.State {
	case "", roundtable.AdvisoryDraft, roundtable.AdvisoryAccepted, roundtable.AdvisoryDismissed:
	default:
		s.writeError(w, r, roundtable.Invalid("state", "must be draft, accepted or dismissed"))
		return
	}
	as, err := s.store.Advisories(r.Context(), m, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, as)
}

func (s *Server) publishAdvisory(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	na := roundtable.NewAdvisory{Labels: p.list("labels")}
	var err error
	var action, expires string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"subject", &na.Subject}, {"action", &action}, {"summary", &na.Summary}, {"expires_at", &expires}} {
		if *f.dst, err = p.str(f.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	na.Action = roundtable.AdvisoryAction(action)
	if expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			s.writeError(w, r, roundtable.Invalid("expires_at", "must be a time such as 2027-01-31T00:00:00Z"))
			return
		}
		na.ExpiresAt = &t
	}
	a, err := s.store.PublishAdvisory(r.Context(), m, na)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) retractAdvisory(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.store.RetractAdvisory(r.Context(), m, chi.URLParam(r, "id"), reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) acceptAdvisory(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	action, err := p.str("action")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.store.AcceptAdvisory(r.Context(), m, chi.URLParam(r, "id"), roundtable.AdvisoryAction(action), reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) dismissAdvisory(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.store.DismissAdvisory(r.Context(), m, chi.URLParam(r, "id"), reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// advisoryDecisions serves the decisions taken on advisories; with
// ?review=true only those flagged for review.
func (s *Server) advisoryDecisions(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	review, err := p.boolean("review")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, err := s.store.AdvisoryDecisions(r.Context(), m, review != nil && *review)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ds)
}

// reviewDecision settles a flagged decision: revert=true puts back the
// policy it replaced.
func (s *Server) reviewDecision(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	revert, err := p.boolean("revert")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.store.ReviewDecision(r.Context(), m, chi.URLParam(r, "id"), revert != nil && *revert, reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// moderator returns the calling member when they moderate the instance.
func moderator(r *http.Request) (*roundtable.Member, error) {
	m, err := member(r)
	if err != nil {
		return nil, err
	}
	if !roundtable.IsModerator(m) {
		return nil, roundtable.ErrForbidden
	}
	return m, nil
}

func (s *Server) advisoryRules(w http.ResponseWriter, r *http.Request) {
	if _, err := moderator(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.store.AdvisoryRules(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

func (s *Server) addAdvisoryRule(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	n, err := p.integer("min_peers", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.store.AddAdvisoryRule(r.Context(), m, roundtable.AdvisoryRule{MinPeers: n,
		Advised: roundtable.AdvisoryAction(p.get("advised")), Apply: roundtable.AdvisoryAction(p.get("apply"))})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) removeAdvisoryRule(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.RemoveAdvisoryRule(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

type subscriptionJSON struct {
	Domain     string  `json:"domain"`
	Collection string  `json:"collection"`
	Accepted   bool    `json:"accepted"`
	AcceptedAt *string `json:"accepted_at"`
}

func (s *Server) advisorySubscriptions(w http.ResponseWriter, r *http.Request) {
	if _, err := moderator(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	subs, err := s.store.AdvisorySubscriptions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]subscriptionJSON, len(subs))
	for i, sub := range subs {
		out[i] = subscriptionJSON{Domain: sub.Domain, Collection: sub.CollectionURI, Accepted: sub.AcceptedAt != nil,
			AcceptedAt: apiTimePtr(sub.AcceptedAt)}
	}
	writeJSON(w, http.StatusOK, out)
}

// actionsInForce serves GET /api/roundtable/v1/moderation/actions: what
// moderation holds in place now.
func (s *Server) actionsInForce(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.store.ActionsInForce(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, as)
}

// updateAdvisory serves PATCH …/advisories/{id}: summary, labels[],
// action, expires_at; what is not given stays.
func (s *Server) updateAdvisory(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var u roundtable.AdvisoryUpdate
	if p.has("summary") {
		v, err := p.str("summary")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		u.Summary = &v
	}
	if p.has("labels[]") || p.has("labels") {
		u.Labels = p.list("labels")
	}
	if p.has("action") {
		v, err := p.str("action")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		a := roundtable.AdvisoryAction(v)
		u.Action = &a
	}
	if p.has("expires_at") {
		t, err := time.Parse(time.RFC3339, p.get("expires_at"))
		if err != nil {
			s.writeError(w, r, roundtable.Invalid("expires_at", "must be a time such as 2027-01-31T00:00:00Z"))
			return
		}
		u.ExpiresAt = &t
	}
	a, err := s.store.UpdateAdvisory(r.Context(), m, chi.URLParam(r, "id"), u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
