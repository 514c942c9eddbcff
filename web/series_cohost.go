package web

import (
	"net/http"
)

// What the series page says of its co-hosts: which of the template's
// co-hosts this instance does not trust (editions record them but do not
// invite them), and where each co-host of an edition stands.

// untrustedCohosts returns the template's co-hosts this instance does not
// trust.
func (s *Server) untrustedCohosts(r *http.Request, domains []string) ([]string, error) {
	var out []string
	for _, d := range domains {
		ok, err := s.store.TrustedPeer(r.Context(), d)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// editionCohosts says where each co-host of an edition (slug) stands: its
// co-hosting's state, or not invited.
func (s *Server) editionCohosts(r *http.Request, slug string, domains []string) ([]pageCohost, error) {
	list, err := s.store.ConsultationCohosts(r.Context(), slug)
	if err != nil {
		return nil, err
	}
	state := map[string]string{}
	for _, h := range list {
		state[h.Domain] = "cohost.state." + string(h.State)
	}
	out := make([]pageCohost, 0, len(domains))
	for _, d := range domains {
		st, ok := state[d]
		if !ok {
			st = "series.cohost_not_invited"
		}
		out = append(out, pageCohost{Domain: d, State: st})
	}
	return out, nil
}
