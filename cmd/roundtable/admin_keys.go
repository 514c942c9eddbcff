package main

import (
	"context"
	"fmt"
)

// keysRotate gives one local actor, or every one, a new key pair and
// queues the Update of each actor for its followers' servers; serve's
// workers deliver it (at once when serve runs, else when it next starts).
func keysRotate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin keys rotate", "admin keys rotate --username NAME | --instance [FLAGS]", e.stderr)
	username := fs.String("username", "", "the member or consultation whose key is replaced")
	all := fs.Bool("instance", false, "replace the keys of every local actor: members, consultations and the instance")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*username == "") == !*all {
		return &usageError{msg: "admin keys rotate needs either --username NAME or --instance", usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	ids, err := store.RotateKeys(ctx, *username)
	for _, id := range ids {
		fmt.Fprintln(e.stdout, id)
	}
	if err != nil {
		return notFoundOr(err, "there is no local member or consultation called %q", *username)
	}
	return nil
}
