package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// accountJSON is one member as admin account list --json prints it.
type accountJSON struct {
	ID          string     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Email       string     `json:"email"`
	Role        string     `json:"role"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	SuspendedAt *time.Time `json:"suspended_at"`
	DisabledAt  *time.Time `json:"disabled_at"`
}

// memberState is what keeps a member from taking part, if anything:
// pending (awaiting approval), suspended, disabled (sign-in turned off) or
// active.
func memberState(m *roundtable.Member) string {
	switch {
	case !m.Approved:
		return "pending"
	case m.SuspendedAt != nil:
		return "suspended"
	case m.DisabledAt != nil:
		return "disabled"
	}
	return "active"
}

// accountList prints the members: those awaiting approval first, then the
// others by user name; one per line (user name, role, state, e-mail,
// joined) or as JSON.
func accountList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account list", "admin account list [--pending] [--role member|moderator|admin] [--json] [FLAGS]", e.stderr)
	pending := fs.Bool("pending", false, "only the members awaiting approval")
	role := fs.String("role", "", "only the members with this role: member, moderator or admin")
	asJSON := fs.Bool("json", false, "print a JSON array instead of lines")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *role != "" {
		if _, err := roundtable.ParseRole(*role); err != nil {
			return &usageError{msg: "--role must be member, moderator or admin", usage: adminUsage}
		}
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	members, err := store.PendingMembers(ctx)
	if err != nil {
		return err
	}
	if !*pending {
		approved, err := store.Members(ctx, 10000)
		if err != nil {
			return err
		}
		members = append(members, approved...)
	}
	out := []accountJSON{}
	for i := range members {
		m := &members[i]
		if *role != "" && string(m.Role) != *role {
			continue
		}
		out = append(out, accountJSON{ID: m.ID, Username: m.Username, DisplayName: m.DisplayName, Email: m.Email,
			Role: string(m.Role), State: memberState(m), CreatedAt: m.CreatedAt.UTC(), SuspendedAt: m.SuspendedAt, DisabledAt: m.DisabledAt})
	}
	if *asJSON {
		return writeJSONTo(e.stdout, out)
	}
	for _, a := range out {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, a.State, a.Email, a.CreatedAt.Format("2006-01-02"))
	}
	return nil
}

// writeJSONTo prints v as indented JSON.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// memberNamed returns the local member called username, or an error saying
// there is none.
func memberNamed(ctx context.Context, store *roundtable.Store, username string) (*roundtable.Member, error) {
	m, err := store.MemberByUsername(ctx, username)
	if err != nil {
		return nil, notFoundOr(err, "there is no member called %q (see roundtable admin account list)", username)
	}
	return m, nil
}

// openForMember opens the store (able to tell other servers, when
// publishing) and finds the member named username in it.
func openForMember(ctx context.Context, cf *configFlags, e env, username string, publishing bool) (*roundtable.Store, *roundtable.Member, func(), error) {
	open := openStore
	if publishing {
		open = openPublishingStore
	}
	store, closeStore, err := open(ctx, cf, e)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := memberNamed(ctx, store, username)
	if err != nil {
		closeStore()
		return nil, nil, nil, err
	}
	return store, m, closeStore, nil
}

// actingAdmin returns the admin in whose name a moderation command acts and
// is logged: the member named by --as, or the instance's only admin.
func actingAdmin(ctx context.Context, store *roundtable.Store, as string) (*roundtable.Member, error) {
	if as != "" {
		m, err := memberNamed(ctx, store, as)
		if err != nil {
			return nil, err
		}
		if m.Role != roundtable.RoleAdmin {
			return nil, fmt.Errorf("--as %s: %s is a %s, not an admin; name an admin", as, as, m.Role)
		}
		return m, nil
	}
	members, err := store.Members(ctx, 10000)
	if err != nil {
		return nil, err
	}
	var admins []*roundtable.Member
	for i := range members {
		if members[i].Role == roundtable.RoleAdmin {
			admins = append(admins, &members[i])
		}
	}
	switch len(admins) {
	case 1:
		return admins[0], nil
	case 0:
		return nil, errors.New("this instance has no admin to act in the name of; create one with roundtable admin account create --role admin")
	}
	return nil, errors.New("this instance has several admins: name the one acting with --as NAME")
}

// accountApprove lets a member who signed up sign in.
func accountApprove(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account approve", "admin account approve --username NAME [FLAGS]", e.stderr)
	username := fs.String("username", "", "the member awaiting approval")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return &usageError{msg: "admin account approve needs --username", usage: adminUsage}
	}
	store, m, closeStore, err := openForMember(ctx, cf, e, *username, false)
	if err != nil {
		return err
	}
	defer closeStore()
	if m.Approved {
		return fmt.Errorf("%s is approved already", m.Username)
	}
	return userError(store.ApproveMember(ctx, m.ID))
}

// accountSuspend suspends a member (or lifts a suspension), with a reason
// they are told, in the name of an admin.
func accountSuspend(lift bool) func(context.Context, []string, env) error {
	name := "admin account suspend"
	if lift {
		name = "admin account unsuspend"
	}
	return func(ctx context.Context, args []string, e env) error {
		fs := newFlagSet(name, name+" --username NAME --reason TEXT [--as ADMIN] [FLAGS]", e.stderr)
		username := fs.String("username", "", "the member")
		reason := fs.String("reason", "", "why, in a sentence: the member is told and the moderation log keeps it")
		as := fs.String("as", "", "the admin in whose name this is done (default: the instance's only admin)")
		cf := addConfigFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *username == "" || strings.TrimSpace(*reason) == "" {
			return &usageError{msg: name + " needs --username and --reason", usage: adminUsage}
		}
		store, m, closeStore, err := openForMember(ctx, cf, e, *username, true)
		if err != nil {
			return err
		}
		defer closeStore()
		by, err := actingAdmin(ctx, store, *as)
		if err != nil {
			return err
		}
		if by.ID == m.ID {
			return fmt.Errorf("%s is the admin acting and cannot act on their own account: name another admin with --as NAME", by.Username)
		}
		g := roundtable.Grounds{Reason: *reason}
		if lift {
			return userError(store.UnsuspendAccount(ctx, by, m.ID, g))
		}
		return userError(store.SuspendAccount(ctx, by, m.ID, g, ""))
	}
}

// accountResetPassword gives a member a new password and signs them out
// everywhere; it prints the password unless it was read from stdin.
func accountResetPassword(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account reset-password", "admin account reset-password --username NAME [--password-stdin] [FLAGS]", e.stderr)
	username := fs.String("username", "", "the member")
	passwordStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input instead of generating one")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return &usageError{msg: "admin account reset-password needs --username", usage: adminUsage}
	}
	password := roundtable.RandomPassword()
	if *passwordStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		password = strings.TrimRight(line, "\r\n")
		if err != nil && line == "" || password == "" {
			return errors.New("--password-stdin: no password on the first line of standard input")
		}
	}
	store, m, closeStore, err := openForMember(ctx, cf, e, *username, false)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := store.ResetPassword(ctx, m.ID, password); err != nil {
		return userError(err)
	}
	if !*passwordStdin {
		fmt.Fprintln(e.stdout, password)
	}
	return nil
}

// accountRole gives a member a role, in the name of an admin.
func accountRole(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account role", "admin account role --username NAME --role member|moderator|admin [--as ADMIN] [FLAGS]", e.stderr)
	username := fs.String("username", "", "the member")
	role := fs.String("role", "", "member, moderator or admin")
	as := fs.String("as", "", "the admin in whose name this is done (default: the instance's only admin)")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		return &usageError{msg: "admin account role needs --username and --role", usage: adminUsage}
	}
	r, err := roundtable.ParseRole(*role)
	if err != nil {
		return &usageError{msg: "--role must be member, moderator or admin", usage: adminUsage}
	}
	store, m, closeStore, err := openForMember(ctx, cf, e, *username, false)
	if err != nil {
		return err
	}
	defer closeStore()
	if m.Role == r {
		return fmt.Errorf("%s is a %s already", m.Username, r)
	}
	by, err := actingAdmin(ctx, store, *as)
	if err != nil {
		return err
	}
	if by.ID == m.ID {
		return fmt.Errorf("%s is the admin acting and cannot change their own role: name another admin with --as NAME", by.Username)
	}
	return userError(store.SetRole(ctx, by, m.ID, r))
}
