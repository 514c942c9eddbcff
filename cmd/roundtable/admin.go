package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

const adminUsage = `Usage: roundtable admin account create --username NAME --email ADDR [--role member|moderator|admin] [--password-stdin]
       roundtable admin account token --username NAME [--scopes "read write follow"]
       roundtable admin consultation create --slug SLUG --title TITLE [--prompt TEXT] [--moderator NAME] [--participation open|approval|members] [--attribution named|chatham]
       roundtable admin consultation set SLUG [--phase draft|open|synthesis|closed] [--participation …] [--title …] [--prompt …] [--moderator NAME]
       roundtable admin series create --slug SLUG --title TITLE --synthesis-after-days N --closes-after-days N [--prompt TEXT] [--norm TEXT]… [--cohosts DOMAIN,…] [--moderator NAME]… [--participation …] [--attribution …] [--interval-days N]
       roundtable admin series open --series SLUG
       roundtable admin domain set DOMAIN --policy block|limit|default|trust [--reason TEXT] [--private-reason TEXT]
       roundtable admin domain list
       roundtable admin federation mode open|allowlist
       roundtable admin norm add --text TEXT [--hint HINT]
       roundtable admin norm list
       roundtable admin norm remove ID
       roundtable admin keys rotate --username NAME | --instance
       roundtable admin account list [--pending] [--role member|moderator|admin] [--json]
       roundtable admin account approve --username NAME
       roundtable admin account suspend|unsuspend --username NAME --reason TEXT [--as ADMIN]
       roundtable admin account reset-password --username NAME [--password-stdin]
       roundtable admin account role --username NAME --role member|moderator|admin [--as ADMIN]
       roundtable admin consultation list [--json]
       roundtable admin consultation export --slug SLUG [--format json|csv] [--include-authors] [--out FILE]
       roundtable admin advisory list [--issued] [--state draft|accepted|dismissed] [--json]
       roundtable admin advisory publish --subject DOMAIN|ACCOUNT-ID --action note|limit|block --summary TEXT [--label L]… [--expires TIME] [--as ADMIN]
       roundtable admin advisory retract ID [--reason TEXT] [--as ADMIN]
       roundtable admin doctor
       roundtable admin cohost invite SLUG DOMAIN | withdraw SLUG DOMAIN
       roundtable admin cohost list | accept ID | decline ID | leave ID | facilitator ID USERNAME [--remove]
`

// admin runs an admin command. Admin commands work whether or not serve is
// running: they use the same database, starting the private one for their
// own run when nothing else runs it.
func admin(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "doctor" {
		return doctor(ctx, args[1:], e)
	}
	if len(args) < 2 {
		return &usageError{msg: "admin needs a subject and an action", usage: adminUsage}
	}
	switch args[0] + " " + args[1] {
	case "account create":
		return accountCreate(ctx, args[2:], e)
	case "account token":
		return accountToken(ctx, args[2:], e)
	case "consultation create":
		return consultationCreate(ctx, args[2:], e)
	case "consultation set":
		return consultationSet(ctx, args[2:], e)
	case "series create":
		return seriesCreate(ctx, args[2:], e)
	case "series open":
		return seriesOpen(ctx, args[2:], e)
	case "domain set":
		return domainSet(ctx, args[2:], e)
	case "domain list":
		return domainList(ctx, args[2:], e)
	case "federation mode":
		return federationMode(ctx, args[2:], e)
	case "norm add":
		return normAdd(ctx, args[2:], e)
	case "norm list":
		return normList(ctx, args[2:], e)
	case "norm remove":
		return normRemove(ctx, args[2:], e)
	case "keys rotate":
		return keysRotate(ctx, args[2:], e)
	case "account list":
		return accountList(ctx, args[2:], e)
	case "account approve":
		return accountApprove(ctx, args[2:], e)
	case "account suspend":
		return accountSuspend(false)(ctx, args[2:], e)
	case "account unsuspend":
		return accountSuspend(true)(ctx, args[2:], e)
	case "account reset-password":
		return accountResetPassword(ctx, args[2:], e)
	case "account role":
		return accountRole(ctx, args[2:], e)
	case "consultation list":
		return consultationList(ctx, args[2:], e)
	case "consultation export":
		return consultationExport(ctx, args[2:], e)
	case "advisory list":
		return advisoryList(ctx, args[2:], e)
	case "advisory publish":
		return advisoryPublish(ctx, args[2:], e)
	case "advisory retract":
		return advisoryRetract(ctx, args[2:], e)
	}
	if args[0] == "cohost" {
		return cohost(ctx, args[1], args[2:], e)
	}
	return &usageError{msg: fmt.Sprintf("unknown admin command %q", args[0]+" "+args[1]), usage: adminUsage}
}

// quietLevel is the log level of a one-shot command: warnings and errors
// only, so that its output stays what it prints, unless debug logging was
// asked for.
func quietLevel(l slog.Level) slog.Level {
	if l <= slog.LevelDebug {
		return l
	}
	return max(l, slog.LevelWarn)
}

// openStore loads the configuration and opens the instance's store for an
// admin command. close must be called when done.
func openStore(ctx context.Context, cf *configFlags, e env) (store *roundtable.Store, close func(), err error) {
	cfg, err := cf.load(e.getenv, loadOptions{})
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(e.stderr, true, quietLevel(cfg.LogLevel))
	db, err := openDatabase(ctx, cfg, 4, log)
	if err != nil {
		return nil, nil, err
	}
	base := cfg.BaseURL()
	if cfg.Domain == "" {
		// The domain serve last ran with: accounts made here get the same
		// ids as accounts made through it.
		if base, err = roundtable.NewStore(db.pool).SavedBaseURL(ctx); err != nil {
			db.Close(ctx)
			return nil, nil, err
		}
	}
	store = roundtable.NewStore(db.pool, roundtable.WithLinks(roundtable.Links{Base: base}))
	return store, func() { db.Close(ctx) }, nil
}

// accountCreate creates a local member, approved, and prints its generated
// password (or nothing when the password is read from stdin).
func accountCreate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account create", "admin account create --username NAME --email ADDR [--role member|moderator|admin] [--password-stdin] [FLAGS]", e.stderr)
	username := fs.String("username", "", "the member's user name (letters, digits and _)")
	email := fs.String("email", "", "the member's e-mail address")
	role := fs.String("role", string(roundtable.RoleMember), "member, moderator or admin")
	displayName := fs.String("display-name", "", "the name shown beside the user name")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" || *email == "" {
		return &usageError{msg: "admin account create needs --username and --email", usage: adminUsage}
	}
	r, err := roundtable.ParseRole(*role)
	if err != nil {
		return &usageError{msg: "--role must be member, moderator or admin", usage: adminUsage}
	}
	password := ""
	if *passwordStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("--password-stdin: no password on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("--password-stdin: the password is empty")
		}
	} else {
		password = roundtable.RandomPassword()
	}

	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	_, err = store.CreateMember(ctx, roundtable.NewMember{
		Username:    *username,
		Email:       *email,
		Password:    password,
		DisplayName: *displayName,
		Role:        r,
		Approved:    true,
	})
	if err != nil {
		return userError(err)
	}
	if !*passwordStdin {
		fmt.Fprintln(e.stdout, password)
	}
	return nil
}

// accountToken prints a new OAuth bearer token for a member.
func accountToken(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin account token", `admin account token --username NAME [--scopes "read write follow"] [FLAGS]`, e.stderr)
	username := fs.String("username", "", "the member's user name")
	scopes := fs.String("scopes", "read write follow", "the token's scopes, separated by spaces")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return &usageError{msg: "admin account token needs --username", usage: adminUsage}
	}
	list := strings.Fields(*scopes)
	if len(list) == 0 {
		return &usageError{msg: "--scopes must name at least one scope", usage: adminUsage}
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return err
	}
	defer closeStore()
	token, err := store.IssueToken(ctx, *username, list)
	if err != nil {
		if errors.Is(err, roundtable.ErrNotFound) {
			return fmt.Errorf("there is no member called %q", *username)
		}
		return userError(err)
	}
	fmt.Fprintln(e.stdout, token)
	return nil
}

// userError returns the plain sentence of a domain error (a validation
// error or a conflict) without the context it was wrapped in, and any other
// error as it is.
func userError(err error) error {
	var ve *roundtable.ValidationError
	if errors.As(err, &ve) {
		switch ve.Field {
		case "":
			return errors.New(ve.Message)
		case "password":
			return fmt.Errorf("the password %s", ve.Message)
		case "scope":
			return fmt.Errorf("--scopes: %s", ve.Message)
		}
		return fmt.Errorf("--%s %s", strings.ReplaceAll(ve.Field, "_", "-"), ve.Message)
	}
	var ce *roundtable.ConflictError
	if errors.As(err, &ce) {
		return errors.New(ce.Message)
	}
	return err
}

func errorsIsNotFound(err error) bool { return errors.Is(err, roundtable.ErrNotFound) }
