package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// The consultation page: its prompt, phase and dates, norms, facilitators,
// threads, synthesis, a chart of participation drawn on the server (with
// its figures in a table for those who do not see it), and the ways to
// take part.

// threadLink is a thread as the consultation page lists it.
type threadLink struct {
	URL, Title, Excerpt, Replies string
}

// timelineStep is a phase of a consultation with the date it begins.
type timelineStep struct {
	Phase   string // message id of its name
	Date    string // YYYY-MM-DD, or "" when not set
	Current bool
	Past    bool
}

// Chart geometry, in SVG user units.
const (
	chartWidth     = 600
	chartHeight    = 160
	chartBarGap    = 2
	chartRowHeight = 24
	chartLabelW    = 200
)

// chartBar is one bar of a participation chart.
type chartBar struct {
	X, Y, W, H int
	Label      string
	Count      int
}

// participationChart is what the consultation page draws of its activity.
type participationChart struct {
	Days         []chartBar
	Instances    []chartBar
	Max          int // the largest daily count: the height of the day chart
	Height       int // of the instance chart
	First, Last  string
	Total        int
	InstanceMax  int
	InstanceBase int // x where instance bars start
}

// newParticipationChart lays out the bars of a.
func newParticipationChart(a *roundtable.ConsultationActivity) *participationChart {
	ch := &participationChart{InstanceBase: chartLabelW}
	for _, d := range a.Days {
		ch.Max = max(ch.Max, d.Count)
		ch.Total += d.Count
	}
	if n := len(a.Days); n > 0 {
		ch.First, ch.Last = a.Days[0].Day.Format(time.DateOnly), a.Days[n-1].Day.Format(time.DateOnly)
		w := chartWidth / n
		for i, d := range a.Days {
			h := 0
			if ch.Max > 0 {
				h = d.Count * chartHeight / ch.Max
			}
			ch.Days = append(ch.Days, chartBar{X: i * w, Y: chartHeight - h, W: max(w-chartBarGap, 1), H: h,
				Label: d.Day.Format(time.DateOnly), Count: d.Count})
		}
	}
	for _, in := range a.Instances {
		ch.InstanceMax = max(ch.InstanceMax, in.Count)
	}
	for i, in := range a.Instances {
		w := 0
		if ch.InstanceMax > 0 {
			w = in.Count * (chartWidth - chartLabelW - 40) / ch.InstanceMax
		}
		ch.Instances = append(ch.Instances, chartBar{X: chartLabelW, Y: i * chartRowHeight, W: max(w, 1), H: chartRowHeight - 6,
			Label: in.Domain, Count: in.Count})
	}
	ch.Height = len(ch.Instances) * chartRowHeight
	return ch
}

// dateOnly formats t as a day, or "" for nil.
func dateOnly(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// consultationTimeline lists c's phases with their dates.
func consultationTimeline(c *roundtable.Consultation) []timelineStep {
	order := []roundtable.Phase{roundtable.PhaseDraft, roundtable.PhaseOpen, roundtable.PhaseSynthesis, roundtable.PhaseClosed}
	dates := map[roundtable.Phase]string{roundtable.PhaseDraft: dateOnly(&c.CreatedAt), roundtable.PhaseOpen: dateOnly(c.OpensAt),
		roundtable.PhaseSynthesis: dateOnly(c.SynthesisAt), roundtable.PhaseClosed: dateOnly(c.ClosesAt)}
	current := 0
	for i, p := range order {
		if p == c.Phase {
			current = i
		}
	}
	steps := make([]timelineStep, len(order))
	for i, p := range order {
		steps[i] = timelineStep{Phase: "phase." + string(p), Date: dates[p], Current: i == current, Past: i < current}
	}
	return steps
}

func (s *Server) consultationPage(w http.ResponseWriter, r *http.Request, a *roundtable.Account, viewer string) {
	ctx := r.Context()
	c, err := s.store.ConsultationByAccount(ctx, a.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	threads, err := s.store.Threads(ctx, a.ID, viewer, roundtable.Page{Limit: 40})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	links := make([]threadLink, 0, len(threads))
	for _, st := range threads {
		l := threadLink{URL: s.statusPageURL(st), Replies: fmt.Sprintf("(%d)", st.RepliesCount)}
		if st.Title != nil {
			l.Title = *st.Title
		} else {
			l.Excerpt = excerpt(roundtable.PlainText(st.Content), 80)
		}
		links = append(links, l)
	}
	var facilitators []string
	for _, f := range c.Facilitators {
		facilitators = append(facilitators, f.Username)
	}
	norms, err := s.pageNorms(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	activity, err := s.store.ConsultationActivity(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := map[string]any{
		"InstanceNorms": norms,
		"Consultation":  c,
		// The prompt is sanitised when stored.
		"Prompt":       template.HTML(c.Prompt), //nolint:gosec
		"Handle":       "@" + c.Slug + "@" + s.links.Domain(),
		"Threads":      links,
		"Facilitators": facilitators,
		"Timeline":     consultationTimeline(c),
		"Chart":        newParticipationChart(activity),
		"GroupID":      c.AccountID,
		"Back":         r.URL.Path,
		"MayStart":     c.Allows(roundtable.ContributeThread) == nil,
		"Flash":        s.sessions.PopString(ctx, pageFlashKey),
		"Error":        s.sessions.PopString(ctx, pageErrorKey),
		"Interact":     &interactForm{URI: s.links.Actor(c.Slug)},
	}
	if c.SynthesisID != nil {
		if st, err := s.store.Status(ctx, *c.SynthesisID, viewer); err == nil {
			data["Synthesis"] = s.pageStatuses([]*roundtable.Status{st})
		}
	}
	if viewer != "" {
		rel, err := s.store.Relationship(ctx, viewer, c.AccountID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data["Relationship"] = rel
	}
	if data["Cohosting"], err = s.consultationCohostSection(ctx, c.AccountID); err != nil {
		s.pageError(w, r, err)
		return
	}
	data["NoIndex"] = a.NoIndex
	s.render(w, r, http.StatusOK, "consultation", data)
}
