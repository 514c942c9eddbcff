package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver goose runs the earlier migrations with
	"github.com/pressly/goose/v3"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// oldPasswordHash is "an older password" hashed with argon2id costs other
// than today's, as an earlier release may have stored it.
const oldPasswordHash = "$argon2id$v=19$m=65536,t=1,p=4$ZxExHHrbUJrGP+LBlds+4Q$qcSG6JIhJMI+TgBC9hr1Wpb0MZwtTtGYKv+gxl8wzhQ"

// TestUpgradeFromEarlierSchema migrates a database only up to an earlier
// migration, fills it through SQL as the release of that schema would have
// (members, a consultation with contributions, follows, a remote account),
// then lets the binary migrate it to the latest schema: every member signs
// in with the password hash stored before, the consultation's page shows its
// contributions, and the API reads every one of them.
func TestUpgradeFromEarlierSchema(t *testing.T) {
	for i, from := range []int64{12, 20} {
		t.Run(fmt.Sprintf("from_%05d", from), func(t *testing.T) {
			t.Parallel()
			testUpgradeFrom(t, from, fmt.Sprintf("127.0.0.%d", 245+i))
		})
	}
}

// oldData is what the test stores before the upgrade.
type oldData struct {
	members       map[string]string // username → e-mail
	consultation  string            // its account id
	contributions map[string]string // status id → a phrase of its content
	root          string            // the thread's first contribution
	remote        string            // the remote account's id
}

func testUpgradeFrom(t *testing.T, from int64, host string) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.Config().URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("rt_upgrade_%d_%d", os.Getpid(), from)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	conf := dbtest.Config()
	conf.Database = name

	// The earlier schema, from the migration files themselves.
	sqlDB, err := sql.Open("pgx", conf.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, os.DirFS("../../migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, from); err != nil {
		t.Fatalf("migrate up to %d: %v", from, err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != from {
		t.Fatalf("schema version before the upgrade: %d, %v (want %d)", v, err, from)
	}

	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db, err := pgx.Connect(ctx, conf.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	old := fillOldSchema(t, ctx, db, "http://"+addr, from)

	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL":   conf.URL(),
		"ROUNDTABLE_DATA_DIR":       t.TempDir(),
		"ROUNDTABLE_DOMAIN":         addr,
		"ROUNDTABLE_LISTEN":         addr,
		"ROUNDTABLE_INSECURE_HTTP":  "true",
		"ROUNDTABLE_LOG_LEVEL":      "warn",
		"ROUNDTABLE_API_RATE_LIMIT": "0",
	}
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate from %d: exit %d: %s", from, r.code, r.stderr)
	}
	var top int64
	if err := db.QueryRow(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	if want := latestMigration(t); top != want {
		t.Fatalf("after migrate: schema version %d, want %d", top, want)
	}

	srv := startServe(t, env)
	token := mustRun(t, env, "", "admin", "account", "token", "--username", "ada", "--scopes", "read write follow")

	// Every member: found by the API, and signs in with the old hash.
	for username := range old.members {
		code, body := srv.get("/api/v1/accounts/lookup?acct="+username, "")
		if code != 200 || !strings.Contains(body, `"username":"`+username+`"`) {
			t.Errorf("member %s after the upgrade: %d %s", username, code, body)
		}
		if code, _ := signIn(t, srv.base, username, "an older password"); code != http.StatusSeeOther {
			t.Errorf("%s signs in with the password of before the upgrade: %d, want 303", username, code)
		}
	}
	if code, _ := signIn(t, srv.base, "ada", "not her password"); code == http.StatusSeeOther {
		t.Errorf("a wrong password signs in after the upgrade")
	}

	// The consultation: its settings and facilitator, its page and its
	// contributions.
	code, body := srv.get("/api/roundtable/v1/consultations/housing", "")
	if code != 200 || !strings.Contains(body, "Housing in the valley") || !strings.Contains(body, `"ada"`) {
		t.Errorf("consultation after the upgrade: %d %s", code, body)
	}
	code, body = srv.get("/@housing", "")
	if code != 200 || !strings.Contains(body, "Housing in the valley") || !strings.Contains(body, "Rents have doubled") {
		t.Errorf("consultation page after the upgrade: %d\n%s", code, body)
	}
	for id, phrase := range old.contributions {
		code, body := srv.get("/api/v1/statuses/"+id, token)
		if code != 200 || !strings.Contains(body, phrase) {
			t.Errorf("contribution %s (%q) after the upgrade: %d %s", id, phrase, code, body)
		}
	}
	code, body = srv.get("/api/v1/statuses/"+old.root+"/context", token)
	for _, phrase := range []string{"Build on the old depot", "co-operative"} {
		if code != 200 || !strings.Contains(body, phrase) {
			t.Errorf("thread of the first contribution lacks %q: %d %s", phrase, code, body)
		}
	}
	code, body = srv.get("/@ada/"+old.root, "")
	if code != 200 || !strings.Contains(body, "Rents have doubled") {
		t.Errorf("contribution page after the upgrade: %d", code)
	}

	// Follows, local and remote, and the remote account.
	code, body = srv.get("/api/v1/accounts/"+old.consultation+"/followers", token)
	if code != 200 || !strings.Contains(body, `"acct":"bea"`) || !strings.Contains(body, `"acct":"carol@remote.example"`) {
		t.Errorf("the consultation's followers after the upgrade: %d %s", code, body)
	}
	code, body = srv.get("/api/v1/accounts/"+old.remote, token)
	if code != 200 || !strings.Contains(body, "Carol from the other server") {
		t.Errorf("the remote account after the upgrade: %d %s", code, body)
	}
	code, body = srv.get("/api/v1/accounts/relationships?id[]="+old.remote, token)
	if code != 200 || !strings.Contains(body, `"following":true`) {
		t.Errorf("ada's follow of carol after the upgrade: %d %s", code, body)
	}
	code, body = srv.get("/api/v1/blocks", token)
	if code != 200 || !strings.Contains(body, `"acct":"mallory@remote.example"`) {
		t.Errorf("ada's block after the upgrade: %d %s", code, body)
	}
	if from >= 20 {
		_, browser := signIn(t, srv.base, "ada", "an older password")
		res, err := browser.Get(srv.base + "/settings")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(page), `value="Role"`) || !strings.Contains(string(page), `value="Chair"`) {
			t.Errorf("ada's profile fields after the upgrade: %d\n%s", res.StatusCode, page)
		}
	}
}

// signIn posts the sign-in form and returns the answer's status (303 when
// the member is signed in) and the browser holding the session.
func signIn(t *testing.T, base, username, password string) (int, *http.Client) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", base+"/login",
		strings.NewReader(url.Values{"username": {username}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, client
}

// fillOldSchema stores, in a database at schema version from (12 or later),
// what an instance at base had made: two members, a consultation facilitated
// by one of them, a thread of contributions (one from a remote account),
// follows and a block.
func fillOldSchema(t *testing.T, ctx context.Context, db *pgx.Conn, base string, from int64) oldData {
	t.Helper()
	created := time.Now().Add(-365 * 24 * time.Hour).UTC().Truncate(time.Second)
	at := func(days int) time.Time { return created.Add(time.Duration(days) * 24 * time.Hour) }
	id := func(days int) string { return roundtable.NewID(at(days)) }
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	key, err := roundtable.RSA2048()
	if err != nil {
		t.Fatal(err)
	}
	priv, pub, err := roundtable.EncodeKeyPair(key)
	if err != nil {
		t.Fatal(err)
	}
	localAccount := func(aid, username, display, actorType string, days int, note string) {
		uri := base + "/users/" + username
		exec(`INSERT INTO accounts (id, username, display_name, note, created_at, updated_at, actor_type,
			uri, url, inbox, shared_inbox, outbox, followers_url, following_url, public_key_id, public_key_pem, private_key_pem)
			VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			aid, username, display, note, at(days), actorType, uri, base+"/@"+username, uri+"/inbox", base+"/inbox",
			uri+"/outbox", uri+"/followers", uri+"/following", uri+"#main-key", pub, priv)
	}
	d := oldData{members: map[string]string{"ada": "ada@example.org", "bea": "bea@example.org"},
		contributions: map[string]string{}}
	ada, bea := id(0), id(1)
	localAccount(ada, "ada", "Ada", "Person", 0, "")
	localAccount(bea, "bea", "Bea", "Person", 1, "")
	exec(`INSERT INTO members (account_id, email, password_hash, role, approved, created_at)
		VALUES ($1, 'ada@example.org', $3, 'admin', true, $4), ($2, 'bea@example.org', $3, 'member', true, $5)`,
		ada, bea, oldPasswordHash, at(0), at(1))

	housing := id(2)
	d.consultation = housing
	localAccount(housing, "housing", "Housing in the valley", "Group", 2, "<p>Where should the new homes go?</p>")
	exec(`INSERT INTO consultations (account_id, title, prompt_source, prompt, phase, participation, attribution, created_at, updated_at)
		VALUES ($1, 'Housing in the valley', 'Where should the new homes go?', '<p>Where should the new homes go?</p>',
		'open', 'open', 'named', $2, $2)`, housing, at(2))
	exec(`INSERT INTO facilitators (consultation_id, account_id) VALUES ($1, $2)`, housing, ada)

	remote := func(username, display string, days int) string {
		rid := id(days)
		uri := "https://remote.example/users/" + username
		exec(`INSERT INTO accounts (id, username, domain, display_name, created_at, updated_at, actor_type, uri, url,
			inbox, shared_inbox, outbox, followers_url, following_url, public_key_id, public_key_pem, fetched_at)
			VALUES ($1, $2, 'remote.example', $3, $4, $4, 'Person', $5, $6, $7, 'https://remote.example/inbox', $8, $9, $10, $11, $12, $4)`,
			rid, username, display, at(days), uri, "https://remote.example/@"+username, uri+"/inbox", uri+"/outbox",
			uri+"/followers", uri+"/following", uri+"#main-key", pub)
		return rid
	}
	carol := remote("carol", "Carol from the other server", 3)
	mallory := remote("mallory", "Mallory", 3)
	d.remote = carol

	// A thread: ada opens it, bea and carol reply.
	root, reply, remoteReply := id(4), id(5), id(6)
	d.root = root
	status := func(sid, author, username string, replyTo, replyToAccount *string, source string, days int) {
		content := "<p>" + source + "</p>"
		exec(`INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, thread_id, visibility,
			content_type, source, content, local, created_at, uri, url, group_id, object_type)
			VALUES ($1, $2, $3, $4, $5, 'public', 'text/plain', $6, $7, true, $8, $9, $10, $11, 'Note')`,
			sid, author, replyTo, replyToAccount, root, source, content, at(days),
			base+"/users/"+username+"/statuses/"+sid, base+"/@"+username+"/"+sid, housing)
		d.contributions[sid] = source
	}
	status(root, ada, "ada", nil, nil, "Rents have doubled in five years.", 4)
	status(reply, bea, "bea", &root, &ada, "Build on the old depot site.", 5)
	exec(`INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, thread_id, visibility,
		content_type, content, local, created_at, uri, url, in_reply_to_uri, group_id, object_type)
		VALUES ($1, $2, $3, $4, $5, 'public', 'text/html', '<p>A housing co-operative worked for us.</p>', false, $6,
		'https://remote.example/users/carol/statuses/1', 'https://remote.example/@carol/1', $7, $8, 'Note')`,
		remoteReply, carol, root, ada, root, at(6), base+"/users/ada/statuses/"+root, housing)
	d.contributions[remoteReply] = "A housing co-operative worked for us."
	exec(`UPDATE statuses SET replies_count = 2 WHERE id = $1`, root)
	exec(`UPDATE accounts SET statuses_count = 1, last_status_at = $2 WHERE id = $1`, ada, at(4))
	exec(`UPDATE accounts SET statuses_count = 1, last_status_at = $2 WHERE id = $1`, bea, at(5))
	exec(`UPDATE accounts SET statuses_count = 1, last_status_at = $2 WHERE id = $1`, carol, at(6))

	// Follows: bea and carol follow the consultation; ada follows carol.
	exec(`INSERT INTO follows (id, account_id, target_account_id, accepted, created_at, uri) VALUES
		($1, $4, $6, true, $7, $8), ($2, $5, $6, true, $7, 'https://remote.example/follows/1'), ($3, $9, $5, true, $7, $10)`,
		id(7), id(7), id(7), bea, carol, housing, at(7), base+"/users/bea#follows/1", ada, base+"/users/ada#follows/2")
	exec(`UPDATE accounts SET followers_count = 2 WHERE id = $1`, housing)
	exec(`UPDATE accounts SET following_count = 1 WHERE id IN ($1, $2)`, bea, ada)
	exec(`UPDATE accounts SET following_count = 1, followers_count = 1 WHERE id = $1`, carol)

	exec(`INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4)`, id(8), ada, mallory, at(8))
	if from >= 20 {
		exec(`UPDATE accounts SET fields = '[{"name": "Role", "value": "Chair"}]' WHERE id = $1`, ada)
		exec(`UPDATE members SET language = 'fr', default_reply_policy = 'followers' WHERE account_id = $1`, bea)
	}
	return d
}
