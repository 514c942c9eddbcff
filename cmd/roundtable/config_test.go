package main

import (
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestParseDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"example.org":        "example.org",
		"Social.Example.ORG": "social.example.org",
		"127.0.0.1:8080":     "127.0.0.1:8080",
		"localhost:3000":     "localhost:3000",
		"[::1]:8080":         "[::1]:8080",
		"xn--bcher-kva.de":   "xn--bcher-kva.de",
	} {
		got, err := parseDomain(in)
		if err != nil || got != want {
			t.Errorf("parseDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"https://example.org", "example.org/", "example.org/path", "user@example.org",
		"example.org:", "example.org:0", "example.org:65536", "::1", "-bad.org", "exa_mple.org", "a..b",
	} {
		if got, err := parseDomain(in); err == nil {
			t.Errorf("parseDomain(%q) = %q, want an error", in, got)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string, opt loadOptions, args ...string) (Config, error) {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cf := addConfigFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return cf.load(func(k string) string { return env[k] }, opt)
	}

	c, err := load(nil, loadOptions{dev: true, needDomain: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "127.0.0.1:8080" || c.Listen != "127.0.0.1:8080" || !c.InsecureHTTP || c.Name != c.Domain ||
		!strings.HasSuffix(c.DataDir, "/data") || c.BaseURL() != "http://127.0.0.1:8080" || c.LogLevel != slog.LevelInfo {
		t.Errorf("dev defaults: %+v", c)
	}

	c, err = load(nil, loadOptions{dev: true, needDomain: true}, "--listen", "0.0.0.0:9000")
	if err != nil || c.Domain != "127.0.0.1:9000" {
		t.Errorf("dev domain on 0.0.0.0:9000: %q, %v", c.Domain, err)
	}

	env := map[string]string{
		"ROUNDTABLE_DOMAIN":        "env.example.org",
		"ROUNDTABLE_INSECURE_HTTP": "true",
		"ROUNDTABLE_LOG_LEVEL":     "DEBUG",
		"ROUNDTABLE_NAME":          " Peace Network ",
	}
	c, err = load(env, loadOptions{needDomain: true}, "--domain", "flag.example.org", "--insecure-http=false", "--data-dir", "/srv/rt")
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "flag.example.org" || c.InsecureHTTP || c.BaseURL() != "https://flag.example.org" ||
		c.DataDir != "/srv/rt" || c.Name != "Peace Network" || c.LogLevel != slog.LevelDebug {
		t.Errorf("flags over environment: %+v", c)
	}

	c, err = load(map[string]string{"ROUNDTABLE_DOMAIN": "example.org"}, loadOptions{needDomain: true}, "--insecure-http")
	if err != nil || !c.InsecureHTTP {
		t.Errorf("--insecure-http alone: %+v, %v", c, err)
	}

	if _, err := load(nil, loadOptions{}); err != nil {
		t.Errorf("a command that needs no domain: %v", err)
	}
	if _, err := load(nil, loadOptions{needDomain: true}); err == nil || !strings.HasPrefix(err.Error(), "ROUNDTABLE_DOMAIN: ") {
		t.Errorf("missing domain: %v", err)
	}
}

func TestSocketDirFor(t *testing.T) {
	t.Parallel()
	short := "/var/lib/roundtable/postgres"
	if got := socketDirFor(short); got != short {
		t.Errorf("socketDirFor(%q) = %q, want the directory itself", short, got)
	}
	long := "/home/someone/" + strings.Repeat("very-long-directory-name/", 4) + "data/postgres"
	got := socketDirFor(long)
	if !strings.HasPrefix(got, "/tmp/roundtable-") || len(got+"/.s.PGSQL.5432") > maxSocketPath {
		t.Errorf("socketDirFor(long) = %q", got)
	}
	if again := socketDirFor(long); again != got {
		t.Errorf("socketDirFor is not stable: %q, then %q", got, again)
	}
	if other := socketDirFor(long + "2"); other == got {
		t.Errorf("two clusters share the socket directory %q", got)
	}
}
