package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is the instance's configuration, read from ROUNDTABLE_* environment
// variables and overridden by flags of the same name in kebab case.
type Config struct {
	// Domain is the host (and port, unless 443/80) the instance is known by.
	// Empty only for commands that do not need it.
	Domain string
	// Listen is the TCP address serve listens on.
	Listen string
	// DatabaseURL is the PostgreSQL connection URL; empty for the private
	// database in DataDir.
	DatabaseURL string
	// DatabaseReadURL is the connection URL of a streaming replica of the
	// database that serves the reads tolerating lag; empty for none.
	DatabaseReadURL string
	// DataDir is the absolute path of the directory holding the private
	// database and uploaded media.
	DataDir string
	// InsecureHTTP makes ids use http:// and allows fetching from loopback
	// and private addresses. For development and tests only.
	InsecureHTTP bool
	// Name is the instance's display name.
	Name string
	// LogLevel is the least severe level that is logged.
	LogLevel slog.Level
	// Dev is true for serve --dev.
	Dev bool
	// APIRateLimit is how many client API requests one token (or one
	// address without a token) may make in 5 minutes; 0 for no limit.
	APIRateLimit int
	// InboxRateLimit is how many activities one server may post to the
	// inboxes in 5 minutes; 0 for no limit.
	InboxRateLimit int
	// Doctor holds what admin doctor checks against.
	Doctor DoctorConfig
}

// DoctorConfig is what admin doctor compares the instance with.
type DoctorConfig struct {
	// TimeURL is fetched for its Date header, to check the clock.
	TimeURL string
	// ReachURL is fetched through the federation's HTTP client, to check
	// that outgoing requests get out.
	ReachURL string
	// MinFreeMB is the free space the data directory needs, in megabytes.
	MinFreeMB int
}

// BaseURL returns the scheme and host every id of the instance starts with,
// or "" when the domain is not set.
func (c Config) BaseURL() string {
	if c.Domain == "" {
		return ""
	}
	if c.InsecureHTTP {
		return "http://" + c.Domain
	}
	return "https://" + c.Domain
}

// Defaults of the settings; serve --dev changes some of them.
const (
	defaultListen    = "127.0.0.1:8080"
	defaultDataDir   = "./data"
	defaultDoctorURL = "https://mastodon.social/"
)

// devDomainFor returns the domain of serve --dev listening on listen: the
// listen address itself, with 127.0.0.1 for an unspecified host.
func devDomainFor(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return defaultListen
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return strings.ToLower(net.JoinHostPort(host, port))
}

// setting is one configuration value: its environment variable, its flag
// and its help text.
type setting struct {
	env, flag, help string
	isBool          bool
}

// settings lists every configuration value, in the order of INTERFACE.md.
func settings() []setting {
	return []setting{
		{env: "ROUNDTABLE_DOMAIN", flag: "domain", help: "host (and port) this instance is known by, e.g. example.org"},
		{env: "ROUNDTABLE_LISTEN", flag: "listen", help: "address to listen on (default " + defaultListen + ")"},
		{env: "ROUNDTABLE_DATABASE_URL", flag: "database-url", help: "PostgreSQL connection URL (default: a private PostgreSQL in the data directory)"},
		{env: "ROUNDTABLE_DATABASE_READ_URL", flag: "database-read-url", help: "PostgreSQL connection URL of a read replica for anonymous page views and other servers' fetches (default: none, all reads on the primary)"},
		{env: "ROUNDTABLE_DATA_DIR", flag: "data-dir", help: "directory for the private database and media (default " + defaultDataDir + ")"},
		{env: "ROUNDTABLE_INSECURE_HTTP", flag: "insecure-http", help: "use http:// ids and allow private addresses (development and tests only)", isBool: true},
		{env: "ROUNDTABLE_NAME", flag: "name", help: "the instance's display name (default: the domain)"},
		{env: "ROUNDTABLE_LOG_LEVEL", flag: "log-level", help: "debug, info, warn or error (default info)"},
		{env: "ROUNDTABLE_API_RATE_LIMIT", flag: "api-rate-limit", help: "client API requests per token, or per address without one, in 5 minutes; 0 for no limit (default 300)"},
		{env: "ROUNDTABLE_INBOX_RATE_LIMIT", flag: "inbox-rate-limit", help: "activities one server may post in 5 minutes; 0 for no limit (default 3000)"},
		{env: "ROUNDTABLE_DOCTOR_TIME_URL", flag: "doctor-time-url", help: "admin doctor compares the clock with the Date header of this URL's answer (default " + defaultDoctorURL + ")"},
		{env: "ROUNDTABLE_DOCTOR_REACH_URL", flag: "doctor-reach-url", help: "admin doctor requests this URL as federation does, to check that outgoing requests get out (default " + defaultDoctorURL + ")"},
		{env: "ROUNDTABLE_DOCTOR_MIN_FREE_MB", flag: "doctor-min-free-mb", help: "admin doctor reports a problem when the data directory has less free space, in megabytes (default 1024)"},
	}
}

// settingValue is a flag.Value that remembers whether it was set, so that a
// flag overrides its environment variable only when it is given.
type settingValue struct {
	value string
	set   bool
}

func (v *settingValue) String() string { return v.value }

// Set records s as given; it is validated with the rest of the
// configuration, so that a bad value is a configuration error (exit 1), not
// a usage error.
func (v *settingValue) Set(s string) error {
	v.value, v.set = s, true
	return nil
}

// boolSettingValue is a settingValue that may be given without a value
// (--insecure-http).
type boolSettingValue struct{ settingValue }

func (*boolSettingValue) IsBoolFlag() bool { return true }

// configFlags holds the configuration flags of one command line.
type configFlags struct {
	values map[string]*settingValue // by environment variable
}

// addConfigFlags defines the configuration flags on fs.
func addConfigFlags(fs *flag.FlagSet) *configFlags {
	cf := &configFlags{values: map[string]*settingValue{}}
	for _, s := range settings() {
		if s.isBool {
			v := &boolSettingValue{}
			fs.Var(v, s.flag, s.help)
			cf.values[s.env] = &v.settingValue
			continue
		}
		v := &settingValue{}
		fs.Var(v, s.flag, s.help)
		cf.values[s.env] = v
	}
	return cf
}

// configError is a missing or malformed setting. Its message names the
// setting as the user gave it: the flag if one was given, else the
// environment variable.
type configError struct {
	name, msg string
}

func (e *configError) Error() string { return e.name + ": " + e.msg }

// loadOptions says what a command needs from the configuration.
type loadOptions struct {
	// dev applies the defaults of serve --dev.
	dev bool
	// needDomain makes a missing domain an error (unless dev).
	needDomain bool
}

// load returns the configuration from the environment (read with getenv)
// and the parsed flags, validated.
func (cf *configFlags) load(getenv func(string) string, opt loadOptions) (Config, error) {
	type raw struct{ name, value string }
	get := func(env string) raw {
		for _, s := range settings() {
			if s.env == env && cf.values[env].set {
				return raw{"--" + s.flag, cf.values[env].value}
			}
		}
		return raw{env, getenv(env)}
	}
	bad := func(r raw, format string, args ...any) error {
		return &configError{name: r.name, msg: fmt.Sprintf(format, args...)}
	}
	var c Config
	c.Dev = opt.dev

	r := get("ROUNDTABLE_LOG_LEVEL")
	switch strings.ToLower(r.value) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, bad(r, "%q is not one of debug, info, warn, error", r.value)
	}

	r = get("ROUNDTABLE_LISTEN")
	c.Listen = r.value
	if c.Listen == "" {
		c.Listen = defaultListen
	}
	if err := checkListen(c.Listen); err != nil {
		return c, bad(r, "%v", err)
	}

	r = get("ROUNDTABLE_DOMAIN")
	switch {
	case r.value != "":
		d, err := parseDomain(r.value)
		if err != nil {
			return c, bad(r, "%v", err)
		}
		c.Domain = d
	case opt.dev:
		c.Domain = devDomainFor(c.Listen)
	case opt.needDomain:
		return c, bad(r, "must be set to the host name this instance is known by (for example example.org), or use serve --dev")
	}

	r = get("ROUNDTABLE_DATABASE_URL")
	c.DatabaseURL = strings.TrimSpace(r.value)
	if c.DatabaseURL != "" {
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			// The parser's message may quote the URL and its password.
			return c, bad(r, "is not a valid PostgreSQL connection URL (postgres://user:password@host:5432/database)")
		}
	}

	r = get("ROUNDTABLE_DATABASE_READ_URL")
	c.DatabaseReadURL = strings.TrimSpace(r.value)
	if c.DatabaseReadURL != "" {
		if _, err := pgxpool.ParseConfig(c.DatabaseReadURL); err != nil {
			return c, bad(r, "is not a valid PostgreSQL connection URL (postgres://user:password@host:5432/database)")
		}
		if c.DatabaseURL == "" {
			return c, bad(r, "needs ROUNDTABLE_DATABASE_URL: a read replica follows a PostgreSQL server, not the private database")
		}
	}

	r = get("ROUNDTABLE_DATA_DIR")
	dir := r.value
	if dir == "" {
		dir = defaultDataDir
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return c, bad(r, "%v", err)
	}
	c.DataDir = abs

	r = get("ROUNDTABLE_INSECURE_HTTP")
	switch {
	case r.value != "":
		b, err := strconv.ParseBool(r.value)
		if err != nil {
			return c, bad(r, "%q is not true or false", r.value)
		}
		c.InsecureHTTP = b
	case opt.dev:
		c.InsecureHTTP = true
	}

	r = get("ROUNDTABLE_NAME")
	c.Name = strings.TrimSpace(r.value)
	if len([]rune(c.Name)) > 100 {
		return c, bad(r, "must be at most 100 characters")
	}
	if strings.ContainsAny(c.Name, "\n\r\t") {
		return c, bad(r, "must be one line")
	}
	if c.Name == "" {
		c.Name = c.Domain
	}

	for _, l := range []struct {
		env  string
		dest *int
		def  int
	}{{"ROUNDTABLE_API_RATE_LIMIT", &c.APIRateLimit, 300}, {"ROUNDTABLE_INBOX_RATE_LIMIT", &c.InboxRateLimit, 3000}} {
		r = get(l.env)
		*l.dest = l.def
		if v := strings.TrimSpace(r.value); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return c, bad(r, "%q is not a number of requests (0 for no limit)", r.value)
			}
			*l.dest = n
		}
	}

	for _, u := range []struct {
		env  string
		dest *string
	}{{"ROUNDTABLE_DOCTOR_TIME_URL", &c.Doctor.TimeURL}, {"ROUNDTABLE_DOCTOR_REACH_URL", &c.Doctor.ReachURL}} {
		r = get(u.env)
		*u.dest = defaultDoctorURL
		if v := strings.TrimSpace(r.value); v != "" {
			p, err := url.Parse(v)
			if err != nil || p.Host == "" || p.Scheme != "https" && p.Scheme != "http" {
				return c, bad(r, "%q is not an http(s) URL such as https://example.org/", r.value)
			}
			*u.dest = v
		}
	}
	r = get("ROUNDTABLE_DOCTOR_MIN_FREE_MB")
	c.Doctor.MinFreeMB = 1024
	if v := strings.TrimSpace(r.value); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, bad(r, "%q is not a number of megabytes", r.value)
		}
		c.Doctor.MinFreeMB = n
	}

	return c, nil
}

// parseDomain checks that s is a host name or IP address with an optional
// port, and returns it in lower case.
func parseDomain(s string) (string, error) {
	if strings.Contains(s, "://") {
		return "", fmt.Errorf("%q must be a host name without a scheme, such as example.org", s)
	}
	if strings.ContainsAny(s, "/?#@ \t\n") {
		return "", fmt.Errorf("%q must be a host name (and port) only, without a path, such as example.org", s)
	}
	s = strings.ToLower(s)
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		host = h
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q has a bad port", s)
		}
	} else if strings.Contains(strings.Trim(s, "[]"), ":") && !strings.HasPrefix(s, "[") {
		return "", fmt.Errorf("%q is not a host name with an optional port", s)
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return s, nil
	}
	if !validHostname(host) {
		return "", fmt.Errorf("%q is not a valid host name", s)
	}
	return s, nil
}

// validHostname reports whether h is a DNS name made of letters, digits and
// hyphens.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// checkListen checks that addr is a host:port TCP address.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not an address such as 127.0.0.1:8080", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has a bad port", addr)
	}
	if host == "" || host == "localhost" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(strings.ToLower(host)) {
		return fmt.Errorf("%q is not an address such as 127.0.0.1:8080", addr)
	}
	return nil
}

// newLogger returns the logger of a command: text when dev, JSON otherwise,
// at level.
func newLogger(w io.Writer, dev bool, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if dev {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
