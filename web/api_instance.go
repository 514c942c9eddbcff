package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// versionString is what the instance answers as its Mastodon API version:
// the Mastodon version whose API it implements, then its own.
func (s *Server) versionString() string {
	return "4.2.0 (compatible; Roundtable " + s.cfg.Version + ")"
}

func (s *Server) statusLimits() map[string]any {
	return map[string]any{
		"max_characters":              s.store.Limits().MaxCharacters,
		"max_media_attachments":       4,
		"characters_reserved_per_url": 23,
		"supported_mime_types":        []string{roundtable.ContentPlain, roundtable.ContentMarkdown},
	}
}

var mediaLimits = map[string]any{
	"supported_mime_types": []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
	"image_size_limit":     16777216, "image_matrix_limit": 33177600,
	"video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0,
}

func (s *Server) instanceV2(w http.ResponseWriter, r *http.Request) {
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	users, err := s.store.CountMembers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rules, err := s.rules(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	media := map[string]any{"description_limit": 1500}
	for k, v := range mediaLimits {
		media[k] = v
	}
	streaming := "wss://" + s.links.Domain()
	if !s.cfg.Secure {
		streaming = "ws://" + s.links.Domain()
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"domain":      s.links.Domain(),
		"title":       s.instanceName(r.Context()),
		"version":     s.versionString(),
		"source_url":  "https://github.com/roundtable-fed/roundtable",
		"description": s.instanceDescription(r.Context()),
		"usage":       map[string]any{"users": map[string]int{"active_month": users}},
		"thumbnail":   map[string]any{"url": s.links.Header(), "blurhash": nil, "versions": map[string]any{}},
		"icon":        []any{},
		"languages":   []string{"en", "fr"},
		"configuration": map[string]any{
			"urls": map[string]any{"streaming": streaming, "status": nil, "about": s.links.Base + "/about",
				"privacy_policy": nil, "terms_of_service": nil},
			"vapid": map[string]any{"public_key": ""},
			"accounts": map[string]any{"max_featured_tags": 0, "max_pinned_statuses": roundtable.MaxPinnedStatuses, "max_display_name_length": 30,
				"max_note_length": 500, "max_profile_fields": 0, "profile_field_name_limit": 255, "profile_field_value_limit": 255},
			"statuses":          s.statusLimits(),
			"media_attachments": media,
			"polls":             pollLimits,
			"translation":       map[string]any{"enabled": false},
		},
		"registrations": map[string]any{"enabled": mode != roundtable.RegistrationsClosed,
			"approval_required": mode == roundtable.RegistrationsApproval, "message": nil, "url": nil},
		"api_versions": map[string]int{"mastodon": 1},
		"contact":      map[string]any{"email": "", "account": nil},
		"rules":        rules,
	})
}

func (s *Server) instanceV1(w http.ResponseWriter, r *http.Request) {
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	users, err := s.store.CountMembers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rules, err := s.rules(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	streaming := "wss://" + s.links.Domain()
	if !s.cfg.Secure {
		streaming = "ws://" + s.links.Domain()
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"uri":               s.links.Domain(),
		"title":             s.instanceName(r.Context()),
		"short_description": s.instanceDescription(r.Context()),
		"description":       s.instanceDescription(r.Context()),
		"email":             "",
		"version":           s.versionString(),
		"urls":              map[string]string{"streaming_api": streaming},
		"stats":             map[string]int{"user_count": users, "status_count": 0, "domain_count": 0},
		"thumbnail":         s.links.Header(),
		"languages":         []string{"en", "fr"},
		"registrations":     mode != roundtable.RegistrationsClosed,
		"approval_required": mode == roundtable.RegistrationsApproval,
		"invites_enabled":   false,
		"configuration": map[string]any{
			"accounts":          map[string]int{"max_featured_tags": 0},
			"statuses":          s.statusLimits(),
			"media_attachments": mediaLimits,
			"polls":             pollLimits,
		},
		"contact_account": nil,
		"rules":           rules,
		"max_toot_chars":  s.store.Limits().MaxCharacters,
	})
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	na := roundtable.NewApp{Name: p.get("client_name"), Website: p.get("website"), Scopes: p.get("scopes")}
	for _, u := range p.list("redirect_uris") {
		// A string may hold several URIs, one per line or space-separated.
		na.RedirectURIs = append(na.RedirectURIs, strings.Fields(u)...)
	}
	app, secret, err := s.store.CreateApp(r.Context(), na)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := appEntity(app)
	out["client_id"] = app.ClientID
	out["client_secret"] = secret
	out["client_secret_expires_at"] = 0
	writeJSON(w, http.StatusOK, out)
}

func appEntity(app *roundtable.App) map[string]any {
	redirect := ""
	for i, u := range app.RedirectURIs {
		if i > 0 {
			redirect += "\n"
		}
		redirect += u
	}
	return map[string]any{
		"id": app.ID, "name": app.Name, "website": app.Website, "scopes": app.Scopes,
		"redirect_uri": redirect, "redirect_uris": app.RedirectURIs,
		"vapid_key": "",
	}
}

func (s *Server) verifyApp(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	if c == nil || c.token.AppID == nil {
		s.writeError(w, r, errInvalidToken)
		return
	}
	app, err := s.store.AppByID(r.Context(), *c.token.AppID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appEntity(app))
}

// ruleJSON is a norm as Mastodon's Rule entity.
type ruleJSON struct {
	ID           string                         `json:"id"`
	Text         string                         `json:"text"`
	Hint         string                         `json:"hint"`
	Translations map[string]roundtable.NormText `json:"translations"`
}

func (s *Server) rules(r *http.Request) ([]ruleJSON, error) {
	norms, err := s.store.Norms(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]ruleJSON, len(norms))
	for i, n := range norms {
		tr := n.Translations
		if tr == nil {
			tr = map[string]roundtable.NormText{}
		}
		out[i] = ruleJSON{ID: n.ID, Text: n.Text, Hint: n.Hint, Translations: tr}
	}
	return out, nil
}

func (s *Server) instanceRules(w http.ResponseWriter, r *http.Request) {
	rules, err := s.rules(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

// addNorm adds a norm (admins).
func (s *Server) addNorm(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	if m.Role != roundtable.RoleAdmin {
		s.writeError(w, r, roundtable.ErrForbidden)
		return
	}
	nn := roundtable.NewNorm{}
	var err error
	if nn.Text, err = p.str("text"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if nn.Hint, err = p.str("hint"); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.store.AddNorm(r.Context(), nn)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ruleJSON{ID: n.ID, Text: n.Text, Hint: n.Hint, Translations: map[string]roundtable.NormText{}})
}

// removeNorm removes a norm (admins).
func (s *Server) removeNorm(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if m.Role != roundtable.RoleAdmin {
		s.writeError(w, r, roundtable.ErrForbidden)
		return
	}
	if err := s.store.RemoveNorm(r.Context(), chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
