package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// A member's settings pages: profile, preferences, password, muted and
// blocked accounts, authorised apps, the export of their data and the
// deletion of their account. Each tab and each form is one entry in
// settingsTabs or settingsActions, as the moderation pages are built.

// setTab is one tab of the settings pages.
type setTab struct {
	path, title, template string
	load                  func(s *Server, r *http.Request, m *roundtable.Member) (map[string]any, error)
}

// setAction is a form the settings pages post. Success redirects to its
// tab with a message; bad input renders the tab again with the error and
// what was typed, and changes nothing.
type setAction struct {
	path, tab string
	do        func(s *Server, r *http.Request, m *roundtable.Member) (string, error)
}

func settingsTabs() []setTab {
	none := func(*Server, *http.Request, *roundtable.Member) (map[string]any, error) { return map[string]any{}, nil }
	return []setTab{
		{path: "/settings", title: "settings.profile.title", template: "settings_profile", load: (*Server).profileSettingsData},
		{path: "/settings/preferences", title: "settings.preferences.title", template: "settings_preferences", load: (*Server).preferencesData},
		{path: "/settings/password", title: "settings.password.title", template: "settings_password", load: none},
		{path: "/settings/accounts", title: "settings.accounts.title", template: "settings_accounts", load: (*Server).mutedBlockedData},
		{path: "/settings/apps", title: "settings.apps.title", template: "settings_apps", load: (*Server).appsData},
		{path: "/settings/data", title: "settings.data.title", template: "settings_data", load: none},
	}
}

func settingsActions() []setAction {
	return []setAction{
		{path: "/settings/profile", tab: "/settings", do: (*Server).saveProfile},
		{path: "/settings/preferences", tab: "/settings/preferences", do: (*Server).savePreferences},
		{path: "/settings/password", tab: "/settings/password", do: (*Server).changePassword},
		{path: "/settings/mutes/{id}/remove", tab: "/settings/accounts", do: (*Server).unmuteAction},
		{path: "/settings/blocks/{id}/remove", tab: "/settings/accounts", do: (*Server).unblockAction},
		{path: "/settings/apps/{id}/revoke", tab: "/settings/apps", do: (*Server).revokeAppAction},
	}
}

// settingsPages registers the settings pages and their forms.
func (s *Server) settingsPages(r chi.Router) {
	for _, tab := range settingsTabs() {
		r.Get(tab.path, s.settingsTab(tab))
	}
	for _, a := range settingsActions() {
		r.Post(a.path, s.settingsAction(a))
	}
	r.Get("/settings/export.json", s.exportMemberData)
	r.Post("/settings/delete", s.deleteAccount)
}

// settingsFlashKey is where the session keeps the message shown after a
// settings form.
const settingsFlashKey = "settings_flash"

func (s *Server) settingsTab(tab setTab) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, r.URL.Path)
		if m == nil {
			return
		}
		s.renderSettingsTab(w, r, m, tab, http.StatusOK, "")
	}
}

func (s *Server) renderSettingsTab(w http.ResponseWriter, r *http.Request, m *roundtable.Member, tab setTab, status int, errMsg string) {
	data, err := tab.load(s, r, m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var tabs []modTabLink
	for _, t := range settingsTabs() {
		tabs = append(tabs, modTabLink{Path: t.path, Title: t.title, Current: t.path == tab.path})
	}
	data["Tabs"], data["Viewer"], data["Error"], data["Member"] = tabs, m, errMsg, m
	if _, ok := data["Form"]; !ok {
		data["Form"] = r.PostForm
	}
	if status == http.StatusOK {
		data["Flash"] = s.sessions.PopString(r.Context(), settingsFlashKey)
	}
	s.render(w, r, status, tab.template, data)
}

func (s *Server) settingsAction(a setAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.requireMember(w, r, r.URL.Path)
		if m == nil {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
			return
		}
		flash, err := a.do(s, r, m)
		if s.formFailed(w, r, err, func(msg string) {
			for _, tab := range settingsTabs() {
				if tab.path == a.tab {
					s.renderSettingsTab(w, r, m, tab, http.StatusUnprocessableEntity, msg)
				}
			}
		}) {
			return
		}
		if lang := r.PostForm.Get("language"); lang != "" {
			s.rememberLanguage(w, r, lang) // the saved language shows at once
		}
		s.sessions.Put(r.Context(), settingsFlashKey, flash)
		http.Redirect(w, r, a.tab, http.StatusSeeOther)
	}
}

// formFailed handles a form's error: bad input or a conflict goes to
// again (the form shown anew with the message), anything else to the
// error page. It reports whether there was an error.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error, again func(msg string)) bool {
	var ve *roundtable.ValidationError
	var ce *roundtable.ConflictError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ve), errors.As(err, &ce):
		again(err.Error())
	default:
		s.pageError(w, r, err)
	}
	return true
}

// formField is a profile field as the form shows it.
type formField struct {
	I, N        int // index in the form, number as shown
	Name, Value string
}

func (s *Server) profileSettingsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	fields, err := s.store.ProfileFields(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	out := make([]formField, roundtable.MaxProfileFields)
	for i := range out {
		out[i].I, out[i].N = i, i+1
		switch {
		case r.PostForm != nil:
			out[i].Name, out[i].Value = r.PostForm.Get(fmt.Sprintf("field_name_%d", i)), r.PostForm.Get(fmt.Sprintf("field_value_%d", i))
		case i < len(fields):
			out[i].Name, out[i].Value = fields[i].Name, fields[i].Value
		}
	}
	form := url.Values{"display_name": {m.DisplayName}, "note": {m.NoteSource}}
	if r.PostForm != nil {
		form = r.PostForm
	}
	return map[string]any{"Fields": out, "Form": form}, nil
}

func (s *Server) saveProfile(r *http.Request, m *roundtable.Member) (string, error) {
	var fields []roundtable.ProfileField
	for i := 0; i < roundtable.MaxProfileFields; i++ {
		fields = append(fields, roundtable.ProfileField{Name: r.PostForm.Get(fmt.Sprintf("field_name_%d", i)),
			Value: r.PostForm.Get(fmt.Sprintf("field_value_%d", i))})
	}
	name, note := strings.TrimSpace(r.PostForm.Get("display_name")), r.PostForm.Get("note")
	// Check everything before changing anything.
	if len([]rune(name)) > 30 {
		return "", roundtable.Invalid("display_name", "must be at most 30 characters")
	}
	if len([]rune(note)) > 500 {
		return "", roundtable.Invalid("note", "must be at most 500 characters")
	}
	if err := s.store.SetProfileFields(r.Context(), m.ID, fields); err != nil {
		return "", err
	}
	if _, err := s.store.UpdateProfile(r.Context(), m.ID, roundtable.ProfileUpdate{DisplayName: &name, Note: &note}); err != nil {
		return "", err
	}
	return "settings.saved", nil
}

// langChoice is a language the preferences offer.
type langChoice struct {
	Code, Name string
}

func (s *Server) preferencesData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	var langs []langChoice
	for _, t := range s.pages.bundle.LanguageTags() {
		base, _ := t.Base()
		langs = append(langs, langChoice{Code: base.String(), Name: "settings.language." + base.String()})
	}
	form := url.Values{"language": {deref(m.Language)}, "reply_policy": {string(m.DefaultReplyPolicy)}}
	if m.HideCollections {
		form.Set("hide_collections", "1")
	}
	if m.QuotesAllowed {
		form.Set("quotes_allowed", "1")
	}
	if m.NoIndex {
		form.Set("noindex", "1")
	}
	if r.PostForm != nil {
		form = r.PostForm
	}
	return map[string]any{"Languages": langs, "Form": form,
		"Policies": []string{string(roundtable.RepliesEveryone), string(roundtable.RepliesFollowers), string(roundtable.RepliesMentioned)}}, nil
}

func (s *Server) savePreferences(r *http.Request, m *roundtable.Member) (string, error) {
	lang, policy := r.PostForm.Get("language"), r.PostForm.Get("reply_policy")
	if lang != "" {
		known := false
		for _, t := range s.pages.bundle.LanguageTags() {
			if base, _ := t.Base(); base.String() == lang {
				known = true
			}
		}
		if !known {
			return "", roundtable.Invalid("language", "is not a language of this site")
		}
	}
	if policy == "" {
		return "", roundtable.Invalid("reply_policy", "must be everyone, followers or mentioned")
	}
	if _, err := roundtable.ParseReplyPolicy(policy); err != nil {
		return "", err
	}
	if _, err := s.store.SetMemberPreferences(r.Context(), m.ID, roundtable.MemberPreferences{Language: &lang, DefaultReplyPolicy: &policy}); err != nil {
		return "", err
	}
	hide, quotes, noindex := r.PostForm.Get("hide_collections") != "", r.PostForm.Get("quotes_allowed") != "", r.PostForm.Get("noindex") != ""
	if _, err := s.store.SetMemberPrivacy(r.Context(), m.ID, roundtable.MemberPrivacy{HideCollections: &hide, QuotesAllowed: &quotes, NoIndex: &noindex}); err != nil {
		return "", err
	}
	return "settings.saved", nil
}

func (s *Server) changePassword(r *http.Request, m *roundtable.Member) (string, error) {
	next := r.PostForm.Get("password")
	if next != r.PostForm.Get("password_confirmation") {
		return "", roundtable.Invalid("password_confirmation", "does not match the new password")
	}
	if err := s.store.ChangePassword(r.Context(), m, r.PostForm.Get("current_password"), next); err != nil {
		return "", err
	}
	// Typed passwords are never shown again.
	r.PostForm = nil
	return "settings.password.changed", nil
}

func (s *Server) mutedBlockedData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	muted, _, err := s.store.Blocked(r.Context(), m, true, roundtable.Page{Limit: 80})
	if err != nil {
		return nil, err
	}
	blocked, _, err := s.store.Blocked(r.Context(), m, false, roundtable.Page{Limit: 80})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Muted": muted, "Blocked": blocked}, nil
}

func (s *Server) unmuteAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.Unmute(r.Context(), m, chi.URLParam(r, "id"))
	return "settings.accounts.unmuted", err
}

func (s *Server) unblockAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.Unblock(r.Context(), m, chi.URLParam(r, "id"))
	return "settings.accounts.unblocked", err
}

func (s *Server) appsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	apps, err := s.store.AuthorisedApps(r.Context(), m)
	if err != nil {
		return nil, err
	}
	type appRow struct {
		ID, Name, Website, Since, Scopes string
		Tokens                           int
	}
	rows := make([]appRow, len(apps))
	for i, a := range apps {
		rows[i] = appRow{ID: a.ID, Name: a.Name, Website: deref(a.Website), Since: a.CreatedAt.Format("2006-01-02"),
			Scopes: strings.Join(a.Scopes, " "), Tokens: a.Tokens}
	}
	return map[string]any{"Apps": rows}, nil
}

func (s *Server) revokeAppAction(r *http.Request, m *roundtable.Member) (string, error) {
	return "settings.apps.revoked", s.store.RevokeApp(r.Context(), m, chi.URLParam(r, "id"))
}

// exportMemberData sends the member all their data as a JSON file.
func (s *Server) exportMemberData(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	arc, err := s.store.ExportMember(r.Context(), m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	body, err := json.MarshalIndent(arc, "", "  ")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.json"`, m.Username, arc.ExportedAt.Format("2006-01-02")))
	_, _ = w.Write(body)
}

// deleteAccount deletes the signed-in member's account when the password
// they typed is theirs, signs them out and tells them it is done.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	m := s.requireMember(w, r, r.URL.Path)
	if m == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	again := func(msg string) {
		for _, tab := range settingsTabs() {
			if tab.path == "/settings/data" {
				r.PostForm = url.Values{"confirm": r.PostForm["confirm"]}
				s.renderSettingsTab(w, r, m, tab, http.StatusUnprocessableEntity, msg)
			}
		}
	}
	if r.PostForm.Get("confirm") != m.Username {
		again(roundtable.Invalid("confirm", "type your username to confirm").Error())
		return
	}
	if s.formFailed(w, r, s.store.DeleteMember(r.Context(), m, r.PostForm.Get("password")), again) {
		return
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_deleted", map[string]any{"Viewer": (*roundtable.Member)(nil)})
}
