package web

import (
	"errors"
	"net/http"

	"github.com/roundtable-fed/roundtable"
)

// The instance's moderation settings, in one place: how many reporters
// hold a contribution back, pre-moderation, the federation mode, and what
// the instance publishes about its moderation.

type moderationSettingsJSON struct {
	AutoHideReports     int     `json:"auto_hide_reports"`
	Premoderation       bool    `json:"premoderation"`
	FederationMode      *string `json:"federation_mode,omitempty"`       // admins only
	PublishDomainBlocks *bool   `json:"publish_domain_blocks,omitempty"` // admins only
	PublicModerationLog *bool   `json:"public_moderation_log,omitempty"` // admins only
}

// settingsJSON reads the settings as m may see them: moderators and
// facilitators see the first two, admins all.
func (s *Server) settingsJSON(r *http.Request, m *roundtable.Member) (*moderationSettingsJSON, error) {
	mod, err := s.store.ModerationSettingsFor(r.Context(), m)
	if err != nil {
		return nil, err
	}
	out := &moderationSettingsJSON{AutoHideReports: mod.AutoHideReports, Premoderation: mod.Premoderation}
	inst, err := s.store.InstanceSettingsFor(r.Context(), m)
	if errors.Is(err, roundtable.ErrForbidden) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	mode := string(inst.FederationMode)
	out.FederationMode, out.PublishDomainBlocks, out.PublicModerationLog = &mode, &inst.PublishDomainBlocks, &inst.PublicModerationLog
	return out, nil
}

// moderationSettings serves GET /api/roundtable/v1/moderation/settings.
func (s *Server) moderationSettings(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.settingsJSON(r, m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// updateModerationSettings serves PATCH and PUT: admins change any of the
// settings; the others stay. Every value is checked before any is saved.
func (s *Server) updateModerationSettings(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	if m.Role != roundtable.RoleAdmin {
		s.writeError(w, r, roundtable.ErrForbidden)
		return
	}
	var mod roundtable.ModerationSettingsUpdate
	var inst roundtable.SettingsChange
	var err error
	if p.has("auto_hide_reports") {
		n, err := p.integer("auto_hide_reports", 0)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if n < 1 || n > roundtable.MaxAutoHideReports {
			s.writeError(w, r, roundtable.Invalid("auto_hide_reports", "must be a number of reports from 1 to %d", roundtable.MaxAutoHideReports))
			return
		}
		mod.AutoHideReports = &n
	}
	if mod.Premoderation, err = p.boolean("premoderation"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.has("federation_mode") {
		v, err := p.str("federation_mode")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		mode, err := roundtable.ParseFederationMode(v)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		inst.FederationMode = &mode
	}
	if inst.PublishDomainBlocks, err = p.boolean("publish_domain_blocks"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if inst.PublicModerationLog, err = p.boolean("public_moderation_log"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if mod.AutoHideReports != nil || mod.Premoderation != nil {
		if _, err := s.store.SetModerationSettings(r.Context(), m, mod); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if inst.FederationMode != nil || inst.PublishDomainBlocks != nil || inst.PublicModerationLog != nil {
		if _, err := s.store.ChangeInstanceSettings(r.Context(), m, inst); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	out, err := s.settingsJSON(r, m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
