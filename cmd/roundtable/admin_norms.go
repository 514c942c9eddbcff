package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// normAdd adds one of the instance's norms.
func normAdd(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin norm add", "admin norm add --text TEXT [--hint HINT] [FLAGS]", e.stderr)
	text := fs.String("text", "", "the norm, in a short sentence")
	hint := fs.String("hint", "", "what it means in practice")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *text == "" {
		return &usageError{msg: "admin norm add needs --text", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	n, err := store.AddNorm(ctx, roundtable.NewNorm{Text: *text, Hint: *hint})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(e.stdout, "%d\t%s\n", n.Number, n.ID)
	return nil
}

// normList prints the norms, one per line: number, id, text.
func normList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin norm list", "admin norm list [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	norms, err := store.Norms(ctx)
	if err != nil {
		return err
	}
	for _, n := range norms {
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\n", n.Number, n.ID, n.Text)
	}
	return nil
}

// normRemove removes a norm by its id.
func normRemove(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return &usageError{msg: "admin norm remove needs the norm's ID (see admin norm list)", usage: adminUsage}
	}
	id := args[0]
	fs := newFlagSet("admin norm remove", "admin norm remove ID [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	return notFoundOr(store.RemoveNorm(ctx, id), "there is no norm %q", id)
}
