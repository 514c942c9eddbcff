package web

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Mastodon's admin API for reports and accounts, so that moderation apps
// work. Mastodon's endpoints take no reason where Roundtable wants one:
// a reason given as "text" (or "reason") is used, and otherwise the log
// says the action came through this API.

// adminRoleJSON is Mastodon's Role, as Admin::Account carries it.
type adminRoleJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// adminAccountJSON is Mastodon's Admin::Account.
type adminAccountJSON struct {
	ID            string        `json:"id"`
	Username      string        `json:"username"`
	Domain        *string       `json:"domain"`
	CreatedAt     string        `json:"created_at"`
	Email         string        `json:"email"`
	IP            *string       `json:"ip"`
	IPs           []any         `json:"ips"`
	Locale        string        `json:"locale"`
	InviteRequest *string       `json:"invite_request"`
	Role          adminRoleJSON `json:"role"`
	Confirmed     bool          `json:"confirmed"`
	Approved      bool          `json:"approved"`
	Disabled      bool          `json:"disabled"`
	Silenced      bool          `json:"silenced"`
	Suspended     bool          `json:"suspended"`
	Account       accountJSON   `json:"account"`
}

// roles are Mastodon's default roles, by the names Roundtable uses.
var roles = map[roundtable.Role]adminRoleJSON{
	roundtable.RoleMember:    {ID: "-99", Name: "", Permissions: "65536"},
	roundtable.RoleModerator: {ID: "1", Name: "Moderator", Permissions: "1308", Highlighted: true},
	roundtable.RoleAdmin:     {ID: "2", Name: "Admin", Permissions: "983036", Highlighted: true},
}

// adminAccount builds the Admin::Account of an account id, for a moderator.
func (s *Server) adminAccount(r *http.Request, id string) (adminAccountJSON, error) {
	a, err := s.store.Account(r.Context(), id)
	if err != nil {
		return adminAccountJSON{}, err
	}
	j := adminAccountJSON{ID: a.ID, Username: a.Username, Domain: a.Domain, CreatedAt: apiTime(a.CreatedAt), IPs: []any{},
		Role: roles[roundtable.RoleMember], Confirmed: true, Approved: true, Suspended: a.SuspendedAt != nil, Account: s.account(a)}
	if j.Silenced, err = s.store.AccountLimited(r.Context(), a.ID); err != nil {
		return adminAccountJSON{}, err
	}
	if a.Local() {
		if m, err := s.store.Member(r.Context(), a.ID); err == nil {
			j.Email, j.Role, j.Approved, j.Disabled = m.Email, roles[m.Role], m.Approved, m.DisabledAt != nil
			if m.SignupReason != "" {
				j.InviteRequest = &m.SignupReason
			}
		}
	}
	return j, nil
}

func (s *Server) writeAdminAccount(w http.ResponseWriter, r *http.Request, m *roundtable.Member, id string) {
	if !roundtable.IsModerator(m) {
		s.writeError(w, r, roundtable.ErrForbidden)
		return
	}
	j, err := s.adminAccount(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// adminReportJSON is Mastodon's Admin::Report.
type adminReportJSON struct {
	ID                   string            `json:"id"`
	ActionTaken          bool              `json:"action_taken"`
	ActionTakenAt        *string           `json:"action_taken_at"`
	Category             string            `json:"category"`
	Comment              string            `json:"comment"`
	Forwarded            bool              `json:"forwarded"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
	Account              adminAccountJSON  `json:"account"`
	TargetAccount        adminAccountJSON  `json:"target_account"`
	AssignedAccount      *adminAccountJSON `json:"assigned_account"`
	ActionTakenByAccount *adminAccountJSON `json:"action_taken_by_account"`
	Statuses             []statusJSON      `json:"statuses"`
	Rules                []ruleJSON        `json:"rules"`
	// Action and Reason say how the report was resolved (Roundtable).
	Action *string `json:"action,omitempty"`
	Reason *string `json:"reason,omitempty"`
}

func (s *Server) adminReport(r *http.Request, m *roundtable.Member, rep *roundtable.Report) (adminReportJSON, error) {
	j := adminReportJSON{ID: rep.ID, ActionTaken: rep.ResolvedAt != nil, ActionTakenAt: apiTimePtr(rep.ResolvedAt),
		Category: rep.Category, Comment: rep.Comment, CreatedAt: apiTime(rep.CreatedAt), UpdatedAt: apiTime(rep.CreatedAt),
		Statuses: []statusJSON{}, Rules: []ruleJSON{}, Action: rep.Action, Reason: rep.Reason}
	if rep.UpdatedAt != nil {
		j.UpdatedAt = apiTime(*rep.UpdatedAt)
	}
	var err error
	if j.Account, err = s.adminAccount(r, rep.ReporterID); err != nil {
		return j, err
	}
	if j.TargetAccount, err = s.adminAccount(r, rep.TargetAccountID); err != nil {
		return j, err
	}
	for _, p := range []struct {
		id  *string
		out **adminAccountJSON
	}{{rep.AssignedID, &j.AssignedAccount}, {rep.ResolvedBy, &j.ActionTakenByAccount}} {
		if p.id != nil {
			a, err := s.adminAccount(r, *p.id)
			if err != nil {
				return j, err
			}
			*p.out = &a
		}
	}
	sts, err := s.store.Statuses(r.Context(), rep.StatusIDs, m.ID)
	if err != nil {
		return j, err
	}
	for _, st := range sts {
		j.Statuses = append(j.Statuses, s.status(st, false))
	}
	rules, err := s.rules(r)
	if err != nil {
		return j, err
	}
	for _, rule := range rules {
		if slices.Contains(rep.RuleIDs, rule.ID) {
			j.Rules = append(j.Rules, rule)
		}
	}
	return j, nil
}

func (s *Server) writeAdminReport(w http.ResponseWriter, r *http.Request, m *roundtable.Member, rep *roundtable.Report, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := s.adminReport(r, m, rep)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// adminReports serves GET /api/v1/admin/reports (?resolved=true).
func (s *Server) adminReports(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	resolved, err := p.boolean("resolved")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reps, err := s.store.Reports(r.Context(), m, roundtable.ReportFilter{Resolved: resolved != nil && *resolved})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]adminReportJSON, 0, len(reps))
	for _, rep := range reps {
		j, err := s.adminReport(r, m, rep)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
}

// adminReportAction serves GET /api/v1/admin/reports/{id} and its POST
// actions: assign_to_self, unassign, resolve and reopen.
func (s *Server) adminReportAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, p, ok := s.memberParams(w, r)
		if !ok {
			return
		}
		id := chi.URLParam(r, "id")
		g, err := grounds(p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var rep *roundtable.Report
		switch action {
		case "show":
			rep, err = s.store.Report(r.Context(), m, id)
		case "assign_to_self":
			rep, err = s.store.AssignReport(r.Context(), m, id, m.ID)
		case "unassign":
			rep, err = s.store.AssignReport(r.Context(), m, id, "")
		case "resolve":
			rep, err = s.store.ResolveReport(r.Context(), m, id, "other", withDefault(g, "Resolved from a moderation app."))
		case "reopen":
			rep, err = s.store.ReopenReport(r.Context(), m, id, withDefault(g, "Reopened from a moderation app."))
		}
		s.writeAdminReport(w, r, m, rep, err)
	}
}

// withDefault gives grounds without a reason the reason the log shows for
// Mastodon's endpoints, which have none.
func withDefault(g roundtable.Grounds, reason string) roundtable.Grounds {
	if g.Reason == "" {
		g.Reason = reason
	}
	return g
}

// adminGetAccount serves GET /api/v1/admin/accounts/{id}.
func (s *Server) adminGetAccount(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAdminAccount(w, r, m, chi.URLParam(r, "id"))
}

// adminAccountAction serves POST /api/v1/admin/accounts/{id}/action: type
// none (a warning), disable (sign-in turned off), silence (limit),
// suspend; sensitive is not available. warning_preset_id and
// send_email_notification are accepted and ignored (the member is told in
// the app).
func (s *Server) adminAccountAction(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	typ, err := p.str("type")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reportID, err := p.str("report_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := grounds(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	switch typ {
	case "", "none":
		_, err = s.store.Warn(r.Context(), m, id, withDefault(g, "Warned from a moderation app."), nil, reportID)
	case "disable":
		err = s.store.DisableSignIn(r.Context(), m, id, withDefault(g, "Sign-in turned off from a moderation app."), reportID)
	case "suspend":
		err = s.store.SuspendAccount(r.Context(), m, id, withDefault(g, "Suspended from a moderation app."), reportID)
	case "silence":
		_, err = s.store.LimitAccount(r.Context(), m, id, withDefault(g, "Limited from a moderation app."))
	case "sensitive":
		err = errStatus(http.StatusUnprocessableEntity, "The action sensitive is not available on this instance.")
	default:
		err = roundtable.Invalid("type", "must be none, disable, sensitive, silence or suspend")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// adminUnsuspend serves POST /api/v1/admin/accounts/{id}/unsuspend and
// /enable.
func (s *Server) adminUnsuspend(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	g, err := grounds(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	if err := s.store.UnsuspendAccount(r.Context(), m, id, withDefault(g, "Lifted from a moderation app.")); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAdminAccount(w, r, m, id)
}

// adminUnsilence serves POST /api/v1/admin/accounts/{id}/unsilence: the
// account is no longer limited.
func (s *Server) adminUnsilence(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	g, err := grounds(p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	if _, err := s.store.UnlimitAccount(r.Context(), m, id, withDefault(g, "Lifted from a moderation app.")); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAdminAccount(w, r, m, id)
}
