package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// The co-hosting commands. On the host: invite and withdraw a peer. On the
// co-host: list, accept or decline invitations, leave, and name
// facilitators. What they change reaches the other instance through serve's
// delivery workers.

// cohost runs "admin cohost ACTION …".
func cohost(ctx context.Context, action string, args []string, e env) error {
	fs := newFlagSet("admin cohost "+action, "admin cohost "+action+" … [FLAGS]", e.stderr)
	remove := fs.Bool("remove", false, "with facilitator: no longer a facilitator")
	cf := addConfigFlags(fs)
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	want := map[string]int{"invite": 2, "withdraw": 2, "list": 0, "accept": 1, "decline": 1, "leave": 1, "facilitator": 2}
	n, ok := want[action]
	if !ok {
		return &usageError{msg: fmt.Sprintf("unknown admin command %q", "cohost "+action), usage: adminUsage}
	}
	if len(pos) != n {
		return &usageError{msg: fmt.Sprintf("admin cohost %s needs %d arguments", action, n), usage: adminUsage}
	}
	store, closeStore, err := openPublishingStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	var h *roundtable.Cohost
	switch action {
	case "invite":
		h, err = store.InviteCohost(ctx, nil, pos[0], pos[1])
	case "withdraw":
		err = store.WithdrawCohost(ctx, nil, pos[0], pos[1])
	case "accept", "decline":
		h, err = store.AnswerCohostInvite(ctx, nil, pos[0], action == "accept")
	case "leave":
		err = store.LeaveCohost(ctx, nil, pos[0])
	case "facilitator":
		h, err = store.NameCohostFacilitator(ctx, nil, pos[0], pos[1], !*remove)
	case "list":
		var list []*roundtable.Cohost
		if list, err = store.Cohosts(ctx, nil); err == nil {
			for _, h := range list {
				printCohost(e, h)
			}
		}
	}
	if err != nil {
		return notFoundOr(err, "no such consultation or co-hosting")
	}
	if h != nil {
		printCohost(e, h)
	}
	return nil
}

// printCohost prints one co-hosting: id, consultation, whether hosted here,
// the other instance, state, facilitators named.
func printCohost(e env, h *roundtable.Cohost) {
	role := "invited-by"
	if h.Hosting {
		role = "cohost"
	}
	var names []string
	for _, f := range h.Facilitators {
		names = append(names, f.Acct())
	}
	fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.GroupName, role, h.Domain, h.State, strings.Join(names, ","))
}
