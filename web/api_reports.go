package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// reportJSON is Mastodon's Report entity.
type reportJSON struct {
	ID            string      `json:"id"`
	ActionTaken   bool        `json:"action_taken"`
	ActionTakenAt *string     `json:"action_taken_at"`
	Category      string      `json:"category"`
	Comment       string      `json:"comment"`
	Forwarded     bool        `json:"forwarded"`
	CreatedAt     string      `json:"created_at"`
	StatusIDs     []string    `json:"status_ids"`
	RuleIDs       []string    `json:"rule_ids"`
	TargetAccount accountJSON `json:"target_account"`
	Action        *string     `json:"action,omitempty"`
	Reason        *string     `json:"reason,omitempty"`
}

func (s *Server) report(ctx context.Context, r *roundtable.Report) (reportJSON, error) {
	target, err := s.store.Account(ctx, r.TargetAccountID)
	if err != nil {
		return reportJSON{}, err
	}
	return reportJSON{ID: r.ID, ActionTaken: r.ResolvedAt != nil, ActionTakenAt: apiTimePtr(r.ResolvedAt),
		Category: r.Category, Comment: r.Comment, Forwarded: r.Forward && !target.Local(), CreatedAt: apiTime(r.CreatedAt),
		StatusIDs: r.StatusIDs, RuleIDs: r.RuleIDs, TargetAccount: s.account(target), Action: r.Action, Reason: r.Reason}, nil
}

// createReport serves POST /api/v1/reports.
func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	nr := roundtable.NewReport{AccountID: p.get("account_id"), StatusIDs: p.list("status_ids"), RuleIDs: p.list("rule_ids")}
	var err error
	if nr.Category, err = p.str("category"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if nr.Comment, err = p.str("comment"); err != nil {
		s.writeError(w, r, err)
		return
	}
	forward, err := p.boolean("forward")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	nr.Forward = forward != nil && *forward
	if nr.AccountID == "" {
		s.writeError(w, r, roundtable.Invalid("account_id", "is required"))
		return
	}
	rep, err := s.store.CreateReport(r.Context(), m, nr)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.report(r.Context(), rep)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// openReports lists the moderation queue's reports (moderators).
func (s *Server) openReports(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reps, err := s.store.OpenReports(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]reportJSON, 0, len(reps))
	for _, rep := range reps {
		j, err := s.report(r.Context(), rep)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
}

// dismissReport closes a report without action (moderators).
func (s *Server) dismissReport(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.store.DismissReport(r.Context(), m, chi.URLParam(r, "id"), reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.report(r.Context(), rep)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// logEntryJSON is one moderation action. Who took it is shown by role;
// the person only to those who may read the log (moderators, facilitators).
type logEntryJSON struct {
	ID           string   `json:"id"`
	Action       string   `json:"action"`
	Role         string   `json:"role"`
	ActorID      *string  `json:"actor_id"`
	Consultation *string  `json:"consultation_id"`
	Target       string   `json:"target"`
	Reason       string   `json:"reason"`
	Norm         *int     `json:"norm"`
	CreatedAt    string   `json:"created_at"`
	BasedOn      []string `json:"based_on"`
	// ActorUsername names who acted, for moderators only.
	ActorUsername *string `json:"actor_username,omitempty"`
}

// moderationLog serves the log (moderators and facilitators).
func (s *Server) moderationLog(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.store.ModerationLog(r.Context(), m, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var names map[string]string
	if roundtable.IsModerator(m) {
		if names, err = s.store.ActorNames(r.Context(), m, entries); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	out := make([]logEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = logEntryJSON{ID: e.ID, Action: e.Action, Role: e.ActorRole, ActorID: e.ActorID, Consultation: e.ConsultationID,
			Target: e.TargetURI, Reason: e.Reason, Norm: e.Norm, CreatedAt: apiTime(e.CreatedAt), BasedOn: e.BasedOn}
		if e.ActorID != nil {
			if name, ok := names[*e.ActorID]; ok {
				out[i].ActorUsername = &name
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// removeContribution removes a contribution from a consultation, with a
// reason (its facilitators and the instance's moderators).
func (s *Server) removeContribution(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	reason, err := p.str("reason")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.RemoveContribution(r.Context(), m, chi.URLParam(r, "slug"), chi.URLParam(r, "id"), reason); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
