package federation

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// Polls as Mastodon federates them. A status with a poll is a Question whose
// options are Notes named after them, under oneOf (one choice) or anyOf
// (several), each with its count as the totalItems of its replies. A vote is
// a Create of a Note named after the option, in reply to the Question, sent
// only to the poll's author; the author's server counts it and sends the new
// counts to the status's audience as an Update of the Question.

// questionContext is the @context of a document that carries a Question:
// every document's, with Mastodon's votersCount.
var questionContext = func() []any {
	out := make([]any, len(contextValue))
	copy(out, contextValue)
	for i, c := range out {
		if terms, ok := c.(map[string]any); ok {
			more := make(map[string]any, len(terms)+1)
			for k, v := range terms {
				more[k] = v
			}
			more["votersCount"] = "toot:votersCount"
			out[i] = more
		}
	}
	return out
}()

// wireTime formats a time as documents carry it.
func wireTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// pollExtensions makes the Note of a status with a poll a Question. On a
// document's top level (one with an @context) it sets the Question's
// context.
func pollExtensions(m map[string]any, o *roundtable.StatusObject) {
	if o.Poll == nil {
		return
	}
	m["type"] = "Question"
	options := make([]any, len(o.Poll.Options))
	for i, opt := range o.Poll.Options {
		options[i] = map[string]any{"type": "Note", "name": opt.Title,
			"replies": map[string]any{"type": "Collection", "totalItems": opt.VotesCount}}
	}
	if o.Poll.Multiple {
		m["anyOf"] = options
	} else {
		m["oneOf"] = options
	}
	if o.Poll.EndTime != nil {
		m["endTime"] = wireTime(*o.Poll.EndTime)
	}
	if o.Poll.Closed != nil {
		m["closed"] = wireTime(*o.Poll.Closed)
	}
	if o.Poll.VotersCount != nil {
		m["votersCount"] = *o.Poll.VotersCount
	}
	if _, top := m["@context"]; top {
		m["@context"] = questionContext
	}
}

// voteActivity is a local member's vote for one option of a remote poll,
// addressed to the poll's author alone.
func voteActivity(o *roundtable.Outgoing) map[string]any {
	to := []any{o.Target.URI}
	note := map[string]any{"id": o.ActivityID, "type": "Note", "name": o.Choice, "attributedTo": o.Actor.URI,
		"inReplyTo": o.ObjectURI, "to": to}
	return map[string]any{"@context": contextValue, "id": o.ActivityID + "/activity", "type": "Create",
		"actor": o.Actor.URI, "to": to, "object": note}
}

// isVote reports whether a created note is a vote in a poll of this
// instance: a Note with a name and no content, in reply to a status here.
func (f *Federator) isVote(note map[string]any) bool {
	parent := str(note["inReplyTo"])
	return typeOf(note) == "Note" && strings.TrimSpace(text(note, "name")) != "" &&
		strings.TrimSpace(text(note, "content")) == "" && parent != "" &&
		hostOf(parent) == strings.ToLower(f.links.Domain())
}

// receiveVote counts a remote vote in a local poll.
func (f *Federator) receiveVote(ctx context.Context, voter *roundtable.Account, note map[string]any) error {
	err := f.store.ReceiveVote(ctx, voter, str(note["inReplyTo"]), strings.TrimSpace(text(note, "name")), str(note["id"]))
	var ve *roundtable.ValidationError
	if errors.As(err, &ve) {
		return permanent("vote %s: %v", str(note["id"]), err)
	}
	return err
}

// questionPoll reads the poll of a Question, tolerantly: options under
// oneOf or anyOf, named by name or content; closed as a date or a
// boolean. It returns nil for anything else, and for a Question without
// options (an open question).
func (f *Federator) questionPoll(note map[string]any) *roundtable.RemotePoll {
	if typeOf(note) != "Question" {
		return nil
	}
	items, multiple := objects(note["oneOf"]), false
	if len(items) == 0 {
		items, multiple = objects(note["anyOf"]), true
	}
	if len(items) == 0 {
		return nil
	}
	rp := &roundtable.RemotePoll{Multiple: multiple, EndTime: timeOf(note["endTime"])}
	for _, it := range items {
		name := text(it, "name")
		if name == "" {
			name = roundtable.PlainText(text(it, "content"))
		}
		votes, _ := count(obj(it["replies"])["totalItems"])
		rp.Options = append(rp.Options, strings.TrimSpace(name))
		rp.Votes = append(rp.Votes, votes)
	}
	closedNow := func() *time.Time {
		if rp.EndTime != nil {
			return rp.EndTime
		}
		now := f.now()
		return &now
	}
	switch c := note["closed"].(type) {
	case string:
		if t := timeOf(c); t != nil {
			rp.Closed = t
		} else if strings.EqualFold(c, "true") {
			rp.Closed = closedNow()
		}
	case bool:
		if c {
			rp.Closed = closedNow()
		}
	}
	if n, ok := count(note["votersCount"]); ok {
		rp.VotersCount = &n
	}
	return rp
}

// count reads a non-negative count, which servers send as a number or as
// text; it is bounded to what the database keeps.
func count(v any) (int, bool) {
	var f float64
	switch t := v.(type) {
	case json.Number:
		n, err := t.Float64()
		if err != nil {
			return 0, false
		}
		f = n
	case float64:
		f = t
	case int:
		f = float64(t)
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return 0, false
		}
		f = n
	default:
		return 0, false
	}
	if math.IsNaN(f) || f < 0 {
		return 0, true
	}
	return int(min(f, math.MaxInt32)), true
}
