package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/web"
)

// consultationList prints the consultations hosted here, drafts included,
// newest first: one per line (slug, phase, participation, attribution,
// contributions, title) or as the Roundtable API's JSON.
func consultationList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin consultation list", "admin consultation list [--json] [FLAGS]", e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON array, as the Roundtable API gives consultations")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	cs, err := store.Consultations(ctx, true)
	if err != nil {
		return err
	}
	docs := []any{}
	for _, c := range cs {
		st, err := store.ConsultationStats(ctx, c)
		if err != nil {
			return err
		}
		if *asJSON {
			docs = append(docs, web.ConsultationDocument(store, c, st))
			continue
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%d\t%s\n", c.Slug, c.Phase, c.Participation, c.Attribution, st.Contributions, oneLine(c.Title))
	}
	if *asJSON {
		return writeJSONTo(e.stdout, docs)
	}
	return nil
}

// consultationExport writes a consultation's contributions, in the format
// of its facilitators' export, to standard output or a file.
func consultationExport(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin consultation export", "admin consultation export --slug SLUG [--format json|csv] [--include-authors] [--out FILE] [FLAGS]", e.stderr)
	slug := fs.String("slug", "", "the consultation")
	format := fs.String("format", "json", "json or csv")
	withAuthors := fs.Bool("include-authors", false, "name the authors under the Chatham House rule too (they are always named otherwise)")
	out := fs.String("out", "", "the file to write (default: standard output); it must not exist")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slug == "" {
		return &usageError{msg: "admin consultation export needs --slug (see roundtable admin consultation list)", usage: adminUsage}
	}
	if *format != "json" && *format != "csv" {
		return &usageError{msg: "--format must be json or csv", usage: adminUsage}
	}
	if *out != "" {
		if _, err := os.Lstat(*out); err == nil {
			return fmt.Errorf("--out %s exists already: name a new file", *out)
		}
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	// Exports are made for a facilitator; every admin facilitates every
	// consultation of the instance.
	ex, err := store.ExportConsultation(ctx, &roundtable.Member{Role: roundtable.RoleAdmin}, *slug, *withAuthors)
	if err != nil {
		return notFoundOr(err, "there is no consultation %q (see roundtable admin consultation list)", *slug)
	}
	var w io.Writer = e.stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("--out: %v", err)
		}
		if err := web.WriteExport(f, store, ex, *format); err != nil {
			f.Close()
			os.Remove(*out)
			return fmt.Errorf("write %s: %v", *out, err)
		}
		if err := f.Close(); err != nil {
			os.Remove(*out)
			return fmt.Errorf("write %s: %v", *out, err)
		}
		fmt.Fprintln(e.stdout, *out)
		return nil
	}
	return web.WriteExport(w, store, ex, *format)
}
