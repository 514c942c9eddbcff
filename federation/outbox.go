package federation

import (
	"crypto/sha256"
	"encoding/hex"
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
