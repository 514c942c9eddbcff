package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// advisoryList prints advisories, received ones (drafts first) or those
// issued here with --issued: one per line (id, state, suggested action,
// subject, issuer, summary) or as JSON.
func advisoryList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin advisory list", "admin advisory list [--issued] [--state draft|accepted|dismissed] [--json] [FLAGS]", e.stderr)
	issued := fs.Bool("issued", false, "the advisories this instance published, instead of those received")
	state := fs.String("state", "", "only received advisories in this state: draft, accepted or dismissed")
	asJSON := fs.Bool("json", false, "print a JSON array instead of lines")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *state {
	case "", roundtable.AdvisoryDraft, roundtable.AdvisoryAccepted, roundtable.AdvisoryDismissed:
	default:
		return &usageError{msg: "--state must be draft, accepted or dismissed", usage: adminUsage}
	}
	if *issued && *state != "" {
		return &usageError{msg: "--state applies to received advisories; leave it out with --issued", usage: adminUsage}
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	as, err := store.Advisories(ctx, &roundtable.Member{Role: roundtable.RoleAdmin}, roundtable.AdvisoryFilter{Issued: *issued, State: *state})
	if err != nil {
		return err
	}
	if *asJSON {
		if as == nil {
			as = []*roundtable.Advisory{}
		}
		return writeJSONTo(e.stdout, as)
	}
	for _, a := range as {
		state := a.State
		if a.RetractedAt != nil {
			state = "retracted"
		}
		issuer := store.Links().Domain()
		if a.IssuerDomain != nil {
			issuer = *a.IssuerDomain
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, state, a.SuggestedAction, a.Subject, issuer, oneLine(a.Summary))
	}
	return nil
}

// advisoryPublish publishes an advisory of this instance to the peers
// subscribed to its advisories, in the name of an admin; it prints its id.
func advisoryPublish(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin advisory publish", "admin advisory publish --subject DOMAIN|ACCOUNT-ID --action note|limit|block --summary TEXT [--label L]… [--expires 2027-01-31T00:00:00Z] [--as ADMIN] [FLAGS]", e.stderr)
	subject := fs.String("subject", "", "a domain such as example.org, or an account's ActivityPub id")
	action := fs.String("action", "", "what it suggests: note, limit or block")
	summary := fs.String("summary", "", "the public reason")
	var labels listFlag
	fs.Var(&labels, "label", "a label (repeat for several)")
	expires := fs.String("expires", "", "when it lapses, such as 2027-01-31T00:00:00Z (default: never)")
	as := fs.String("as", "", "the admin in whose name it is published (default: the instance's only admin)")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *subject == "" || *action == "" || strings.TrimSpace(*summary) == "" {
		return &usageError{msg: "admin advisory publish needs --subject, --action and --summary", usage: adminUsage}
	}
	act, err := roundtable.ParseAdvisoryAction(*action)
	if err != nil {
		return &usageError{msg: "--action must be note, limit or block", usage: adminUsage}
	}
	na := roundtable.NewAdvisory{Subject: *subject, Action: act, Summary: *summary, Labels: labels}
	if *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return &usageError{msg: "--expires must be a time such as 2027-01-31T00:00:00Z", usage: adminUsage}
		}
		na.ExpiresAt = &t
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	by, err := actingAdmin(ctx, store, *as)
	if err != nil {
		return err
	}
	a, err := store.PublishAdvisory(ctx, by, na)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintln(e.stdout, a.ID)
	return nil
}

// advisoryRetract withdraws an advisory issued here; its subscribers are
// told.
func advisoryRetract(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "admin advisory retract needs the advisory's ID first (see roundtable admin advisory list --issued)", usage: adminUsage}
	}
	id := args[0]
	fs := newFlagSet("admin advisory retract", "admin advisory retract ID [--reason TEXT] [--as ADMIN] [FLAGS]", e.stderr)
	reason := fs.String("reason", "", "why, for the moderation log")
	as := fs.String("as", "", "the admin in whose name it is retracted (default: the instance's only admin)")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	by, err := actingAdmin(ctx, store, *as)
	if err != nil {
		return err
	}
	_, err = store.RetractAdvisory(ctx, by, id, *reason)
	return notFoundOr(err, "this instance issued no advisory %q (see roundtable admin advisory list --issued)", id)
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ", ") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}
