package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// adminTestEnv returns the settings of an instance on a fresh test
// database, and that database's store, for looking at what commands did.
func adminTestEnv(t *testing.T) (map[string]string, *roundtable.Store) {
	t.Helper()
	url := dbtest.URL(t)
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL": url,
		"ROUNDTABLE_DATA_DIR":     t.TempDir(),
		"ROUNDTABLE_DOMAIN":       "example.org",
		"ROUNDTABLE_LOG_LEVEL":    "warn",
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return env, roundtable.NewStore(pool, roundtable.WithLinks(roundtable.Links{Base: "https://example.org"}))
}

// mustFail runs a command that must be refused with status code and one
// line on stderr containing want.
func mustFail(t *testing.T, env map[string]string, stdin string, code int, want string, args ...string) {
	t.Helper()
	r := runBinary(t, env, stdin, args...)
	if r.code != code {
		t.Fatalf("roundtable %s: exit status %d, want %d; stderr:\n%s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	first := strings.SplitN(r.stderr, "\n", 2)[0]
	if code == 2 {
		first = r.stderr // the usage comes with the message
	}
	if !strings.Contains(first, want) {
		t.Errorf("roundtable %s: stderr %q does not say %q", strings.Join(args, " "), first, want)
	}
	if code == 1 && strings.Count(strings.TrimRight(r.stderr, "\n"), "\n") > 0 {
		t.Errorf("roundtable %s: stderr has more than one line:\n%s", strings.Join(args, " "), r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("roundtable %s: stdout %q, want nothing", strings.Join(args, " "), r.stdout)
	}
}

// listed returns the members admin account list --json prints, by user
// name.
func listed(t *testing.T, env map[string]string, args ...string) map[string]accountJSON {
	t.Helper()
	var list []accountJSON
	out := mustRun(t, env, "", append([]string{"admin", "account", "list", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("account list --json: %v\n%s", err, out)
	}
	m := map[string]accountJSON{}
	for _, a := range list {
		m[a.Username] = a
	}
	return m
}

func TestAdminAccountCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, store := adminTestEnv(t)
	mustRun(t, env, "", "admin", "account", "create", "--username", "root", "--email", "root@example.org", "--role", "admin")
	mustRun(t, env, "rootpass-123\n", "admin", "account", "create", "--username", "ada", "--email", "ada@example.org", "--password-stdin")
	if _, err := store.CreateMember(ctx, roundtable.NewMember{Username: "newcomer", Email: "new@example.org",
		Password: "newcomer-pass", Role: roundtable.RoleMember, SignupReason: "I run the food bank"}); err != nil {
		t.Fatal(err)
	}

	// Listing: every member with their state; --pending and --role narrow.
	all := listed(t, env)
	if len(all) != 3 || all["root"].Role != "admin" || all["ada"].State != "active" || all["newcomer"].State != "pending" {
		t.Fatalf("account list: %+v", all)
	}
	if p := listed(t, env, "--pending"); len(p) != 1 || p["newcomer"].Email != "new@example.org" {
		t.Errorf("account list --pending: %+v", p)
	}
	if lines := mustRun(t, env, "", "admin", "account", "list", "--role", "admin"); !strings.HasPrefix(lines, "root\tadmin\tactive\troot@example.org\t") || strings.Contains(lines, "\n") {
		t.Errorf("account list --role admin:\n%s", lines)
	}

	// Approving.
	mustRun(t, env, "", "admin", "account", "approve", "--username", "newcomer")
	if all := listed(t, env); all["newcomer"].State != "active" {
		t.Errorf("newcomer after approve: %+v", all["newcomer"])
	}
	mustFail(t, env, "", 1, "newcomer is approved already", "admin", "account", "approve", "--username", "newcomer")
	mustFail(t, env, "", 1, `there is no member called "nobody"`, "admin", "account", "approve", "--username", "nobody")

	// Suspending, in the name of the only admin, and lifting it.
	mustFail(t, env, "", 2, "needs --username and --reason", "admin", "account", "suspend", "--username", "ada")
	mustFail(t, env, "", 1, "ada is a member, not an admin", "admin", "account", "suspend", "--username", "newcomer", "--reason", "spam", "--as", "ada")
	mustFail(t, env, "", 1, "cannot act on their own account", "admin", "account", "suspend", "--username", "root", "--reason", "test")
	mustRun(t, env, "", "admin", "account", "suspend", "--username", "ada", "--reason", "Posted other members' addresses.")
	if a := listed(t, env)["ada"]; a.State != "suspended" || a.SuspendedAt == nil {
		t.Errorf("ada after suspend: %+v", a)
	}
	mustFail(t, env, "", 1, "suspended already", "admin", "account", "suspend", "--username", "ada", "--reason", "again")
	root, err := store.MemberByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	log, err := store.ModerationLog(ctx, root, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range log {
		found = found || l.Action == "suspend" && strings.Contains(l.Reason, "addresses") && l.ActorID != nil && *l.ActorID == root.ID
	}
	if !found {
		t.Errorf("the moderation log has no suspension with its reason: %+v", log)
	}
	mustRun(t, env, "", "admin", "account", "unsuspend", "--username", "ada", "--reason", "Apologised; addresses removed.")
	if a := listed(t, env)["ada"]; a.State != "active" {
		t.Errorf("ada after unsuspend: %+v", a)
	}
	mustFail(t, env, "", 1, "not suspended", "admin", "account", "unsuspend", "--username", "ada", "--reason", "again")

	// Roles.
	mustFail(t, env, "", 2, "--role must be member, moderator or admin", "admin", "account", "role", "--username", "ada", "--role", "king")
	mustRun(t, env, "", "admin", "account", "role", "--username", "ada", "--role", "moderator")
	if m := listed(t, env, "--role", "moderator"); len(m) != 1 || m["ada"].Role != "moderator" {
		t.Errorf("account list --role moderator after role: %+v", m)
	}
	mustFail(t, env, "", 1, "ada is a moderator already", "admin", "account", "role", "--username", "ada", "--role", "moderator")

	// Resetting a password signs the member out everywhere.
	token := mustRun(t, env, "", "admin", "account", "token", "--username", "ada")
	ada, err := store.MemberByUsername(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	for tok, id := range map[string]string{"ada-browser": ada.ID, "root-browser": root.ID} {
		b, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"member_id": id, "signed_in_at": time.Now().Unix()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Pool().Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)`, tok, b, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	mustFail(t, env, "short\n", 1, "the password must be 8 to 256 characters", "admin", "account", "reset-password", "--username", "ada", "--password-stdin")
	if _, err := store.Authenticate(ctx, "ada", "rootpass-123"); err != nil {
		t.Fatalf("a refused reset changed the password: %v", err)
	}
	if _, err := store.TokenByValue(ctx, token); err != nil {
		t.Fatalf("a refused reset revoked the token: %v", err)
	}
	password := mustRun(t, env, "", "admin", "account", "reset-password", "--username", "ada")
	if len(password) < 16 {
		t.Fatalf("reset-password printed %q, want a generated password", password)
	}
	if _, err := store.Authenticate(ctx, "ada", password); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	if _, err := store.Authenticate(ctx, "ada", "rootpass-123"); err == nil {
		t.Error("the old password still signs in")
	}
	if _, err := store.TokenByValue(ctx, token); err == nil {
		t.Error("ada's token still works after the reset")
	}
	var sessions []string
	rows, _ := store.Pool().Query(ctx, `SELECT token FROM sessions ORDER BY token`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		sessions = append(sessions, s)
	}
	if rows.Err() != nil || len(sessions) != 1 || sessions[0] != "root-browser" {
		t.Errorf("sessions after ada's reset: %v (%v), want only root-browser", sessions, rows.Err())
	}
	if out := mustRun(t, env, "chosen-pass-42\n", "admin", "account", "reset-password", "--username", "ada", "--password-stdin"); out != "" {
		t.Errorf("reset-password --password-stdin printed %q", out)
	}
	if _, err := store.Authenticate(ctx, "ada", "chosen-pass-42"); err != nil {
		t.Errorf("the password read from stdin does not sign in: %v", err)
	}

	// With a second admin, the acting one must be named.
	mustRun(t, env, "", "admin", "account", "create", "--username", "second", "--email", "second@example.org", "--role", "admin")
	mustFail(t, env, "", 1, "name the one acting with --as NAME", "admin", "account", "role", "--username", "newcomer", "--role", "moderator")
	mustRun(t, env, "", "admin", "account", "role", "--username", "newcomer", "--role", "moderator", "--as", "second")
}

func TestAdminConsultationListAndExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, store := adminTestEnv(t)
	mustRun(t, env, "", "admin", "account", "create", "--username", "bea", "--email", "bea@example.org")
	mustRun(t, env, "", "admin", "consultation", "create", "--slug", "water", "--title", "Clean water", "--attribution", "chatham")
	mustRun(t, env, "", "admin", "consultation", "create", "--slug", "roads", "--title", "Roads", "--phase", "draft")
	bea, err := store.MemberByUsername(ctx, "bea")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateStatus(ctx, bea, roundtable.NewStatus{Text: "@water Wells\nOur wells dried up in March.", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(mustRun(t, env, "", "admin", "consultation", "list"), "\n")
	if len(lines) != 2 || lines[0] != "roads\tdraft\topen\tnamed\t0\tRoads" || lines[1] != "water\topen\topen\tchatham\t1\tClean water" {
		t.Errorf("consultation list:\n%s", strings.Join(lines, "\n"))
	}
	var docs []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, env, "", "admin", "consultation", "list", "--json")), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[1]["acct"] != "water@example.org" || docs[1]["attribution"] != "chatham" {
		t.Errorf("consultation list --json: %v", docs)
	}

	// The export, as facilitators get it: Chatham House hides the author
	// unless asked.
	file := filepath.Join(t.TempDir(), "water.json")
	if out := mustRun(t, env, "", "admin", "consultation", "export", "--slug", "water", "--out", file); out != file {
		t.Errorf("export --out printed %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Consultation struct{ Slug string }
		Authors      bool `json:"authors_included"`
		Threads      []struct {
			Title       string
			ContentText string `json:"content_text"`
			Author      struct{ Acct *string }
		}
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if ex.Consultation.Slug != "water" || ex.Authors || len(ex.Threads) != 1 || ex.Threads[0].Title != "Wells" ||
		!strings.Contains(ex.Threads[0].ContentText, "dried up") || ex.Threads[0].Author.Acct != nil {
		t.Errorf("export: %s", b)
	}
	out := mustRun(t, env, "", "admin", "consultation", "export", "--slug", "water", "--format", "csv", "--include-authors")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][4] != "author" || rows[1][4] != "bea@example.org" || rows[1][5] != "Wells" {
		t.Errorf("export --format csv --include-authors (%v):\n%s", err, out)
	}

	// Wrong input: nothing written.
	mustFail(t, env, "", 2, "needs --slug", "admin", "consultation", "export")
	mustFail(t, env, "", 2, "--format must be json or csv", "admin", "consultation", "export", "--slug", "water", "--format", "xml")
	mustFail(t, env, "", 1, `there is no consultation "wells"`, "admin", "consultation", "export", "--slug", "wells")
	mustFail(t, env, "", 1, "exists already", "admin", "consultation", "export", "--slug", "water", "--out", file)
	if again, _ := os.ReadFile(file); string(again) != string(b) {
		t.Error("a refused export changed the existing file")
	}
}

func TestAdminAdvisoryCommands(t *testing.T) {
	t.Parallel()
	env, _ := adminTestEnv(t)
	mustFail(t, env, "", 1, "has no admin", "admin", "advisory", "publish", "--subject", "spam.example", "--action", "block", "--summary", "Spam waves.")
	mustRun(t, env, "", "admin", "account", "create", "--username", "root", "--email", "root@example.org", "--role", "admin")
	mustFail(t, env, "", 2, "--action must be note, limit or block", "admin", "advisory", "publish", "--subject", "spam.example", "--action", "ban", "--summary", "Spam waves.")
	mustFail(t, env, "", 2, "needs --subject, --action and --summary", "admin", "advisory", "publish", "--subject", "spam.example", "--action", "block")
	mustFail(t, env, "", 2, "--expires must be a time", "admin", "advisory", "publish", "--subject", "spam.example", "--action", "block", "--summary", "Spam.", "--expires", "tomorrow")
	mustFail(t, env, "", 1, "--subject an advisory cannot be about this instance", "admin", "advisory", "publish", "--subject", "example.org", "--action", "block", "--summary", "Us.")

	id := mustRun(t, env, "", "admin", "advisory", "publish", "--subject", "spam.example", "--action", "block",
		"--summary", "Waves of spam from open sign-ups.", "--label", "spam", "--label", "open-signups")
	var issued []roundtable.Advisory
	if err := json.Unmarshal([]byte(mustRun(t, env, "", "admin", "advisory", "list", "--issued", "--json")), &issued); err != nil {
		t.Fatal(err)
	}
	if len(issued) != 1 || issued[0].ID != id || issued[0].Subject != "spam.example" || len(issued[0].Labels) != 2 || issued[0].RetractedAt != nil {
		t.Fatalf("advisory list --issued: %+v", issued)
	}
	if out := mustRun(t, env, "", "admin", "advisory", "list"); out != "" {
		t.Errorf("advisory list (received) shows %q", out)
	}
	mustFail(t, env, "", 2, "--state must be draft, accepted or dismissed", "admin", "advisory", "list", "--state", "old")
	mustFail(t, env, "", 1, `issued no advisory "nope"`, "admin", "advisory", "retract", "nope")
	mustRun(t, env, "", "admin", "advisory", "retract", id, "--reason", "They closed sign-ups.")
	if out := mustRun(t, env, "", "admin", "advisory", "list", "--issued"); !strings.HasPrefix(out, id+"\tretracted\tblock\tspam.example\texample.org\t") {
		t.Errorf("advisory list --issued after retracting: %q", out)
	}
	mustFail(t, env, "", 1, "already retracted", "admin", "advisory", "retract", id)
}
