package federation

import (
	"context"

	"github.com/roundtable-fed/roundtable"
)

// refusedContribution applies a Group's Reject of a contribution sent to
// it, or an account's Reject of a reply to it: the Reject's object names
// the Create refused (or the status, or embeds the Create). It reports
// whether the Reject was such a refusal; a Reject of a follow is left to
// the caller.
func (f *Federator) refusedContribution(ctx context.Context, group *roundtable.Account, doc map[string]any) (bool, error) {
	object := doc["object"]
	ids := []string{str(object)}
	if o := obj(object); o != nil {
		if typeOf(o) == "Follow" {
			return false, nil
		}
		ids = append(ids, str(o["object"]))
	}
	reason := text(doc, "summary")
	if reason == "" {
		reason = text(doc, "content")
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if ok, err := f.store.ReceiveRefusal(ctx, group, id, reason); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}
