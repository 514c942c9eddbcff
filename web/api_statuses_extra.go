package web

import (
	"errors"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// maxStatusesByID is how many statuses GET /api/v1/statuses returns at once.
const maxStatusesByID = 20

// statusesByID answers GET /api/v1/statuses?id[]=…: the statuses the
// caller may see, in the order asked; unknown ids are left out.
func (s *Server) statusesByID(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ids := p.list("id")
	if len(ids) > maxStatusesByID {
		s.writeError(w, r, roundtable.Invalid("id", "at most %d statuses at once", maxStatusesByID))
		return
	}
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if roundtable.ValidID(id) {
			valid = append(valid, id)
		}
	}
	sts, err := s.store.Statuses(r.Context(), valid, viewerID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.statuses(sts))
}

type statusEditJSON struct {
	Content          string      `json:"content"`
	SpoilerText      string      `json:"spoiler_text"`
	Sensitive        bool        `json:"sensitive"`
	CreatedAt        string      `json:"created_at"`
	Account          accountJSON `json:"account"`
	Poll             any         `json:"poll"`
	MediaAttachments []any       `json:"media_attachments"`
	Emojis           []any       `json:"emojis"`
}

// statusHistory answers GET /api/v1/statuses/:id/history: every version,
// the original first.
func (s *Server) statusHistory(w http.ResponseWriter, r *http.Request) {
	st, vs, err := s.store.StatusHistory(r.Context(), chi.URLParam(r, "id"), viewerID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc := s.account(st.Account)
	out := make([]statusEditJSON, len(vs))
	for i, v := range vs {
		out[i] = statusEditJSON{Content: v.Content, SpoilerText: v.SpoilerText, Sensitive: v.Sensitive,
			CreatedAt: apiTime(v.CreatedAt), Account: acc, MediaAttachments: []any{}, Emojis: []any{}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) rebloggedBy(w http.ResponseWriter, r *http.Request) {
	_, pg, ok := s.listParams(w, r)
	if !ok {
		return
	}
	as, cursors, err := s.store.RebloggedBy(r.Context(), chi.URLParam(r, "id"), viewerID(r), pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setLink(w, r, cursors)
	writeJSON(w, http.StatusOK, s.accounts(as))
}

// instancePeers lists the domains this instance federates with.
func (s *Server) instancePeers(w http.ResponseWriter, r *http.Request) {
	ds, err := s.store.Peers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ds)
}

// instanceActivity gives the last twelve weeks' activity, as Mastodon
// does: every value a string.
func (s *Server) instanceActivity(w http.ResponseWriter, r *http.Request) {
	weeks, err := s.store.WeeklyActivity(r.Context(), 12)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]map[string]string, len(weeks))
	for i, wk := range weeks {
		out[i] = map[string]string{"week": strconv.FormatInt(wk.Week.Unix(), 10),
			"statuses": strconv.Itoa(wk.Statuses), "logins": strconv.Itoa(wk.Logins),
			"registrations": strconv.Itoa(wk.Registrations)}
	}
	writeJSON(w, http.StatusOK, out)
}

// extendedDescription is the instance's description with its norms, as
// HTML.
func (s *Server) extendedDescription(w http.ResponseWriter, r *http.Request) {
	norms, err := s.store.Norms(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var b strings.Builder
	b.WriteString("<p>" + html.EscapeString(s.instanceDescription(r.Context())) + "</p>")
	if len(norms) > 0 {
		b.WriteString("<ol>")
		for _, n := range norms {
			b.WriteString("<li>" + html.EscapeString(n.Text))
			if n.Hint != "" {
				b.WriteString("<br>" + html.EscapeString(n.Hint))
			}
			b.WriteString("</li>")
		}
		b.WriteString("</ol>")
	}
	writeJSON(w, http.StatusOK, map[string]string{"updated_at": apiTime(time.Now()), "content": b.String()})
}

// policyList reads a list parameter in any of the shapes clients send:
// name, name[] and name[0], name[1]… (GoToSocial's form encoding).
func policyList(p *params, name string) []string {
	out := p.list(name)
	for i := 0; ; i++ {
		v, ok := p.vals[name+"["+strconv.Itoa(i)+"]"]
		if !ok {
			break
		}
		out = append(out, v...)
	}
	return out
}

// checkOpenPolicy refuses an interaction_policy sub-policy that would
// restrict favourites or reblogs of a public or unlisted status: Roundtable
// lets everyone who can see such a status favourite or reblog it, and says
// so rather than ignore the request.
func checkOpenPolicy(p *params, visibility string, sub string) error {
	key := "interaction_policy[" + sub + "][always]"
	always := policyList(p, key)
	if len(always) == 0 && !p.has(key) {
		return nil
	}
	if visibility != string(roundtable.Public) && visibility != string(roundtable.Unlisted) {
		return nil // who can see it is who can interact; the visibility says it
	}
	for _, v := range always {
		if v == "public" {
			return nil
		}
	}
	return roundtable.Invalid("interaction_policy", "%s of a public or unlisted status is open to everyone here; narrow the visibility instead", sub)
}

// interactionPolicyJSON is GoToSocial's interaction_policy of a status.
type interactionPolicyJSON struct {
	CanFavourite policyRuleJSON `json:"can_favourite"`
	CanReply     policyRuleJSON `json:"can_reply"`
	CanReblog    policyRuleJSON `json:"can_reblog"`
}

type policyRuleJSON struct {
	Always            []string `json:"always"`
	WithApproval      []string `json:"with_approval"`
	AutomaticApproval []string `json:"automatic_approval"`
	ManualApproval    []string `json:"manual_approval"`
}

func rule(values ...string) policyRuleJSON {
	return policyRuleJSON{Always: values, WithApproval: []string{}, AutomaticApproval: values, ManualApproval: []string{}}
}

// interactionPolicy shows what Roundtable enforces for st: anyone who can
// see it may favourite it; replies follow the author's reply controls;
// only public and unlisted statuses can be reblogged.
func interactionPolicy(st *roundtable.Status) interactionPolicyJSON {
	var seeing []string
	switch st.Visibility {
	case roundtable.Public, roundtable.Unlisted:
		seeing = []string{"public", "me"}
	case roundtable.Private:
		seeing = []string{"author", "followers", "mentioned", "me"}
	default:
		seeing = []string{"author", "mentioned", "me"}
	}
	out := interactionPolicyJSON{CanFavourite: rule(seeing...), CanReblog: rule()}
	if st.Visibility == roundtable.Public || st.Visibility == roundtable.Unlisted {
		out.CanReblog = rule("public", "me")
	}
	switch {
	case st.ReplyPolicy == roundtable.RepliesMentioned || st.Visibility == roundtable.Direct:
		out.CanReply = rule("author", "mentioned")
	case st.ReplyPolicy == roundtable.RepliesFollowers || st.Visibility == roundtable.Private:
		out.CanReply = rule("author", "followers", "mentioned")
	default:
		out.CanReply = rule(seeing...)
	}
	return out
}

// statusOrReblog loads a status, or a reblog by its own id (clients open
// the wrappers of their timelines too).
func (s *Server) statusOrReblog(r *http.Request, id string) (*roundtable.Status, error) {
	st, err := s.store.Status(r.Context(), id, viewerID(r))
	if errors.Is(err, roundtable.ErrNotFound) {
		if rb, rerr := s.store.ReblogByID(r.Context(), id, viewerID(r)); rerr == nil {
			return rb, nil
		}
	}
	return st, err
}

// localOnlyParam reads GoToSocial's local_only, or its deprecated inverse
// federated.
func localOnlyParam(p *params) (bool, error) {
	lo, err := p.boolean("local_only")
	if err != nil {
		return false, err
	}
	if lo != nil {
		return *lo, nil
	}
	fed, err := p.boolean("federated")
	if err != nil {
		return false, err
	}
	return fed != nil && !*fed, nil
}
