package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// More tabs and forms of the moderation pages (listed in moderationTabs
// and moderationActions): held contributions, account actions from a
// report, appeals, members and their roles, and the instance settings.

// formGrounds reads a moderation form's reason and the number of the norm
// it cites ("" for none).
func formGrounds(r *http.Request) (roundtable.Grounds, error) {
	g := roundtable.Grounds{Reason: r.PostForm.Get("reason")}
	if n := r.PostForm.Get("norm"); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return g, roundtable.Invalid("norm", "must be the number of a norm")
		}
		g.Norm = v
	}
	return g, nil
}

// heldRow is a held contribution as the held tab shows it.
type heldRow struct {
	ID     string
	Status pageStatus
}

func (s *Server) heldData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	held, err := s.store.HeldContributions(r.Context(), m)
	if err != nil {
		return nil, err
	}
	norms, err := s.modNorms(r)
	if err != nil {
		return nil, err
	}
	var rows []heldRow
	for _, st := range held {
		if ps := s.pageStatuses([]*roundtable.Status{st}); len(ps) == 1 {
			rows = append(rows, heldRow{ID: st.ID, Status: ps[0]})
		}
	}
	return map[string]any{"Held": rows, "Norms": norms}, nil
}

func (s *Server) heldAction(r *http.Request, m *roundtable.Member) (string, error) {
	g, err := formGrounds(r)
	if err != nil {
		return "", err
	}
	id := chi.URLParam(r, "id")
	switch chi.URLParam(r, "action") {
	case "release":
		_, err = s.store.ReleaseContribution(r.Context(), m, id, g)
		return "moderation.held.released", err
	case "hide":
		_, err = s.store.HideContribution(r.Context(), m, id, r.PostForm.Get("warning"), g)
		return "moderation.held.hidden", err
	case "remove":
		st, err := s.store.Status(r.Context(), id, m.ID)
		if err != nil {
			return "", err
		}
		c, err := s.store.ConsultationOfStatus(r.Context(), st)
		if err != nil {
			return "", err
		}
		reason, err := s.store.CiteNorm(r.Context(), g.Reason, s.normID(r, g.Norm))
		if err != nil {
			return "", err
		}
		return "moderation.removed", s.store.RemoveContribution(r.Context(), m, c.Slug, id, reason)
	}
	return "", roundtable.ErrNotFound
}

// normID is the id of the norm numbered n, or "".
func (s *Server) normID(r *http.Request, n int) string {
	norms, err := s.store.Norms(r.Context())
	if err != nil || n < 1 || n > len(norms) {
		return ""
	}
	return norms[n-1].ID
}

// reportAccountAction acts on the account a report is about: a warning,
// a limit, a suspension, or a ban from one of the consultations hosted
// here, each with its reason and norm.
func (s *Server) reportAccountAction(r *http.Request, m *roundtable.Member) (string, error) {
	ctx := r.Context()
	g, err := formGrounds(r)
	if err != nil {
		return "", err
	}
	var rep *roundtable.Report
	reports, err := s.store.OpenReports(ctx, m)
	if err != nil {
		return "", err
	}
	for _, x := range reports {
		if x.ID == chi.URLParam(r, "id") {
			rep = x
		}
	}
	if rep == nil {
		return "", roundtable.ErrNotFound
	}
	switch r.PostForm.Get("action") {
	case "warn":
		_, err = s.store.Warn(ctx, m, rep.TargetAccountID, g, rep.StatusIDs, rep.ID)
		return "moderation.account.warned", err
	case "limit":
		_, err = s.store.LimitAccount(ctx, m, rep.TargetAccountID, g)
		return "moderation.account.limited", err
	case "suspend":
		return "moderation.account.suspended", s.store.SuspendAccount(ctx, m, rep.TargetAccountID, g, rep.ID)
	case "ban":
		slug := r.PostForm.Get("consultation")
		if slug == "" {
			return "", roundtable.Invalid("consultation", "choose the consultation to ban from")
		}
		_, err = s.store.BanFromConsultation(ctx, m, slug, rep.TargetAccountID, g)
		return "moderation.account.banned", err
	}
	return "", roundtable.Invalid("action", "must be warn, limit, suspend or ban")
}

// appealRow is a pending appeal as the appeals tab shows it.
type appealRow struct {
	ID, Acct, Action, Text, Appeal, CreatedAt string
}

func (s *Server) appealsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ws, err := s.store.PendingAppeals(r.Context(), m)
	if err != nil {
		return nil, err
	}
	accounts := accountCache{s: s}
	var rows []appealRow
	for _, w := range ws {
		a, err := accounts.get(r.Context(), w.AccountID)
		if err != nil {
			return nil, err
		}
		rows = append(rows, appealRow{ID: w.ID, Acct: a.Acct(), Action: w.Action, Text: w.Text, Appeal: deref(w.AppealText),
			CreatedAt: modTime(w.CreatedAt)})
	}
	return map[string]any{"Appeals": rows, "Form": r.PostForm}, nil
}

func (s *Server) appealDecisionAction(r *http.Request, m *roundtable.Member) (string, error) {
	var approve bool
	switch chi.URLParam(r, "decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return "", roundtable.ErrNotFound
	}
	g, err := formGrounds(r)
	if err != nil {
		return "", err
	}
	if _, err := s.store.DecideAppeal(r.Context(), m, chi.URLParam(r, "id"), approve, g); err != nil {
		return "", err
	}
	if approve {
		return "moderation.appeals.approved", nil
	}
	return "moderation.appeals.rejected", nil
}

// roleChoices are the roles the members tab offers.
var roleChoices = []string{string(roundtable.RoleMember), string(roundtable.RoleModerator), string(roundtable.RoleAdmin)}

func (s *Server) membersData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	members, err := s.store.Members(r.Context(), 500)
	if err != nil {
		return nil, err
	}
	pending, err := s.store.PendingMembers(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"Members": members, "Pending": len(pending), "Roles": roleChoices}, nil
}

func (s *Server) roleAction(r *http.Request, m *roundtable.Member) (string, error) {
	role, err := roundtable.ParseRole(r.PostForm.Get("role"))
	if err != nil {
		return "", err
	}
	return "moderation.members.role_changed", s.store.SetRole(r.Context(), m, chi.URLParam(r, "id"), role)
}

func (s *Server) instanceSettingsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	ctx := r.Context()
	mode, err := s.store.RegistrationMode(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.ModerationSettingsFor(ctx, m)
	if err != nil {
		return nil, err
	}
	is, err := s.store.InstanceSettingsFor(ctx, m)
	if err != nil {
		return nil, err
	}
	form := r.PostForm
	if form == nil {
		form = map[string][]string{"registrations": {string(mode)}, "auto_hide_reports": {strconv.Itoa(ms.AutoHideReports)},
			"federation_mode": {string(is.FederationMode)}, "name": {s.instanceName(ctx)}, "description": {is.Description}}
		if ms.Premoderation {
			form.Set("premoderation", "1")
		}
		if is.PublishDomainBlocks {
			form.Set("publish_domain_blocks", "1")
		}
		if is.PublicModerationLog {
			form.Set("public_moderation_log", "1")
		}
	}
	return map[string]any{"Form": form, "Modes": []string{"open", "approval", "closed"},
		"FederationModes": []string{string(roundtable.FederationOpen), string(roundtable.FederationAllowlist)}}, nil
}

func (s *Server) instanceSettingsAction(r *http.Request, m *roundtable.Member) (string, error) {
	ctx := r.Context()
	f := r.PostForm
	// Read everything before changing anything.
	mode, err := roundtable.ParseRegistrations(f.Get("registrations"))
	if err != nil {
		return "", roundtable.Invalid("registrations", "must be open, approval or closed")
	}
	n, err := strconv.Atoi(f.Get("auto_hide_reports"))
	if err != nil || n < 1 || n > roundtable.MaxAutoHideReports {
		return "", roundtable.Invalid("auto_hide_reports", "must be a number of reports from 1 to %d", roundtable.MaxAutoHideReports)
	}
	fm, err := roundtable.ParseFederationMode(f.Get("federation_mode"))
	if err != nil {
		return "", err
	}
	premod, publish, public := f.Get("premoderation") != "", f.Get("publish_domain_blocks") != "", f.Get("public_moderation_log") != ""
	name, description := strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("description"))
	if name == s.cfg.Name {
		name = "" // the configured name
	}
	if _, err := s.store.ChangeInstanceSettings(ctx, m, roundtable.SettingsChange{Name: &name, Description: &description}); err != nil {
		return "", err
	}
	if err := s.store.SetRegistrationMode(ctx, mode); err != nil {
		return "", err
	}
	if _, err := s.store.SetModerationSettings(ctx, m, roundtable.ModerationSettingsUpdate{AutoHideReports: &n, Premoderation: &premod}); err != nil {
		return "", err
	}
	if _, err := s.store.ChangeInstanceSettings(ctx, m, roundtable.SettingsChange{FederationMode: &fm, PublishDomainBlocks: &publish,
		PublicModerationLog: &public}); err != nil {
		return "", err
	}
	return "moderation.settings.saved", nil
}

func (s *Server) translateNormAction(r *http.Request, m *roundtable.Member) (string, error) {
	f := r.PostForm
	return "moderation.norms.translated", s.store.TranslateNorm(r.Context(), chi.URLParam(r, "id"), f.Get("language"),
		roundtable.NormText{Text: f.Get("translation_text"), Hint: f.Get("translation_hint")})
}
