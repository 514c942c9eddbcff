package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// Co-hosting between instances, spoken by their instance actors (FEP-2677):
//
//	host → co-host   Invite{object: Group, target: co-host's actor}; an
//	                 edition's names its series' Group as context
//	co-host → host   Accept{Invite} or Reject{Invite}; an Accept carries the
//	                 co-host's norms as result: Collection of Notes
//	co-host → host   Leave{object: Group}
//	host → co-host   Remove{object: co-host's actor, target: Group}
//	co-host → host   Add{object: facilitator, target: Group's moderators}
//	                 and Remove{…} to take a facilitator back
//
// A co-host's facilitator moderates from their own instance, as FEP-1b12
// moderators do: Delete{actor: facilitator, object: contribution,
// audience: Group, summary: reason} to the Group's inbox. The host checks
// that the facilitator is a current moderator, removes the contribution
// and announces its own removal to the Group's followers.

// cohostActivity builds the activity of one co-hosting step.
func (f *Federator) cohostActivity(o *roundtable.Outgoing) map[string]any {
	h := o.Cohost
	// Each step has the id the store gave it (ActivityID); an answer's is
	// derived from the invitation, so answering twice gives one activity.
	doc := map[string]any{"@context": contextValue, "actor": o.Actor.URI}
	switch h.Type {
	case roundtable.CohostInvite:
		doc["id"], doc["type"], doc["object"], doc["target"], doc["to"] = h.InviteURI, "Invite", h.GroupURI, h.Target, []any{h.Target}
		if h.Series != "" {
			doc["context"] = h.Series // the series the consultation is an edition of
		}
	case roundtable.CohostAccept, roundtable.CohostDecline:
		sum := sha256.Sum256([]byte(h.InviteURI))
		doc["id"] = o.Actor.URI + "#cohost-answers/" + hex.EncodeToString(sum[:13])
		doc["type"], doc["to"] = h.Type, []any{h.Target}
		doc["object"] = map[string]any{"id": h.InviteURI, "type": "Invite", "actor": h.Target, "object": h.GroupURI, "target": o.Actor.URI}
		if h.Type == roundtable.CohostAccept {
			items := make([]any, 0, len(h.Norms))
			for _, n := range h.Norms {
				items = append(items, map[string]any{"type": "Note", "content": n})
			}
			doc["result"] = map[string]any{"type": "Collection", "name": "norms", "totalItems": len(items), "items": items}
		}
	case roundtable.CohostLeave:
		doc["id"], doc["type"], doc["object"], doc["to"] = o.ActivityID, "Leave", h.GroupURI, []any{h.Target}
	case roundtable.CohostWithdraw:
		doc["id"], doc["type"], doc["object"], doc["target"], doc["to"] = o.ActivityID, "Remove", h.Target, h.GroupURI, []any{h.Target}
	case roundtable.CohostAddFacilitator, roundtable.CohostRemoveFacilitator:
		doc["type"] = "Add"
		if h.Type == roundtable.CohostRemoveFacilitator {
			doc["type"] = "Remove"
		}
		doc["id"], doc["object"], doc["target"], doc["to"] = o.ActivityID, h.Target, h.GroupURI+"/moderators", []any{h.GroupURI}
	case roundtable.CohostThread:
		doc["id"], doc["audience"], doc["to"] = o.ActivityID, h.GroupURI, []any{h.GroupURI}
		switch h.Action {
		case roundtable.LockThread:
			doc["type"], doc["object"] = "Lock", h.ObjectURI
		case roundtable.UnlockThread:
			doc["type"] = "Undo"
			doc["object"] = map[string]any{"type": "Lock", "actor": o.Actor.URI, "object": h.ObjectURI, "audience": h.GroupURI}
		case roundtable.PinThread, roundtable.UnpinThread:
			doc["type"], doc["object"], doc["target"] = "Add", h.ObjectURI, h.GroupURI+"/featured"
			if h.Action == roundtable.UnpinThread {
				doc["type"] = "Remove"
			}
		}
	case roundtable.CohostSynthesis:
		sources := make([]any, 0, len(h.Synthesis.Sources))
		for _, uri := range h.Synthesis.Sources {
			sources = append(sources, map[string]any{"type": "Link", "href": uri})
		}
		doc["id"], doc["type"], doc["audience"], doc["to"] = o.ActivityID, "Create", h.GroupURI, []any{h.GroupURI}
		doc["object"] = map[string]any{"id": o.ActivityID + "/draft", "type": "Article", "attributedTo": o.Actor.URI,
			"audience": h.GroupURI, "to": []any{h.GroupURI}, "name": h.Synthesis.Title, "content": escapeHTML(h.Synthesis.Text),
			"source": map[string]any{"content": h.Synthesis.Text, "mediaType": "text/markdown"}, "tag": sources}
	case roundtable.CohostJoinAnswer:
		cohostJoinAnswerActivity(doc, h, o.ActivityID)
	case roundtable.CohostRemoval:
		doc["id"], doc["type"], doc["object"], doc["audience"] = o.ActivityID, "Delete", h.ObjectURI, h.GroupURI
		doc["to"], doc["summary"] = []any{h.GroupURI}, h.Reason
	}
	return doc
}

// cohostModeration reports whether doc is a moderation Delete that a
// current co-host facilitator (actor) sends a consultation hosted here.
func (f *Federator) cohostModeration(ctx context.Context, doc map[string]any, actor string) bool {
	if typeOf(doc) != "Delete" {
		return false
	}
	groups := strs(doc["audience"])
	return len(groups) == 1 && f.store.IsCohostModerator(ctx, actor, groups[0])
}

// cohostDelete applies a co-host facilitator's removal; it reports whether
// the Delete was one (an object on another server, addressed to a Group).
func (f *Federator) cohostDelete(ctx context.Context, actor *roundtable.Account, doc map[string]any) (bool, error) {
	uri := str(doc["object"])
	groups := strs(doc["audience"])
	if len(groups) != 1 || sameHost(uri, actor.URI) {
		return false, nil
	}
	return true, f.store.ReceiveCohostRemoval(ctx, actor, groups[0], uri, text(doc, "summary"))
}

// cohostAnswer applies a peer's Accept or Reject of an invitation to
// co-host; it reports whether the answer was about one.
func (f *Federator) cohostAnswer(ctx context.Context, peer *roundtable.Account, doc map[string]any) (bool, error) {
	inviteURI := str(doc["object"])
	if inner := obj(doc["object"]); inner != nil {
		inviteURI = str(inner["id"])
	}
	if !strings.Contains(inviteURI, "#cohost-invites/") {
		return false, nil
	}
	var norms []string
	if res := obj(doc["result"]); res != nil {
		for _, n := range objects(res["items"]) {
			norms = append(norms, text(n, "content"))
		}
	}
	return true, f.store.ReceiveCohostAnswer(ctx, peer, inviteURI, typeOf(doc) == "Accept", norms)
}

// cohostInvite records a peer's invitation to co-host its consultation.
func (f *Federator) cohostInvite(ctx context.Context, from *roundtable.Account, doc map[string]any) error {
	if str(doc["target"]) != f.links.InstanceActor() {
		return nil // an invitation of something else, or to someone else
	}
	groupURI := str(doc["object"])
	if !sameHost(groupURI, from.URI) {
		return permanent("invitation to co-host %s, which %s does not host", groupURI, from.URI)
	}
	group, err := f.accountByURI(ctx, groupURI)
	if err != nil {
		return err
	}
	if err := f.store.ReceiveCohostInvite(ctx, from, group, str(doc["id"])); err != nil {
		return err
	}
	if series := str(doc["context"]); series != "" {
		return f.store.ReceiveSeriesCohostInvite(ctx, from, group, str(doc["id"]), series)
	}
	return nil
}

// cohostAddRemove applies an Add or Remove about co-hosting: a host
// withdrawing this instance, or a co-host naming or taking back one of its
// facilitators. Others are left alone.
func (f *Federator) cohostAddRemove(ctx context.Context, from *roundtable.Account, doc map[string]any) error {
	object, target := str(doc["object"]), str(doc["target"])
	if typeOf(doc) == "Remove" && object == f.links.InstanceActor() {
		return f.store.ReceiveCohostWithdrawal(ctx, from, target)
	}
	if group, ok := strings.CutSuffix(target, "/featured"); ok && str(doc["audience"]) == group {
		a := roundtable.PinThread
		if typeOf(doc) == "Remove" {
			a = roundtable.UnpinThread
		}
		return f.store.ReceiveCohostThreadAction(ctx, from, group, object, a)
	}
	if !strings.HasSuffix(target, "/moderators") || !strings.HasPrefix(target, f.links.Base+"/") || !sameHost(object, from.URI) {
		return nil
	}
	facilitator, err := f.accountByURI(ctx, object)
	if err != nil {
		return err
	}
	return f.store.ReceiveCohostFacilitator(ctx, from, target, facilitator, typeOf(doc) == "Add")
}

// cohostLock applies a co-host facilitator's Lock of a thread, or its Undo.
func (f *Federator) cohostLock(ctx context.Context, from *roundtable.Account, lock map[string]any, undo bool) error {
	a := roundtable.LockThread
	if undo {
		a = roundtable.UnlockThread
	}
	if str(lock["actor"]) != "" && str(lock["actor"]) != from.URI {
		return permanent("a Lock undone by someone else")
	}
	return f.store.ReceiveCohostThreadAction(ctx, from, str(lock["audience"]), str(lock["object"]), a)
}

// cohostFieldName names the co-hosts of a consultation among its Group's
// profile fields (PropertyValue attachments, which Mastodon shows).
const cohostFieldName = "Co-host"

// cohostFields are the profile fields naming a consultation's co-hosts.
func cohostFields(domains []string) []any {
	out := []any{}
	for _, d := range domains {
		out = append(out, map[string]any{"type": "PropertyValue", "name": cohostFieldName, "value": d})
	}
	return out
}

// cohostsOf reads the co-hosts a Group's document names.
func cohostsOf(doc map[string]any) []string {
	var out []string
	for _, a := range objects(doc["attachment"]) {
		if typeOf(a) == "PropertyValue" && str(a["name"]) == cohostFieldName {
			out = append(out, str(a["value"]))
		}
	}
	return out
}

// cohostSynthesis takes the synthesis a co-host's facilitator wrote for a
// consultation hosted here; it reports whether note was one.
func (f *Federator) cohostSynthesis(ctx context.Context, actor *roundtable.Account, note map[string]any) (bool, error) {
	if typeOf(note) != "Article" || !strings.Contains(str(note["id"]), "#cohost-syntheses/") {
		return false, nil
	}
	ns := roundtable.NewSynthesis{Title: text(note, "name"), Text: str(obj(note["source"])["content"])}
	for _, t := range objects(note["tag"]) {
		if typeOf(t) == "Link" {
			ns.Sources = append(ns.Sources, str(t["href"]))
		}
	}
	return true, f.store.ReceiveCohostSynthesis(ctx, actor, str(note["audience"]), ns)
}
