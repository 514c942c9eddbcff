package federation

import (
	"context"

	"github.com/roundtable-fed/roundtable"
)

// consultationBan applies a Group's Block: a ban from its consultation
// (FEP-1b12, Lemmy and PieFed practice). The banned account is read from
// its origin when it is not known here, so that the ban is recorded
// whoever it concerns; the reason is the Block's summary.
func (f *Federator) consultationBan(ctx context.Context, group *roundtable.Account, doc map[string]any) error {
	objectURI := str(doc["object"])
	if objectURI == "" {
		return permanent("a ban names no account")
	}
	if t := str(doc["target"]); t != "" && t != group.URI {
		return permanent("a consultation bans from itself only, not from %s", t)
	}
	target, err := f.accountByURI(ctx, objectURI)
	if err != nil {
		return err
	}
	reason := text(doc, "summary")
	if reason == "" {
		reason = text(doc, "content")
	}
	return f.store.ReceiveConsultationBan(ctx, group, target, str(doc["id"]), reason)
}
