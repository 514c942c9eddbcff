package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/roundtable-fed/roundtable"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed locales/*.json
var localeFS embed.FS

//go:embed static/site.css
var siteCSS []byte

// styleVersion names the stylesheet's content, so that browsers may keep
// it for a year and still get a new one when it changes.
var styleVersion = func() string {
	sum := sha256.Sum256(siteCSS)
	return hex.EncodeToString(sum[:6])
}()

// serveStylesheet serves the site's stylesheet.
func serveStylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == styleVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	serveValidated(w, r, siteCSS)
}

// pages holds the parsed templates, one set per page, and the message
// catalogues.
type pages struct {
	sets   map[string]*template.Template
	bundle *i18n.Bundle
}

func loadPages() (*pages, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := bundle.LoadMessageFileFS(localeFS, f); err != nil {
			return nil, fmt.Errorf("load %s: %w", f, err)
		}
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Files named part_*.html hold pieces that several pages share.
	parts, err := fs.Glob(templateFS, "templates/part_*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}, bundle: bundle}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "part_") {
			continue
		}
		t, err := template.New(name).Funcs(template.FuncMap{"t": func(string, ...any) string { return "" },
			"when": func(string) string { return "" }}).
			ParseFS(templateFS, append([]string{"templates/layout.html", n}, parts...)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// langCookie remembers the language a reader chose with the switcher.
const langCookie = "lang"

// rightToLeft are the languages written from right to left.
var rightToLeft = map[string]bool{"ar": true, "fa": true, "he": true, "ur": true}

// endonyms name each language in itself, for the switcher.
var endonyms = map[string]string{"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

// localizer picks the reader's language: ?lang= first, then the language
// they chose before (a cookie), then a signed-in member's setting, then the
// Accept-Language header; English fills whatever a catalogue lacks.
func (p *pages) localizer(r *http.Request) (*i18n.Localizer, string) {
	var tags []language.Tag
	if t, err := language.Parse(r.URL.Query().Get("lang")); err == nil {
		tags = append(tags, t)
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if t, err := language.Parse(c.Value); err == nil {
			tags = append(tags, t)
		}
	}
	if lang, _ := r.Context().Value(memberLanguageKey{}).(string); lang != "" {
		if t, err := language.Parse(lang); err == nil {
			tags = append(tags, t)
		}
	}
	accept, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	tags = append(tags, accept...)
	matcher := language.NewMatcher(p.bundle.LanguageTags())
	_, idx, _ := matcher.Match(tags...)
	chosen := p.bundle.LanguageTags()[idx]
	base, _ := chosen.Base()
	return i18n.NewLocalizer(p.bundle, chosen.String(), language.English.String()), base.String()
}

// pageLanguage is a language the switcher offers.
type pageLanguage struct {
	Tag, Name, URL string
	Current        bool
}

// languages lists the catalogues' languages for the switcher, each linking
// to the page shown in that language.
func (p *pages) languages(r *http.Request, current string) []pageLanguage {
	var out []pageLanguage
	for _, t := range p.bundle.LanguageTags() {
		base, _ := t.Base()
		q := r.URL.Query()
		q.Set("lang", base.String())
		u := *r.URL
		u.RawQuery = q.Encode()
		name := endonyms[base.String()]
		if name == "" {
			name = base.String()
		}
		out = append(out, pageLanguage{Tag: base.String(), Name: name, URL: u.RequestURI(), Current: base.String() == current})
	}
	slices.SortFunc(out, func(a, b pageLanguage) int { return strings.Compare(a.Tag, b.Tag) })
	return out
}

// translate returns the message id in the localizer's language, filling
// in pairs of template data ("Name", value, …).
func translate(l *i18n.Localizer, id string, pairs ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		data[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	msg, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return msg
}

// render writes the page name with data, adding what every page shows.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	set, ok := s.pages.sets[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	l, lang := s.pages.localizer(r)
	if data == nil {
		data = map[string]any{}
	}
	data["Instance"] = s.cfg.Name
	if set, err := s.store.InstanceSettings(r.Context()); err == nil {
		if set.Name != "" {
			data["Instance"] = set.Name
		}
		data["InstanceDescription"] = set.Description
	}
	data["StyleVersion"] = styleVersion
	data["Lang"] = lang
	data["Dir"] = "ltr"
	if rightToLeft[lang] {
		data["Dir"] = "rtl"
	}
	data["Switcher"] = s.pages.languages(r, lang)
	data["Version"] = s.cfg.Version
	if _, ok := data["Viewer"]; !ok {
		data["Viewer"] = s.sessionMember(r)
	}
	if v, ok := data["Viewer"].(*roundtable.Member); ok && v != nil {
		data["Unread"] = s.unreadNotifications(r, v)
	}
	key, keep := pageDigest(name, lang, status, data)
	var kept *renderedPage
	if keep {
		kept = s.rendered.get(key)
	}
	var buf bytes.Buffer
	var err error
	if kept == nil {
		var t *template.Template
		if t, err = set.Clone(); err == nil {
			t = t.Funcs(template.FuncMap{"t": newPageWords(l).t, "when": newDateWriter(l).write})
			err = t.ExecuteTemplate(&buf, "layout", data)
		}
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "render page", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if q := r.URL.Query().Get("lang"); q == lang {
		s.rememberLanguage(w, r, lang)
	}
	if takesPartElsewhere[name] {
		// "Take part from your own server" sends the browser on to the
		// visitor's own server, wherever that is.
		sources := "'self' https:"
		if strings.HasPrefix(s.links.Base, "http:") {
			sources += " http:"
		}
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy(sources))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	if status == http.StatusOK {
		// Kept by the reader's browser only, and asked about again each
		// time: unchanged, it is not sent again.
		w.Header().Set("Cache-Control", "private, no-cache")
		if keep {
			if kept == nil {
				kept = s.rendered.put(key, buf.Bytes())
			}
			kept.serve(w, r)
			return
		}
		serveValidated(w, r, buf.Bytes())
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// localDate writes a moment given as an RFC 3339 time (or a date) in the
// reader's language: "26 November 2026, 14:05 UTC". Anything else is shown
// as it is.
func localDate(l *i18n.Localizer, v string) string {
	t, err := time.Parse(time.RFC3339, v)
	dateOnly := false
	if err != nil {
		if t, err = time.Parse("2006-01-02", v); err != nil {
			return v
		}
		dateOnly = true
	}
	t = t.UTC()
	date := translate(l, "date.format", "Day", t.Day(), "Month", translate(l, fmt.Sprintf("date.month.%d", int(t.Month()))), "Year", t.Year())
	if dateOnly {
		return date
	}
	return translate(l, "date.with_time", "Date", date, "Time", t.Format("15:04"))
}

// instanceName is the instance's name: as its admins set it, else as
// configured.
func (s *Server) instanceName(ctx context.Context) string {
	if set, err := s.store.InstanceSettings(ctx); err == nil && set.Name != "" {
		return set.Name
	}
	return s.cfg.Name
}

// instanceDescription is what the instance says of itself: as its admins
// wrote it, else a sentence naming it.
func (s *Server) instanceDescription(ctx context.Context) string {
	if set, err := s.store.InstanceSettings(ctx); err == nil && set.Description != "" {
		return set.Description
	}
	return s.instanceName(ctx) + " is a Roundtable instance: a place for consultations in a safe space, open to the fediverse."
}

// takesPartElsewhere are the pages with the form that sends a visitor to
// their own server.
var takesPartElsewhere = map[string]bool{"consultation": true, "status": true, "interact": true}

// rememberLanguage makes lang the language of the following pages (the
// switcher's choice, or the one a member saves in their settings).
func (s *Server) rememberLanguage(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || strings.HasPrefix(s.links.Base, "https:")})
}

// memberLanguageKey holds, in a page request's context, the language a
// signed-in member chose in their settings.
type memberLanguageKey struct{}

// withMemberLanguage puts the signed-in member's language in the request's
// context, for the localizer.
func (s *Server) withMemberLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The signed-in member is read once here; sessionMember reuses it
		// for the rest of the request (the layout, the page's handler).
		m := s.sessionMember(r)
		ctx := context.WithValue(r.Context(), sessionMemberKey{}, &requestMember{m})
		if m != nil && m.Language != nil && *m.Language != "" {
			ctx = context.WithValue(ctx, memberLanguageKey{}, *m.Language)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sessionMemberKey holds, in a page request's context, the member its
// session belongs to (nil when signed out), read once per request.
type sessionMemberKey struct{}

type requestMember struct{ m *roundtable.Member }

// pageError renders an error page for err.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "error.internal"
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.message
	case errors.Is(err, roundtable.ErrNotFound):
		status, msg = http.StatusNotFound, "error.not_found"
	case errors.Is(err, roundtable.ErrForbidden):
		status, msg = http.StatusForbidden, "error.forbidden"
	case unavailable(err):
		status, msg = http.StatusServiceUnavailable, "error.unavailable"
		w.Header().Set("Retry-After", unavailableRetry)
		s.log.WarnContext(r.Context(), "page failed: the database is out of reach", "path", r.URL.Path, "err", err)
	default:
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, status, "error", map[string]any{"Message": msg})
}

// pageStatus is a status as pages show it.
type pageStatus struct {
	URL         string
	CreatedAt   string
	SpoilerText string
	Content     template.HTML
	Account     pageAccount
	Media       []pageMedia
}

// pageMedia is an image of a status as pages show it: its preview, linking
// to the original, with its alt text.
type pageMedia struct {
	URL, PreviewURL, Description string
	Width, Height                int
}

// pageAccount is an account as pages show it.
type pageAccount struct {
	Username       string
	DisplayName    string
	Acct           string
	Note           template.HTML
	StatusesCount  int
	FollowersCount int
	FollowingCount int
}

func (s *Server) pageAccount(a *roundtable.Account) pageAccount {
	return pageAccount{Username: a.Username, DisplayName: a.DisplayName, Acct: a.Acct(),
		// Notes are sanitised when stored.
		Note:          template.HTML(a.Note), //nolint:gosec
		StatusesCount: a.StatusesCount, FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount}
}

func (s *Server) pageStatuses(sts []*roundtable.Status) []pageStatus {
	out := make([]pageStatus, 0, len(sts))
	for _, st := range sts {
		if st.Account == nil {
			continue
		}
		out = append(out, pageStatus{
			URL: s.statusPageURL(st), CreatedAt: apiTime(st.CreatedAt), SpoilerText: st.SpoilerText,
			// Content is sanitised when stored.
			Content: template.HTML(st.Content), //nolint:gosec
			Account: s.pageAccount(st.Account),
			Media:   s.pageMedia(st.Media),
		})
	}
	return out
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	sts, err := s.store.PublicTimeline(r.Context(), "", roundtable.PublicTimelineFilter{Local: true}, roundtable.Page{Limit: 20})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	all, err := s.store.Consultations(r.Context(), false)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var open []*roundtable.Consultation
	for _, c := range all {
		if c.Phase == roundtable.PhaseOpen || c.Phase == roundtable.PhaseSynthesis {
			open = append(open, c)
		}
	}
	norms, err := s.pageNorms(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", map[string]any{"Statuses": s.pageStatuses(sts), "Consultations": open, "Norms": norms,
		"Flash": s.sessions.PopString(r.Context(), pageFlashKey)})
}

func (s *Server) aboutPage(w http.ResponseWriter, r *http.Request) {
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	n, err := s.store.CountMembers(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	norms, err := s.pageNorms(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	settings, err := s.store.InstanceSettings(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var blocks []roundtable.PublishedDomainBlock
	if settings.PublishDomainBlocks {
		if blocks, err = s.store.PublishedDomainBlocks(r.Context()); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "about", map[string]any{"Mode": string(mode), "Members": n, "Norms": norms,
		"Settings": settings, "DomainBlocks": blocks})
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.AccountByAcct(r.Context(), chi.URLParam(r, "username"), s.links.Domain())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	viewer := ""
	if m := s.sessionMember(r); m != nil {
		viewer = m.ID
	}
	if a.Group() && a.Local() {
		if s.seriesRedirect(w, r, a) {
			return
		}
		s.consultationPage(w, r, a, viewer)
		return
	}
	sts, err := s.store.AccountStatuses(r.Context(), a.ID, viewer, roundtable.AccountStatusFilter{}, roundtable.Page{Limit: 20})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cohosting, err := s.remoteCohostSection(r.Context(), a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "profile", map[string]any{"Account": s.pageAccount(a), "Statuses": s.pageStatuses(sts),
		"ShowCollections": roundtable.CollectionsVisible(a, viewer), "NoIndex": a.NoIndex, "Cohosting": cohosting})
}

func (s *Server) tagPage(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	sts, err := s.store.TagTimeline(r.Context(), "", name, false, roundtable.Page{Limit: 20})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tag", map[string]any{"Tag": name, "Statuses": s.pageStatuses(sts)})
}

// statusPageURL is where a status is read: its page here, or its own
// server's page.
func (s *Server) statusPageURL(st *roundtable.Status) string {
	if st.Local && st.Account != nil {
		return s.links.StatusURL(st.Account.Username, st.ID)
	}
	if st.URL != nil {
		return *st.URL
	}
	if st.URI != nil {
		return *st.URI
	}
	return "#"
}

// excerpt cuts s to at most n characters, at a word.
func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// groupLink is a consultation as the directory lists it.
type groupLink struct {
	URL, Name, Handle string
}

func (s *Server) directoryPage(w http.ResponseWriter, r *http.Request) {
	groups, err := s.store.Directory(r.Context(), 500)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	out := make([]groupLink, 0, len(groups))
	for _, g := range groups {
		name := g.DisplayName
		if name == "" {
			name = g.Username
		}
		handle := g.Username + "@" + s.links.Domain()
		if !g.Local() {
			handle = g.Acct()
		}
		out = append(out, groupLink{URL: s.profileURL(g), Name: name, Handle: handle})
	}
	s.render(w, r, http.StatusOK, "directory", map[string]any{"Groups": out})
}

// pageNorm is a norm as pages show it, in the reader's language.
type pageNorm struct {
	Number     int
	Text, Hint string
}

// pageNorms returns the instance's norms in the reader's language.
func (s *Server) pageNorms(r *http.Request) ([]pageNorm, error) {
	norms, err := s.store.Norms(r.Context())
	if err != nil {
		return nil, err
	}
	_, lang := s.pages.localizer(r)
	out := make([]pageNorm, len(norms))
	for i, n := range norms {
		text, hint := n.In(lang)
		out[i] = pageNorm{Number: n.Number, Text: text, Hint: hint}
	}
	return out, nil
}
