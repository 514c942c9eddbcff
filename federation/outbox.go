package federation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/go-fed/activity/streams"

	"github.com/roundtable-fed/roundtable"
)

// activityFor builds the activity document that tells other servers of a
// local change.
func (f *Federator) activityFor(o *roundtable.Outgoing) (map[string]any, error) {
	switch o.Kind {
	case roundtable.OutCreate, roundtable.OutUpdate:
		return f.wrapStatus(o)
	case roundtable.OutDelete:
		return f.deleteStatus(o)
	case roundtable.OutDeleteActor:
		return map[string]any{"@context": contextValue, "id": o.Actor.URI + "#delete", "type": "Delete", "actor": o.Actor.URI,
			"object": o.Actor.URI, "to": []any{publicIRI}}, nil
	case roundtable.OutVote:
		return voteActivity(o), nil
	case roundtable.OutAdvisory, roundtable.OutRetractAdvisory, roundtable.OutUpdateAdvisory:
		return f.advisoryActivity(o), nil
	case roundtable.OutUnsubscribeAdvisories:
		return map[string]any{"@context": contextValue, "id": o.ActivityID + "/undo", "type": "Undo", "actor": o.Actor.URI,
			"to": []any{o.Target.URI}, "object": map[string]any{"id": o.ActivityID, "type": "Follow", "actor": o.Actor.URI,
				"object": o.ObjectURI}}, nil
	case roundtable.OutFollow, roundtable.OutLike:
		a, err := newActivity(o.Kind)
		if err != nil {
			return nil, err
		}
		a.SetJSONLDId(idProp(o.ActivityID))
		a.SetActivityStreamsActor(actorProp(o.Actor.URI))
		obj := streams.NewActivityStreamsObjectProperty()
		if o.Kind == roundtable.OutFollow {
			obj.AppendIRI(iri(o.Target.URI))
		} else {
			obj.AppendIRI(iri(o.ObjectURI))
		}
		a.SetActivityStreamsObject(obj)
		a.SetActivityStreamsTo(toProp([]string{o.Target.URI}))
		return document(a)
	case roundtable.OutUndoFollow, roundtable.OutUndoLike:
		inner := &roundtable.Outgoing{Kind: roundtable.OutFollow, Actor: o.Actor, Target: o.Target, ActivityID: o.ActivityID}
		if o.Kind == roundtable.OutUndoLike {
			inner.Kind, inner.ObjectURI = roundtable.OutLike, o.ObjectURI
		}
		innerDoc, err := f.activityFor(inner)
		if err != nil {
			return nil, err
		}
		delete(innerDoc, "@context")
		return map[string]any{"@context": contextValue, "id": o.ActivityID + "/undo", "type": "Undo",
			"actor": o.Actor.URI, "to": []any{o.Target.URI}, "object": innerDoc}, nil
	case roundtable.OutRemove:
		sum := sha256.Sum256([]byte(o.ObjectURI))
		del := map[string]any{"id": o.Actor.URI + "#removals/" + hex.EncodeToString(sum[:13]), "type": "Delete",
			"actor": o.Actor.URI, "object": o.ObjectURI, "summary": o.Reason, "audience": o.Actor.URI,
			"to": []any{publicIRI}, "cc": []any{o.Actor.Followers}}
		return map[string]any{"@context": contextValue, "id": o.Actor.URI + "#announces/removals/" + hex.EncodeToString(sum[:13]),
			"type": "Announce", "actor": o.Actor.URI, "to": []any{publicIRI}, "cc": []any{o.Actor.Followers},
			"audience": o.Actor.URI, "object": del}, nil
	case roundtable.OutBlock:
		return map[string]any{"@context": contextValue, "id": o.ActivityID, "type": "Block", "actor": o.Actor.URI,
			"object": o.Target.URI, "to": []any{o.Target.URI}}, nil
	case roundtable.OutUndoBlock:
		return map[string]any{"@context": contextValue, "id": o.ActivityID + "/undo", "type": "Undo", "actor": o.Actor.URI,
			"to": []any{o.Target.URI}, "object": map[string]any{"id": o.ActivityID, "type": "Block", "actor": o.Actor.URI,
				"object": o.Target.URI}}, nil
	case roundtable.OutBan, roundtable.OutUndoBan:
		// A ban from a consultation, as FEP-1b12 groups send it: the Group
		// blocks the account, with the consultation as target.
		block := map[string]any{"id": o.ActivityID, "type": "Block", "actor": o.Actor.URI, "object": o.Target.URI,
			"target": o.Actor.URI, "summary": o.Reason, "audience": o.Actor.URI,
			"to": []any{publicIRI}, "cc": []any{o.Actor.Followers, o.Target.URI}}
		if o.Kind == roundtable.OutBan {
			block["@context"] = contextValue
			return block, nil
		}
		return map[string]any{"@context": contextValue, "id": o.ActivityID + "/undo", "type": "Undo", "actor": o.Actor.URI,
			"to": []any{publicIRI}, "cc": []any{o.Actor.Followers, o.Target.URI}, "audience": o.Actor.URI, "object": block}, nil
	case roundtable.OutFlag:
		objects := make([]any, len(o.ObjectURIs))
		for i, u := range o.ObjectURIs {
			objects[i] = u
		}
		return map[string]any{"@context": contextValue, "id": o.Actor.URI + "#flags/" + o.ActivityID, "type": "Flag",
			"actor": o.Actor.URI, "object": objects, "content": o.Reason}, nil
	case roundtable.OutRejectActivity:
		sum := sha256.Sum256([]byte(o.ObjectURI))
		doc := map[string]any{"@context": contextValue, "id": o.Actor.URI + "#rejects/" + hex.EncodeToString(sum[:13]),
			"type": "Reject", "actor": o.Actor.URI, "to": []any{o.Target.URI}, "object": o.ObjectURI}
		if o.Reason != "" {
			doc["summary"] = o.Reason
		}
		return doc, nil
	case roundtable.OutUpdateActor:
		actor, err := f.actorDocument(o.Actor, o.Account, o.Consultation)
		if err != nil {
			return nil, err
		}
		delete(actor, "@context")
		return map[string]any{"@context": contextValue, "id": o.Actor.URI + "#updates/" + strconv.FormatInt(o.Account.UpdatedAt.UnixMilli(), 10),
			"type": "Update", "actor": o.Actor.URI, "to": []any{publicIRI}, "cc": []any{o.Actor.Followers}, "object": actor}, nil
	case roundtable.OutReblog, roundtable.OutUndoReblog:
		return reblogActivity(o), nil
	case roundtable.OutEdition:
		return editionAnnounce(o), nil
	case roundtable.OutCohost:
		return f.cohostActivity(o), nil
	case roundtable.OutAcceptQuote, roundtable.OutRejectQuote:
		return quoteAnswer(o), nil
	case roundtable.OutAccept, roundtable.OutReject:
		// The answer embeds the Follow it answers, as Mastodon does.
		follow := map[string]any{"id": o.ActivityID, "type": "Follow", "actor": o.Target.URI, "object": o.Actor.URI}
		// The answer's id is derived from the follow's, so answering twice
		// gives the same activity.
		sum := sha256.Sum256([]byte(o.ActivityID))
		return map[string]any{"@context": contextValue, "id": o.Actor.URI + "#" + lower(o.Kind) + "s/" + hex.EncodeToString(sum[:13]),
			"type": o.Kind, "actor": o.Actor.URI, "to": []any{o.Target.URI}, "object": follow}, nil
	}
	return nil, fmt.Errorf("no activity for %q", o.Kind)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// wrapStatus wraps a status's Note in a Create or Update addressed as the
// Note is.
func (f *Federator) wrapStatus(o *roundtable.Outgoing) (map[string]any, error) {
	a, err := newActivity(o.Kind)
	if err != nil {
		return nil, err
	}
	id := o.Object.URI + "/activity"
	if o.Kind == roundtable.OutUpdate {
		t := o.Object.Published
		if o.Object.Updated != nil {
			t = *o.Object.Updated
		}
		id = o.Object.URI + "#updates/" + strconv.FormatInt(t.UnixMilli(), 10)
	}
	if o.ActivityID != "" {
		id = o.ActivityID // new poll results
	}
	a.SetJSONLDId(idProp(id))
	a.SetActivityStreamsActor(actorProp(o.Actor.URI))
	to, cc := addressing(o.Object)
	a.SetActivityStreamsTo(toProp(to))
	a.SetActivityStreamsCc(ccProp(cc))
	obj := streams.NewActivityStreamsObjectProperty()
	obj.AppendActivityStreamsNote(f.noteOf(o.Object))
	a.SetActivityStreamsObject(obj)
	doc, err := document(a)
	if err != nil {
		return nil, err
	}
	published := o.Object.Published
	if o.Kind == roundtable.OutUpdate && o.Object.Updated != nil {
		published = *o.Object.Updated
	}
	doc["published"] = published.UTC().Truncate(time.Second).Format(time.RFC3339)
	if note, ok := doc["object"].(map[string]any); ok {
		f.noteExtensions(note, o.Object)
	}
	if o.Object.Poll != nil {
		doc["@context"] = questionContext
	}
	return doc, nil
}

// deleteStatus tells the status's audience it is gone: a Delete of a
// Tombstone, addressed as the status was.
func (f *Federator) deleteStatus(o *roundtable.Outgoing) (map[string]any, error) {
	a, err := newActivity("Delete")
	if err != nil {
		return nil, err
	}
	a.SetJSONLDId(idProp(o.Object.URI + "#delete"))
	a.SetActivityStreamsActor(actorProp(o.Actor.URI))
	to, cc := addressing(o.Object)
	a.SetActivityStreamsTo(toProp(to))
	a.SetActivityStreamsCc(ccProp(cc))
	t := streams.NewActivityStreamsTombstone()
	t.SetJSONLDId(idProp(o.Object.URI))
	obj := streams.NewActivityStreamsObjectProperty()
	obj.AppendActivityStreamsTombstone(t)
	a.SetActivityStreamsObject(obj)
	return document(a)
}

// announces builds what a Group sends its followers for an accepted
// contribution (FEP-1b12): an Announce of the activity, exactly as the
// author's server sent it when it came from elsewhere; and for a thread
// starter, an Announce of the object itself, which servers without groups
// (Mastodon) show as a boost.
func (f *Federator) announces(o *roundtable.Outgoing) ([]json.RawMessage, error) {
	inner := json.RawMessage(o.RawActivity)
	if inner == nil {
		kind := o.InnerKind
		if kind == "" {
			kind = roundtable.OutCreate
		}
		doc, err := f.activityFor(&roundtable.Outgoing{Kind: kind, Actor: o.Target, Object: o.Object})
		if err != nil {
			return nil, err
		}
		delete(doc, "@context")
		if inner, err = json.Marshal(doc); err != nil {
			return nil, err
		}
	}
	// The Announce's id follows the activity it carries, so announcing a
	// contribution, its edit and its deletion are three activities.
	var innerID struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(inner, &innerID)
	if innerID.ID == "" {
		innerID.ID = o.Object.URI
	}
	sum := sha256.Sum256([]byte(innerID.ID))
	base := o.Actor.URI + "#announces/" + hex.EncodeToString(sum[:13])
	published := o.Object.Published
	if published.IsZero() || o.InnerKind == roundtable.OutUpdate || o.InnerKind == roundtable.OutDelete {
		published = time.Now()
	}
	wrap := func(id string, object any) (json.RawMessage, error) {
		return json.Marshal(map[string]any{"@context": contextValue, "id": id, "type": "Announce", "actor": o.Actor.URI,
			"to": []any{publicIRI}, "cc": []any{o.Actor.Followers}, "audience": o.Actor.URI,
			"published": published.UTC().Truncate(time.Second).Format(time.RFC3339), "object": object})
	}
	activity, err := wrap(base, inner)
	if err != nil {
		return nil, err
	}
	out := []json.RawMessage{activity}
	if o.Thread {
		boost, err := wrap(base+"/object", o.Object.URI)
		if err != nil {
			return nil, err
		}
		out = append(out, boost)
	}
	return out, nil
}

// reblogActivity builds a member's Announce of a status (a reblog),
// addressed as Mastodon does: a public status's to the public, an unlisted
// one's to the member's followers; or the Undo that takes it back.
func reblogActivity(o *roundtable.Outgoing) map[string]any {
	to, cc := []any{publicIRI}, []any{o.Target.URI, o.Actor.Followers}
	if o.Object.Visibility == roundtable.Unlisted {
		to, cc = []any{o.Actor.Followers}, []any{publicIRI, o.Target.URI}
	}
	announce := map[string]any{"id": o.ActivityID, "type": "Announce", "actor": o.Actor.URI,
		"published": o.Object.Published.UTC().Truncate(time.Second).Format(time.RFC3339),
		"to":        to, "cc": cc, "object": o.ObjectURI}
	if o.Kind == roundtable.OutReblog {
		announce["@context"] = contextValue
		return announce
	}
	return map[string]any{"@context": contextValue, "id": o.ActivityID + "/undo", "type": "Undo", "actor": o.Actor.URI,
		"to": to, "cc": cc, "object": announce}
}
