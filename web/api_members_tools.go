package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// domainBlockJSON is Mastodon's DomainBlock entity: what everyone may know
// of a limited or blocked domain. The private reason never appears here.
type domainBlockJSON struct {
	Domain   string `json:"domain"`
	Digest   string `json:"digest"`
	Severity string `json:"severity"`
	Comment  string `json:"comment"`
}

// publishedDomainBlocks serves GET /api/v1/instance/domain_blocks.
func (s *Server) publishedDomainBlocks(w http.ResponseWriter, r *http.Request) {
	bs, err := s.store.PublishedDomainBlocks(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]domainBlockJSON, len(bs))
	for i, b := range bs {
		severity := "silence"
		if b.Policy == roundtable.PolicyBlock {
			severity = "suspend"
		}
		out[i] = domainBlockJSON{Domain: b.Domain, Digest: b.Digest, Severity: severity, Comment: b.Reason}
	}
	writeJSON(w, http.StatusOK, out)
}

// peerPolicyJSON is a peer policy as admins see it, with both reasons.
type peerPolicyJSON struct {
	Domain        string  `json:"domain"`
	Policy        string  `json:"policy"`
	Reason        string  `json:"reason"`
	PrivateReason string  `json:"private_reason"`
	UpdatedAt     *string `json:"updated_at"`
}

func peerPolicy(p *roundtable.DomainPolicy) peerPolicyJSON {
	return peerPolicyJSON{Domain: p.Domain, Policy: string(p.Policy), Reason: p.Reason, PrivateReason: p.PrivateReason,
		UpdatedAt: apiTimePtr(p.SetAt)}
}

func (s *Server) listPeerPolicies(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ps, err := s.store.DomainPoliciesFor(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]peerPolicyJSON, len(ps))
	for i := range ps {
		out[i] = peerPolicy(&ps[i])
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getPeerPolicy(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.store.DomainPolicyOf(r.Context(), m, chi.URLParam(r, "domain"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, peerPolicy(p))
}

// putPeerPolicy sets the policy towards a domain: policy (required),
// reason (public) and private_reason (kept when absent).
func (s *Server) putPeerPolicy(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	c := roundtable.PolicyChange{Domain: chi.URLParam(r, "domain")}
	policy, err := p.str("policy")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Policy, err = roundtable.ParsePolicy(policy); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Reason, err = p.str("reason"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.has("private_reason") {
		v, err := p.str("private_reason")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c.PrivateReason = &v
	}
	if err := s.store.ChangeDomainPolicy(r.Context(), m, c); err != nil {
		s.writeError(w, r, err)
		return
	}
	got, err := s.store.DomainPolicyOf(r.Context(), m, c.Domain)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, peerPolicy(got))
}

func (s *Server) deletePeerPolicy(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.RemoveDomainPolicy(r.Context(), m, chi.URLParam(r, "domain")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// moderationSettingsJSON are the instance's federation and publication
// choices.
// publicLogEntryJSON is one action of the public moderation log: never who
// took it, only their role.
type publicLogEntryJSON struct {
	Action    string `json:"action"`
	Role      string `json:"role"`
	Target    string `json:"target"`
	Reason    string `json:"reason"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) publicModerationLog(w http.ResponseWriter, r *http.Request) {
	entries, err := s.store.PublicModerationLog(r.Context(), 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]publicLogEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = publicLogEntryJSON{Action: e.Action, Role: e.Role, Target: e.Target, Reason: e.Reason, CreatedAt: apiTime(e.CreatedAt)}
	}
	writeJSON(w, http.StatusOK, out)
}

// publicModerationLogPage serves /about/moderation.
func (s *Server) publicModerationLogPage(w http.ResponseWriter, r *http.Request) {
	entries, err := s.store.PublicModerationLog(r.Context(), 100)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	type row struct {
		When, Action, Role, Target, Reason string
	}
	rows := make([]row, len(entries))
	for i, e := range entries {
		rows[i] = row{When: e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Action: e.Action, Role: e.Role,
			Target: e.Target, Reason: e.Reason}
	}
	s.render(w, r, http.StatusOK, "moderation_public", map[string]any{"Entries": rows})
}

// hideCollections is the account's hide_collections as Mastodon shows it:
// known for local accounts, null for remote ones.
func hideCollections(a *roundtable.Account) *bool {
	if !a.Local() {
		return nil
	}
	h := a.HideCollections
	return &h
}

// quotePolicy is the member's quote_policy as Mastodon shows it in source.
func quotePolicy(m *roundtable.Member) string {
	if m.QuotesAllowed {
		return "public"
	}
	return "nobody"
}

// privacyParams reads update_credentials' hide_collections and
// source[quote_policy] (public or nobody).
func privacyParams(p *params) (roundtable.MemberPrivacy, error) {
	var out roundtable.MemberPrivacy
	var err error
	if out.HideCollections, err = p.boolean("hide_collections"); err != nil {
		return out, err
	}
	if p.has("source[quote_policy]") {
		v, err := p.str("source[quote_policy]")
		if err != nil {
			return out, err
		}
		var allowed bool
		switch v {
		case "public":
			allowed = true
		case "nobody":
		default:
			return out, roundtable.Invalid("source[quote_policy]", "must be public or nobody")
		}
		out.QuotesAllowed = &allowed
	}
	return out, nil
}
