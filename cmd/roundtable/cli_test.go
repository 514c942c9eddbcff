package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"no-such-command"},
		{"serve", "--no-such-flag"},
		{"serve", "extra"},
		{"serve", "--role", "cook"},
		{"admin"},
		{"admin", "account", "delete"},
		{"admin", "account", "create", "--email", "a@example.org"},
		{"admin", "account", "create", "--username", "a", "--email", "a@example.org", "--role", "king"},
		{"admin", "account", "token"},
		{"version", "extra"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, nil, "", args...)
			if r.code != 2 {
				t.Fatalf("exit status %d, want 2; stderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "Usage: roundtable") {
				t.Errorf("no usage on stderr: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %q, want nothing", r.stdout)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runBinary(t, nil, "", "version")
	if r.code != 0 || strings.TrimSpace(r.stdout) != version {
		t.Fatalf("version: status %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, version)
	}
}

func TestConfigErrorsExit1WithOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := map[string]string{"ROUNDTABLE_DOMAIN": "example.org", "ROUNDTABLE_DATA_DIR": dir}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		names string // the setting the error line must name
	}{
		{"log level", with("ROUNDTABLE_LOG_LEVEL", "loud"), []string{"serve"}, "ROUNDTABLE_LOG_LEVEL"},
		{"log level flag", ok, []string{"serve", "--log-level", "loud"}, "--log-level"},
		{"missing domain", map[string]string{"ROUNDTABLE_DATA_DIR": dir}, []string{"serve"}, "ROUNDTABLE_DOMAIN"},
		{"domain with scheme", with("ROUNDTABLE_DOMAIN", "https://example.org"), []string{"serve"}, "ROUNDTABLE_DOMAIN"},
		{"domain with path", with("ROUNDTABLE_DOMAIN", "example.org/social"), []string{"serve"}, "ROUNDTABLE_DOMAIN"},
		{"domain flag", ok, []string{"serve", "--domain", "exa mple.org"}, "--domain"},
		{"domain bad port", with("ROUNDTABLE_DOMAIN", "example.org:99999"), []string{"serve"}, "ROUNDTABLE_DOMAIN"},
		{"listen", with("ROUNDTABLE_LISTEN", "8080"), []string{"serve"}, "ROUNDTABLE_LISTEN"},
		{"listen flag", ok, []string{"serve", "--listen", "127.0.0.1:http-ish"}, "--listen"},
		{"insecure", with("ROUNDTABLE_INSECURE_HTTP", "maybe"), []string{"serve"}, "ROUNDTABLE_INSECURE_HTTP"},
		{"insecure flag", ok, []string{"serve", "--insecure-http=maybe"}, "--insecure-http"},
		{"database url", with("ROUNDTABLE_DATABASE_URL", "postgres://u:secret@host:notaport/db"), []string{"migrate"}, "ROUNDTABLE_DATABASE_URL"},
		{"name", with("ROUNDTABLE_NAME", "two\nlines"), []string{"serve"}, "ROUNDTABLE_NAME"},
		{"admin log level", with("ROUNDTABLE_LOG_LEVEL", "verbose"), []string{"admin", "account", "token", "--username", "a"}, "ROUNDTABLE_LOG_LEVEL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, tc.env, "", tc.args...)
			if r.code != 1 {
				t.Fatalf("exit status %d, want 1; stderr: %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1:\n%s", len(lines), r.stderr)
			}
			if !strings.Contains(lines[0], tc.names) {
				t.Errorf("stderr %q does not name %s", lines[0], tc.names)
			}
			if strings.Contains(lines[0], "secret") {
				t.Errorf("stderr %q shows the database password", lines[0])
			}
		})
	}
	// Nothing was written for a configuration that was refused.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("data directory has %d entries after configuration errors", len(entries))
	}
}

func TestUnreachableDataDirIsExplained(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the private database runs as the postgres user only when roundtable runs as root")
	}
	t.Parallel()
	closed, err := os.MkdirTemp("/tmp", "rt-closed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(closed) })
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(closed, "data")
	r := runBinary(t, map[string]string{"ROUNDTABLE_DATA_DIR": data}, "", "migrate")
	if r.code != 1 {
		t.Fatalf("exit status %d, want 1; stderr: %s", r.code, r.stderr)
	}
	want := "ROUNDTABLE_DATA_DIR: " + data + " is not reachable by the postgres user; choose a data directory outside " + closed + " or run chmod o+x " + closed
	if strings.TrimSpace(r.stderr) != "roundtable: "+want {
		t.Errorf("stderr:\n%s\nwant:\nroundtable: %s", r.stderr, want)
	}
}
