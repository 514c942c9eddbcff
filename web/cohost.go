package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Co-hosting consultations with peer instances: the JSON API, the admins'
// page (a moderation tab) and what the consultation page shows.
//
//   - GET /roundtable/v1/consultations/{slug}/cohosts: who co-hosts a
//     consultation hosted here (anyone).
//   - POST …/{slug}/cohosts {"domain"}: invite a trusted peer (its
//     facilitators and admins, "write").
//   - DELETE …/{slug}/cohosts/{domain}: withdraw it.
//   - GET /roundtable/v1/cohosts: every co-hosting here, hosting or
//     invited (admins, "admin:read").
//   - POST /roundtable/v1/cohosts/{id}/accept|decline|leave (admins).
//   - POST /roundtable/v1/cohosts/{id}/facilitators {"username"} and
//     DELETE …/facilitators/{username}: name or take back a facilitator of
//     a consultation co-hosted here (admins).
func (s *Server) cohostRoutes(r chi.Router) {
	const base = "/roundtable/v1"
	r.With(scope("read", true)).Get(base+"/consultations/{slug}/cohosts", s.consultationCohosts)
	r.With(scope("write", false)).Post(base+"/consultations/{slug}/cohosts", s.inviteCohost)
	r.With(scope("write", false)).Delete(base+"/consultations/{slug}/cohosts/{domain}", s.withdrawCohost)
	r.With(scope("admin:read", false)).Get(base+"/cohosts", s.listCohosts)
	for _, a := range []string{"accept", "decline", "leave"} {
		r.With(scope("admin:write", false)).Post(base+"/cohosts/{id}/"+a, s.cohostAnswer(a))
	}
	r.With(scope("admin:write", false)).Post(base+"/cohosts/{id}/facilitators", s.cohostFacilitator(true))
	r.With(scope("admin:write", false)).Delete(base+"/cohosts/{id}/facilitators/{username}", s.cohostFacilitator(false))
}

// cohostJSON is a co-hosting as the API shows it.
type cohostJSON struct {
	ID           string   `json:"id"`
	Consultation string   `json:"consultation"` // slug, or slug@domain when hosted elsewhere
	Hosting      bool     `json:"hosting"`      // hosted here, co-hosted by domain
	Domain       string   `json:"domain"`
	State        string   `json:"state"`
	Norms        []string `json:"norms"`
	Facilitators []string `json:"facilitators"`
	UpdatedAt    string   `json:"updated_at"`
}

func cohostView(h *roundtable.Cohost) cohostJSON {
	v := cohostJSON{ID: h.ID, Consultation: h.GroupName, Hosting: h.Hosting, Domain: h.Domain, State: string(h.State),
		Norms: h.Norms, Facilitators: []string{}, UpdatedAt: apiTime(h.UpdatedAt)}
	if v.Norms == nil {
		v.Norms = []string{}
	}
	for _, f := range h.Facilitators {
		v.Facilitators = append(v.Facilitators, f.Acct())
	}
	return v
}

func cohostViews(list []*roundtable.Cohost) []cohostJSON {
	out := make([]cohostJSON, len(list))
	for i, h := range list {
		out[i] = cohostView(h)
	}
	return out
}

func (s *Server) consultationCohosts(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.ConsultationCohosts(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cohostViews(list))
}

func (s *Server) inviteCohost(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	domain, err := p.str("domain")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := s.store.InviteCohost(r.Context(), m, chi.URLParam(r, "slug"), domain)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cohostView(h))
}

func (s *Server) withdrawCohost(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.WithdrawCohost(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "domain")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) listCohosts(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.store.Cohosts(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cohostViews(list))
}

// cohostAnswer accepts, declines or leaves a co-hosting (admins).
func (s *Server) cohostAnswer(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := member(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id := chi.URLParam(r, "id")
		if action == "leave" {
			if err := s.store.LeaveCohost(r.Context(), m, id); err != nil {
				s.writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{})
			return
		}
		h, err := s.store.AnswerCohostInvite(r.Context(), m, id, action == "accept")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, cohostView(h))
	}
}

// cohostFacilitator names (add) or takes back a facilitator (admins).
func (s *Server) cohostFacilitator(add bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, p, ok := s.memberParams(w, r)
		if !ok {
			return
		}
		username := chi.URLParam(r, "username")
		if add {
			var err error
			if username, err = p.str("username"); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		h, err := s.store.NameCohostFacilitator(r.Context(), m, chi.URLParam(r, "id"), username, add)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, cohostView(h))
	}
}

// The admins' page: invitations received, consultations co-hosted here
// and the co-hosts of consultations hosted here.

func (s *Server) cohostsData(r *http.Request, m *roundtable.Member) (map[string]any, error) {
	list, err := s.store.Cohosts(r.Context(), m)
	if err != nil {
		return nil, err
	}
	var hosting, invited []*roundtable.Cohost
	for _, h := range list {
		if h.Hosting {
			hosting = append(hosting, h)
		} else {
			invited = append(invited, h)
		}
	}
	cs, err := s.store.ConsultationsFor(r.Context(), m)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Hosting": hosting, "Invited": invited, "Consultations": cs, "Form": r.PostForm}, nil
}

func (s *Server) inviteCohostAction(r *http.Request, m *roundtable.Member) (string, error) {
	_, err := s.store.InviteCohost(r.Context(), m, r.PostForm.Get("consultation"), r.PostForm.Get("domain"))
	return "cohost.invited", err
}

func (s *Server) withdrawCohostAction(r *http.Request, m *roundtable.Member) (string, error) {
	return "cohost.withdrawn", s.store.WithdrawCohost(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "domain"))
}

func (s *Server) answerCohostAction(r *http.Request, m *roundtable.Member) (string, error) {
	id := chi.URLParam(r, "id")
	switch chi.URLParam(r, "action") {
	case "accept":
		_, err := s.store.AnswerCohostInvite(r.Context(), m, id, true)
		return "cohost.accepted", err
	case "decline":
		_, err := s.store.AnswerCohostInvite(r.Context(), m, id, false)
		return "cohost.declined", err
	case "leave":
		return "cohost.left", s.store.LeaveCohost(r.Context(), m, id)
	}
	return "", roundtable.Invalid("action", "must be accept, decline or leave")
}

func (s *Server) cohostFacilitatorAction(r *http.Request, m *roundtable.Member) (string, error) {
	add := r.PostForm.Get("remove") == ""
	_, err := s.store.NameCohostFacilitator(r.Context(), m, chi.URLParam(r, "id"), r.PostForm.Get("username"), add)
	if !add {
		return "cohost.facilitator_removed", err
	}
	return "cohost.facilitator_named", err
}

// cohostSection is what a consultation page says about co-hosting: the
// host, each co-host with its facilitators and norms.
type cohostSection struct {
	Host    string
	Cohosts []*roundtable.Cohost
	// Remote is set for a consultation hosted elsewhere: its co-hosts are
	// known by name only.
	Remote bool
}

// consultationCohostSection returns the co-hosting part of the page of a
// consultation hosted here (nil when nobody co-hosts it).
func (s *Server) consultationCohostSection(ctx context.Context, groupID string) (*cohostSection, error) {
	list, err := s.store.ActiveCohosts(ctx, groupID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &cohostSection{Host: s.links.Domain(), Cohosts: list}, nil
}

// remoteCohostSection returns the co-hosting part of the page of a
// consultation hosted elsewhere, as its Group names its co-hosts (nil for
// other accounts, and when nobody co-hosts it).
func (s *Server) remoteCohostSection(ctx context.Context, a *roundtable.Account) (*cohostSection, error) {
	if !a.Group() || a.Local() {
		return nil, nil
	}
	domains, err := s.store.GroupCohosts(ctx, a)
	if err != nil || len(domains) == 0 {
		return nil, err
	}
	sec := &cohostSection{Host: *a.Domain, Remote: true}
	for _, d := range domains {
		sec.Cohosts = append(sec.Cohosts, &roundtable.Cohost{Domain: d})
	}
	return sec, nil
}
