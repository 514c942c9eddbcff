package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// pollLimits are the limits of a new poll, as the instance configuration
// announces them.
var pollLimits = map[string]any{
	"max_options": roundtable.PollMaxOptions, "max_characters_per_option": roundtable.PollMaxOptionChars,
	"min_expiration": roundtable.PollMinExpiration, "max_expiration": roundtable.PollMaxExpiration,
}

type pollOptionJSON struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"`
}

type pollJSON struct {
	ID          string           `json:"id"`
	ExpiresAt   *string          `json:"expires_at"`
	Expired     bool             `json:"expired"`
	Multiple    bool             `json:"multiple"`
	VotesCount  int              `json:"votes_count"`
	VotersCount *int             `json:"voters_count"`
	Options     []pollOptionJSON `json:"options"`
	Emojis      []any            `json:"emojis"`
	Voted       bool             `json:"voted"`
	OwnVotes    []int            `json:"own_votes"`
}

// poll renders a Poll entity. While a poll that hides its totals is open,
// the count of each option is null, as in Mastodon.
func (s *Server) poll(p *roundtable.Poll) *pollJSON {
	out := &pollJSON{ID: p.ID, ExpiresAt: apiTimePtr(p.ExpiresAt), Expired: p.Expired, Multiple: p.Multiple,
		VotesCount: p.VotesCount, VotersCount: p.VotersCount, Options: make([]pollOptionJSON, len(p.Options)),
		Emojis: []any{}, Voted: p.Voted, OwnVotes: p.OwnVotes}
	for i, o := range p.Options {
		out.Options[i].Title = o.Title
		if !p.HideTotals || p.Expired {
			n := o.VotesCount
			out.Options[i].VotesCount = &n
		}
	}
	if out.OwnVotes == nil {
		out.OwnVotes = []int{}
	}
	return out
}

// readPoll reads the poll[…] parameters of a new status: nil when there
// is no poll. Checking the values is the domain's work.
func readPoll(p *params) (*roundtable.NewPoll, error) {
	if p.kinds["poll"] == 'z' || (!p.has("poll[options][]") && !p.has("poll[expires_in]") && !p.has("poll[options]")) {
		return nil, nil
	}
	if p.kinds["poll[options][]"] == 'o' {
		return nil, roundtable.Invalid("poll[options]", "must be a list of texts")
	}
	np := &roundtable.NewPoll{Options: p.list("poll[options]")}
	var err error
	if np.ExpiresIn, err = seconds(p, "poll[expires_in]"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"poll[multiple]", &np.Multiple}, {"poll[hide_totals]", &np.HideTotals}} {
		b, err := p.boolean(f.name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			*f.dst = *b
		}
	}
	return np, nil
}

// seconds reads a whole number of seconds given as a number or as text
// ("3600", 3600, 3600.0).
func seconds(p *params, name string) (int, error) {
	if k := p.kinds[name]; k == 'b' || k == 'o' {
		return 0, roundtable.Invalid(name, "must be a number of seconds")
	}
	v := strings.TrimSpace(p.get(name))
	if v == "" {
		return 0, roundtable.Invalid(name, "is required: a number of seconds")
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, roundtable.Invalid(name, "must be a whole number of seconds")
	}
	return int(f), nil
}

func (s *Server) getPoll(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Poll(r.Context(), chi.URLParam(r, "id"), viewerID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.poll(p))
}

func (s *Server) votePoll(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	if p.kinds["choices[]"] == 'o' || p.kinds["choices"] == 'b' {
		s.writeError(w, r, roundtable.Invalid("choices", "must be a list of option numbers"))
		return
	}
	var choices []int
	for _, c := range p.list("choices") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			s.writeError(w, r, roundtable.Invalid("choices", "must be a list of option numbers (from 0)"))
			return
		}
		choices = append(choices, n)
	}
	poll, err := s.store.Vote(r.Context(), m, chi.URLParam(r, "id"), choices)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.poll(poll))
}
