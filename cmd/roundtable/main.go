// Command roundtable runs a Roundtable instance and administers it.
//
// It reads the configuration (ROUNDTABLE_* environment variables, overridden
// by flags), opens the database (a configured PostgreSQL server, or a private
// one it runs itself), wires the root package to its adapters and runs one
// command: serve, migrate, admin or version. Exit status: 0 done, 1 failed
// (with one line on stderr), 2 wrong usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is Roundtable's version, set at build time with
// -ldflags "-X main.version=X.Y.Z".
var version = "0.1.0"

const usage = `Usage: roundtable COMMAND [FLAGS]

Commands:
  serve [--dev] [--role web|worker|all]   run the instance
  migrate                                 apply database migrations and exit
  admin account create --username NAME --email ADDR [--role member|moderator|admin] [--password-stdin]
                                          create a local member; print its password
  admin account token --username NAME [--scopes "read write follow"]
                                          print a new OAuth bearer token for a member
  admin consultation create --slug SLUG --title TITLE [--prompt TEXT] [--moderator NAME]
        [--participation open|approval|members] [--attribution named|chatham]
                                          open a consultation (a Group actor @SLUG@DOMAIN)
  admin consultation set SLUG [--phase P] [--participation P] [--title T] [--prompt P]
                                          change a consultation; followers hear of it
  admin domain set DOMAIN --policy block|limit|default|trust [--reason TEXT]
                                          set this instance's policy towards another
  admin domain list                       print the policies, one per line
  admin norm add --text TEXT [--hint HINT]
                                          add one of the instance's norms
  admin norm list                         print the norms: number, id, text
  admin norm remove ID                    remove a norm
  admin keys rotate --username NAME | --instance
                                          give an actor (or every local actor) a new key pair;
                                          followers' servers are sent the new key
  admin account list [--pending] [--role R] [--json]
                                          print the members: name, role, state, e-mail, joined
  admin account approve --username NAME   let a member who signed up sign in
  admin account suspend|unsuspend --username NAME --reason TEXT [--as ADMIN]
                                          suspend a member, or lift it
  admin account reset-password --username NAME [--password-stdin]
                                          set a new password (printed unless read from stdin);
                                          the member is signed out everywhere
  admin account role --username NAME --role member|moderator|admin [--as ADMIN]
                                          change a member's role
  admin consultation list [--json]        print the consultations, drafts included
  admin consultation export --slug SLUG [--format json|csv] [--include-authors] [--out FILE]
                                          write a consultation's contributions
  admin advisory list [--issued] [--state S] [--json]
                                          print advisories received (or issued here)
  admin advisory publish --subject S --action note|limit|block --summary TEXT [--label L]…
        [--expires TIME] [--as ADMIN]     publish an advisory to subscribed peers
  admin advisory retract ID [--reason TEXT] [--as ADMIN]
                                          withdraw an advisory issued here
  admin doctor                            check configuration, database, disk, clock and
                                          outgoing federation; print what to fix
  version                                 print the version

Every command takes the configuration flags (--domain, --listen,
--database-url, --data-dir, --insecure-http, --name, --log-level), which
override the ROUNDTABLE_* environment variables of the same name.
Run "roundtable COMMAND -h" for a command's flags.
`

// env is what a command gets from the process: its arguments' streams and
// environment. Commands read nothing else from the outside.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := run(ctx, stop, os.Args[1:], e)
	stop()
	os.Exit(code)
}

// usageError is a wrong command line: exit status 2, with usage on stderr.
type usageError struct {
	msg   string
	usage string // the usage text to print; "" when already printed
}

func (e *usageError) Error() string { return e.msg }

// errHelp means help was asked for and printed.
var errHelp = errors.New("help")

// run runs the command in args and returns the exit status. stopSignals
// restores the default handling of SIGINT and SIGTERM, so that a second
// signal during shutdown ends the process at once.
func run(ctx context.Context, stopSignals func(), args []string, e env) int {
	err := dispatch(ctx, stopSignals, args, e)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintln(e.stderr, "roundtable: "+ue.msg)
		}
		if ue.usage != "" {
			fmt.Fprint(e.stderr, ue.usage)
		}
		return 2
	default:
		fmt.Fprintln(e.stderr, "roundtable: "+oneLine(err.Error()))
		return 1
	}
}

// dispatch finds the command named by args and runs it.
func dispatch(ctx context.Context, stopSignals func(), args []string, e env) error {
	if len(args) == 0 {
		return &usageError{msg: "no command given", usage: usage}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, stopSignals, rest, e)
	case "migrate":
		return migrate(ctx, rest, e)
	case "admin":
		return admin(ctx, rest, e)
	case "version", "--version", "-version":
		if len(rest) > 0 {
			return &usageError{msg: "version takes no arguments", usage: usage}
		}
		fmt.Fprintln(e.stdout, version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q", cmd), usage: usage}
}

// newFlagSet returns a flag set for a command whose usage line is synopsis.
// Parse errors are printed to stderr with the command's flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: roundtable %s\n\nFlags:\n", synopsis)
		printFlags(stderr, fs)
	}
	return fs
}

// printFlags prints the flags of fs as they are written: --name VALUE.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg := " VALUE"
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = ""
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n        %s%s\n", f.Name, arg, f.Usage, def)
	})
}

// parseFlags parses args into fs, allowing no positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{} // the flag package has printed the error and usage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// oneLine turns a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// migrate applies every pending migration and exits.
func migrate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("migrate", "migrate [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := cf.load(e.getenv, loadOptions{})
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, true, quietLevel(cfg.LogLevel))
	db, err := openDatabase(ctx, cfg, 4, log)
	if err != nil {
		return err
	}
	db.Close(ctx)
	return nil
}
