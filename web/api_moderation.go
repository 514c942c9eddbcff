package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Moderation actions through Roundtable's JSON API: resolving reports,
// warnings and their appeals, suspensions and bans from consultations.
// Every action takes a reason (required) and, optionally, the number of
// the norm it applies.

// warningJSON is Mastodon's AccountWarning.
type warningJSON struct {
	ID            string      `json:"id"`
	Action        string      `json:"action"`
	Text          string      `json:"text"`
	StatusIDs     []string    `json:"status_ids"`
	CreatedAt     string      `json:"created_at"`
	TargetAccount accountJSON `json:"target_account"`
	Appeal        *appealJSON `json:"appeal"`
	// Appealable says whether the member may still appeal (Roundtable).
	Appealable bool `json:"appealable"`
}

// appealJSON is Mastodon's Appeal, with the decision's reason.
type appealJSON struct {
	Text   string  `json:"text"`
	State  string  `json:"state"`
	Reason *string `json:"reason,omitempty"`
}

func (s *Server) warningEntity(w *roundtable.Warning, target *roundtable.Account) warningJSON {
	j := warningJSON{ID: w.ID, Action: w.Action, Text: w.Text, StatusIDs: w.StatusIDs, CreatedAt: apiTime(w.CreatedAt),
		TargetAccount: s.account(target), Appealable: w.Appealable(s.store.Now())}
	if j.StatusIDs == nil {
		j.StatusIDs = []string{}
	}
	if w.AppealState != nil {
		j.Appeal = &appealJSON{Text: deref(w.AppealText), State: *w.AppealState, Reason: w.AppealReason}
	}
	return j
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) warnings(ctx context.Context, ws []*roundtable.Warning) ([]warningJSON, error) {
	out := make([]warningJSON, 0, len(ws))
	for _, w := range ws {
		target, err := s.store.Account(ctx, w.AccountID)
		if err != nil {
			return nil, err
		}
		out = append(out, s.warningEntity(w, target))
	}
	return out, nil
}

// grounds reads an action's reason ("reason", or Mastodon's "text") and
// cited norm number ("norm").
func grounds(p *params) (roundtable.Grounds, error) {
	reason, err := p.str("reason")
	if err != nil {
		return roundtable.Grounds{}, err
	}
	if reason == "" {
		if reason, err = p.str("text"); err != nil {
			return roundtable.Grounds{}, err
		}
	}
	norm, err := p.integer("norm", 0)
	if err != nil {
		return roundtable.Grounds{}, err
	}
	return roundtable.Grounds{Reason: reason, Norm: norm}, nil
}

// moderationCall reads the member and the grounds of an action, or answers.
func (s *Server) moderationCall(w http.ResponseWriter, r *http.Request) (*roundtable.Member, *params, roundtable.Grounds, bool) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return nil, nil, roundtable.Grounds{}, false
	}
	g, err := grounds(p)
	if err != nil {
		s.writeError(w, r, err)
		return nil, nil, roundtable.Grounds{}, false
	}
	return m, p, g, true
}

func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, rep *roundtable.Report, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.report(r.Context(), rep)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// resolveReport serves POST /api/roundtable/v1/moderation/reports/{id}/resolve.
func (s *Server) resolveReport(w http.ResponseWriter, r *http.Request) {
	m, p, g, ok := s.moderationCall(w, r)
	if !ok {
		return
	}
	action, err := p.str("action")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.store.ResolveReport(r.Context(), m, chi.URLParam(r, "id"), action, g)
	s.writeReport(w, r, rep, err)
}

// reopenReport serves POST /api/roundtable/v1/moderation/reports/{id}/reopen.
func (s *Server) reopenReport(w http.ResponseWriter, r *http.Request) {
	m, _, g, ok := s.moderationCall(w, r)
	if !ok {
		return
	}
	rep, err := s.store.ReopenReport(r.Context(), m, chi.URLParam(r, "id"), g)
	s.writeReport(w, r, rep, err)
}

// assignReport serves POST /api/roundtable/v1/moderation/reports/{id}/assign
// (account_id, or none to unassign).
func (s *Server) assignReport(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	to, err := p.str("account_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.store.AssignReport(r.Context(), m, chi.URLParam(r, "id"), to)
	s.writeReport(w, r, rep, err)
}

// warnAccount serves POST /api/roundtable/v1/moderation/accounts/{id}/warn.
func (s *Server) warnAccount(w http.ResponseWriter, r *http.Request) {
	m, p, g, ok := s.moderationCall(w, r)
	if !ok {
		return
	}
	reportID, err := p.str("report_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wr, err := s.store.Warn(r.Context(), m, chi.URLParam(r, "id"), g, p.list("status_ids"), reportID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.warnings(r.Context(), []*roundtable.Warning{wr})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

// restrictAccount serves POST …/accounts/{id}/suspend, /disable and
// /unsuspend, answering with the Admin::Account.
func (s *Server) restrictAccount(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, p, g, ok := s.moderationCall(w, r)
		if !ok {
			return
		}
		reportID, err := p.str("report_id")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id := chi.URLParam(r, "id")
		switch action {
		case "suspend":
			err = s.store.SuspendAccount(r.Context(), m, id, g, reportID)
		case "disable":
			err = s.store.DisableSignIn(r.Context(), m, id, g, reportID)
		default:
			err = s.store.UnsuspendAccount(r.Context(), m, id, g)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeAdminAccount(w, r, m, id)
	}
}

// pendingAppeals serves GET /api/roundtable/v1/moderation/warnings/appeals.
func (s *Server) pendingAppeals(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ws, err := s.store.PendingAppeals(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.warnings(r.Context(), ws)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// decideAppeal serves POST …/warnings/{id}/approve and /reject.
func (s *Server) decideAppeal(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, _, g, ok := s.moderationCall(w, r)
		if !ok {
			return
		}
		wr, err := s.store.DecideAppeal(r.Context(), m, chi.URLParam(r, "id"), approve, g)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := s.warnings(r.Context(), []*roundtable.Warning{wr})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out[0])
	}
}

// ownWarnings serves GET /api/roundtable/v1/warnings: the member's own.
func (s *Server) ownWarnings(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ws, err := s.store.Warnings(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.warnings(r.Context(), ws)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ownWarning serves GET /api/roundtable/v1/warnings/{id}.
func (s *Server) ownWarning(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wr, err := s.store.AccountWarning(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.warnings(r.Context(), []*roundtable.Warning{wr})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

// appealWarning serves POST /api/roundtable/v1/warnings/{id}/appeal.
func (s *Server) appealWarning(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	text, err := p.str("text")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wr, err := s.store.Appeal(r.Context(), m, chi.URLParam(r, "id"), text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.warnings(r.Context(), []*roundtable.Warning{wr})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out[0])
}

// banJSON is an account banned from a consultation.
type banJSON struct {
	ID           string      `json:"id"`
	Account      accountJSON `json:"account"`
	Consultation accountJSON `json:"consultation"`
	URI          string      `json:"uri"`
	Reason       string      `json:"reason"`
	CreatedAt    string      `json:"created_at"`
}

func (s *Server) writeBans(w http.ResponseWriter, r *http.Request, bans []*roundtable.ConsultationBan, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]banJSON, 0, len(bans))
	for _, b := range bans {
		if b.Account == nil || b.Group == nil {
			continue
		}
		out = append(out, banJSON{ID: b.ID, Account: s.account(b.Account), Consultation: s.account(b.Group), URI: b.URI,
			Reason: b.Reason, CreatedAt: apiTime(b.CreatedAt)})
	}
	writeJSON(w, http.StatusOK, out)
}

// consultationBans serves GET /api/roundtable/v1/moderation/consultations/{slug}/bans.
func (s *Server) consultationBans(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bans, err := s.store.ConsultationBans(r.Context(), m, chi.URLParam(r, "slug"))
	s.writeBans(w, r, bans, err)
}

// allBans serves GET /api/roundtable/v1/moderation/bans: every ban known
// here, made here or received from consultations elsewhere.
func (s *Server) allBans(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bans, err := s.store.AllConsultationBans(r.Context(), m)
	s.writeBans(w, r, bans, err)
}

// ownBans serves GET /api/roundtable/v1/bans: the consultations that
// banned the member.
func (s *Server) ownBans(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bans, err := s.store.MemberBans(r.Context(), m)
	s.writeBans(w, r, bans, err)
}

// banAccount serves POST /api/roundtable/v1/moderation/consultations/{slug}/bans.
func (s *Server) banAccount(w http.ResponseWriter, r *http.Request) {
	m, p, g, ok := s.moderationCall(w, r)
	if !ok {
		return
	}
	id, err := p.str("account_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if id == "" {
		s.writeError(w, r, roundtable.Invalid("account_id", "is required"))
		return
	}
	b, err := s.store.BanFromConsultation(r.Context(), m, chi.URLParam(r, "slug"), id, g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, banJSON{ID: b.ID, Account: s.account(b.Account), Consultation: s.account(b.Group), URI: b.URI,
		Reason: b.Reason, CreatedAt: apiTime(b.CreatedAt)})
}

// unbanAccount serves DELETE /api/roundtable/v1/moderation/consultations/{slug}/bans/{id}.
func (s *Server) unbanAccount(w http.ResponseWriter, r *http.Request) {
	m, _, g, ok := s.moderationCall(w, r)
	if !ok {
		return
	}
	if err := s.store.UnbanFromConsultation(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "id"), g); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
