package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ", ") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// split returns the values, each comma-separated part on its own.
func (r repeated) split() []string {
	var out []string
	for _, v := range r {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

var _ flag.Value = (*repeated)(nil)

// seriesCreate starts a consultation series: a Group actor @SLUG@DOMAIN
// with the template its editions are opened from.
func seriesCreate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin series create", "admin series create --slug SLUG --title TITLE --synthesis-after-days N --closes-after-days N [--prompt TEXT] [--norm TEXT]… [--cohosts DOMAIN,…] [--moderator NAME]… [--participation open|approval|members] [--attribution named|chatham] [--interval-days N] [FLAGS]", e.stderr)
	slug := fs.String("slug", "", "the series' name in handles and addresses (letters, digits and _, at most 24)")
	title := fs.String("title", "", "its title")
	description := fs.String("description", "", "what the series is for (Markdown)")
	prompt := fs.String("prompt", "", "the prompt of each edition (Markdown); {edition} and {date} are filled in")
	participation := fs.String("participation", "open", "who may join each edition: open, approval or members")
	attribution := fs.String("attribution", "named", "how contributions are credited: named or chatham")
	synthesis := fs.Int("synthesis-after-days", 0, "days from an edition's opening to its synthesis phase")
	closes := fs.Int("closes-after-days", 0, "days from an edition's opening to its closing")
	every := fs.Int("interval-days", 0, "open an edition every so many days (0: by hand only)")
	var norms, cohosts, moderators repeated
	fs.Var(&norms, "norm", "a norm of each edition (repeat for several)")
	fs.Var(&cohosts, "cohosts", "the domains of co-hosting instances, separated by commas (or repeat the flag)")
	fs.Var(&moderators, "moderator", "a member who facilitates the series and its editions (repeat for several)")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" || *title == "" {
		return &usageError{msg: "admin series create needs --slug and --title", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	se, err := store.CreateSeries(ctx, roundtable.NewSeries{Slug: *slug, Title: *title, Description: *description,
		PromptPattern: *prompt, Norms: norms, Cohosts: cohosts.split(), Facilitators: moderators,
		Participation: roundtable.Participation(*participation), Attribution: roundtable.Attribution(*attribution),
		SynthesisAfterDays: *synthesis, ClosesAfterDays: *closes, IntervalDays: *every})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(e.stdout, "@%s@%s\n", se.Slug, store.Links().Domain())
	return nil
}

// seriesOpen opens the next edition of a series now, and prints its
// handle.
func seriesOpen(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin series open", "admin series open --series SLUG [FLAGS]", e.stderr)
	slug := fs.String("series", "", "the series")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" {
		return &usageError{msg: "admin series open needs --series", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := store.OpenEdition(ctx, *slug)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(e.stdout, "@%s@%s\n", c.Slug, store.Links().Domain())
	return nil
}
