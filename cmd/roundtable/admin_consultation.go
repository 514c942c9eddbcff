package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// consultationCreate opens a consultation: a Group actor @SLUG@DOMAIN.
func consultationCreate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin consultation create", "admin consultation create --slug SLUG --title TITLE [--prompt TEXT] [--moderator NAME] [--participation open|approval|members] [--attribution named|chatham] [FLAGS]", e.stderr)
	slug := fs.String("slug", "", "the consultation's name in handles and addresses (letters, digits and _)")
	title := fs.String("title", "", "its title")
	prompt := fs.String("prompt", "", "the question put to participants (Markdown)")
	moderator := fs.String("moderator", "", "a member who facilitates it")
	participation := fs.String("participation", "open", "who may join: open, approval or members")
	attribution := fs.String("attribution", "named", "how contributions are credited: named or chatham")
	phase := fs.String("phase", "open", "its phase: draft, open, synthesis or closed")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" || *title == "" {
		return &usageError{msg: "admin consultation create needs --slug and --title", usage: adminUsage}
	}
	nc := roundtable.NewConsultation{Slug: *slug, Title: *title, Prompt: *prompt,
		Phase: roundtable.Phase(*phase), Participation: roundtable.Participation(*participation),
		Attribution: roundtable.Attribution(*attribution)}
	if *moderator != "" {
		nc.Facilitators = []string{*moderator}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := store.CreateConsultation(ctx, nc)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(e.stdout, "@%s@%s\n", c.Slug, store.Links().Domain())
	return nil
}

// consultationSet changes a consultation.
func consultationSet(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "admin consultation set needs the consultation's SLUG first", usage: adminUsage}
	}
	slug := args[0]
	fs := newFlagSet("admin consultation set", "admin consultation set SLUG [--phase draft|open|synthesis|closed] [--participation …] [--title …] [--prompt …] [FLAGS]", e.stderr)
	phase := fs.String("phase", "", "the new phase: draft, open, synthesis or closed")
	participation := fs.String("participation", "", "who may join: open, approval or members")
	title := fs.String("title", "", "a new title")
	prompt := fs.String("prompt", "", "a new prompt (Markdown)")
	moderator := fs.String("moderator", "", "a member to add as facilitator")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	var u roundtable.ConsultationUpdate
	set := false
	if *phase != "" {
		p := roundtable.Phase(*phase)
		u.Phase, set = &p, true
	}
	if *participation != "" {
		p := roundtable.Participation(*participation)
		u.Participation, set = &p, true
	}
	if *title != "" {
		u.Title, set = title, true
	}
	if *prompt != "" {
		u.Prompt, set = prompt, true
	}
	if !set && *moderator == "" {
		return &usageError{msg: "admin consultation set needs something to change", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	if *moderator != "" {
		if err := store.AddFacilitator(ctx, slug, *moderator); err != nil {
			return notFoundOr(err, "there is no consultation %q or no member %q", slug, *moderator)
		}
	}
	if set {
		if _, err := store.UpdateConsultation(ctx, slug, u); err != nil {
			return notFoundOr(err, "there is no consultation %q", slug)
		}
	}
	return nil
}

// domainSet sets the policy towards another instance.
func domainSet(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "admin domain set needs the DOMAIN first", usage: adminUsage}
	}
	domain := args[0]
	fs := newFlagSet("admin domain set", "admin domain set DOMAIN --policy block|limit|default|trust [--reason TEXT] [--private-reason TEXT] [FLAGS]", e.stderr)
	policy := fs.String("policy", "", "block, limit, default or trust")
	reason := fs.String("reason", "", "why, in public: the published list of limited and blocked domains shows it")
	privateReason := fs.String("private-reason", "", "why, for this instance's admins only (kept as it was when not given)")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	change := roundtable.PolicyChange{Domain: domain, Reason: *reason}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "private-reason" {
			change.PrivateReason = privateReason
		}
	})
	p, err := roundtable.ParsePolicy(*policy)
	if err != nil {
		return &usageError{msg: "--policy must be block, limit, default or trust", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	change.Policy = p
	return userError(store.ChangeDomainPolicy(ctx, nil, change))
}

// domainList prints the policies, one per line: domain, policy, public
// reason, private reason.
func domainList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin domain list", "admin domain list [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	ps, err := store.DomainPolicies(ctx)
	if err != nil {
		return err
	}
	software, err := store.PeersSoftware(ctx)
	if err != nil {
		return err
	}
	runs := map[string]string{}
	for _, sw := range software {
		runs[sw.Domain] = oneLine(sw.String())
	}
	for _, p := range ps {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\n", p.Domain, p.Policy, oneLine(p.Reason), oneLine(p.PrivateReason), runs[p.Domain])
		delete(runs, p.Domain)
	}
	// Peers with no policy set, whose software is known.
	for _, sw := range software {
		if run, ok := runs[sw.Domain]; ok {
			fmt.Fprintf(e.stdout, "%s\t%s\t\t\t%s\n", sw.Domain, roundtable.PolicyDefault, run)
		}
	}
	return nil
}

// federationMode sets with whom this instance federates: every peer not
// blocked (open), or only trusted peers (allowlist).
func federationMode(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "admin federation mode needs open or allowlist", usage: adminUsage}
	}
	mode, err := roundtable.ParseFederationMode(args[0])
	if err != nil {
		return &usageError{msg: "the mode must be open or allowlist", usage: adminUsage}
	}
	fs := newFlagSet("admin federation mode", "admin federation mode open|allowlist [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	_, err = store.ChangeInstanceSettings(ctx, nil, roundtable.SettingsChange{FederationMode: &mode})
	return userError(err)
}

// notFoundOr says what was not found, or passes other errors on as user
// errors.
func notFoundOr(err error, format string, args ...any) error {
	if errorsIsNotFound(err) {
		return fmt.Errorf(format, args...)
	}
	return userError(err)
}
