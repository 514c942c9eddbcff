package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/federation"
	"github.com/roundtable-fed/roundtable/migrations"
)

// maxClockSkew is how far the clock may be from the reference's before
// doctor reports it: other servers refuse signatures dated further off.
const maxClockSkew = time.Minute

// doctorReport prints the outcome of each check.
type doctorReport struct {
	w        io.Writer
	problems int
}

func (r *doctorReport) ok(check, format string, args ...any) {
	fmt.Fprintf(r.w, "ok       %-13s %s\n", check+":", fmt.Sprintf(format, args...))
}

// problem prints what is wrong and what to do about it.
func (r *doctorReport) problem(check, what, fix string) {
	r.problems++
	fmt.Fprintf(r.w, "PROBLEM  %-13s %s; %s\n", check+":", oneLine(what), fix)
}

// doctor checks the configuration, the database, the data directory's
// disk, the clock and outgoing federation, printing one line per check and
// what to fix; it fails when any check found a problem.
func doctor(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("admin doctor", "admin doctor [FLAGS]", e.stderr)
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := &doctorReport{w: e.stdout}
	cfg, ok := doctorConfig(cf, e, r)
	if !ok {
		return fmt.Errorf("doctor found %d problem(s): the other checks need the configuration fixed first", r.problems)
	}
	doctorDatabase(ctx, cfg, r)
	doctorDisk(cfg, r)
	doctorClock(ctx, cfg, r)
	doctorOutgoing(ctx, cfg, r)
	if r.problems > 0 {
		return fmt.Errorf("doctor found %d problem(s); see the lines marked PROBLEM above", r.problems)
	}
	fmt.Fprintln(e.stdout, "no problems found")
	return nil
}

// doctorConfig loads the configuration and checks the domain. A wrong
// domain is reported and the other settings are still checked, so that the
// other checks can run; it reports false when they cannot.
func doctorConfig(cf *configFlags, e env, r *doctorReport) (Config, bool) {
	cfg, err := cf.load(e.getenv, loadOptions{needDomain: true})
	var ce *configError
	if errors.As(err, &ce) && (ce.name == "ROUNDTABLE_DOMAIN" || ce.name == "--domain") {
		r.problem("configuration", err.Error(), "set ROUNDTABLE_DOMAIN to the host name this instance is known by, such as example.org")
		cf.values["ROUNDTABLE_DOMAIN"].set = false
		getenv := func(k string) string {
			if k == "ROUNDTABLE_DOMAIN" {
				return ""
			}
			return e.getenv(k)
		}
		cfg, err = cf.load(getenv, loadOptions{})
		if err != nil {
			r.problem("configuration", err.Error(), "correct that setting (see docs/configuration.md)")
			return cfg, false
		}
		return cfg, true
	}
	if err != nil {
		r.problem("configuration", err.Error(), "correct that setting (see docs/configuration.md)")
		return cfg, false
	}
	host := cfg.Domain
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if _, err := netip.ParseAddr(host); (err == nil || host == "localhost") && !cfg.InsecureHTTP {
		r.problem("configuration", fmt.Sprintf("ROUNDTABLE_DOMAIN %s is not a public host name: other servers cannot reach it over https", cfg.Domain),
			"set ROUNDTABLE_DOMAIN to the DNS name of this server, such as example.org (an IP address is for development with ROUNDTABLE_INSECURE_HTTP only)")
		return cfg, true
	}
	r.ok("configuration", "every setting parses; the instance is %s", cfg.BaseURL())
	return cfg, true
}

// doctorDatabase connects to the database without changing it and checks
// that its migrations are applied and that it belongs to this domain.
func doctorDatabase(ctx context.Context, cfg Config, r *doctorReport) {
	var pcfg *pgxpool.Config
	where := "the database of ROUNDTABLE_DATABASE_URL"
	if cfg.DatabaseURL != "" {
		c, err := pgxpool.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			r.problem("database", "ROUNDTABLE_DATABASE_URL is not a valid PostgreSQL connection URL", "write it as postgres://user:password@host:5432/database")
			return
		}
		pcfg = c
	} else {
		where = "the private database in " + cfg.DataDir
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "postgres")); err != nil {
			r.problem("database", "there is no private database in "+cfg.DataDir+" yet",
				"run roundtable migrate (or serve) to create it, or set ROUNDTABLE_DATABASE_URL to an existing PostgreSQL database")
			return
		}
		cl, err := newCluster(cfg.DataDir, newLogger(io.Discard, true, cfg.LogLevel))
		if err != nil {
			r.problem("database", err.Error(), "see docs/install.md on the private database")
			return
		}
		release, err := cl.acquire(ctx)
		if err != nil {
			r.problem("database", "the private database does not start: "+err.Error(), "see docs/install.md on the private database")
			return
		}
		defer release(context.WithoutCancel(ctx))
		if pcfg, err = cl.connConfig(clusterDatabase); err != nil {
			r.problem("database", err.Error(), "see docs/install.md on the private database")
			return
		}
	}
	pcfg.MaxConns = 2
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(cctx, pcfg)
	if err == nil {
		defer pool.Close()
		err = pool.Ping(cctx)
	}
	if err != nil {
		r.problem("database", "cannot connect to "+where+": "+err.Error(),
			"start PostgreSQL, or correct the host, port, user, password or database name in ROUNDTABLE_DATABASE_URL")
		return
	}
	pending, err := migrations.Pending(cctx, pool)
	if err != nil {
		r.problem("database", "cannot read the migrations applied to "+where+": "+err.Error(), "check that the database user may read it")
		return
	}
	if pending {
		r.problem("database", "migrations are waiting to be applied to "+where, "run roundtable migrate (serve applies them when it starts); see docs/upgrade.md")
		return
	}
	saved, err := roundtable.NewStore(pool).SavedBaseURL(cctx)
	if err != nil {
		r.problem("database", err.Error(), "check that the database user may read it")
		return
	}
	if saved != "" && cfg.Domain != "" && saved != cfg.BaseURL() {
		r.problem("configuration", fmt.Sprintf("this database belongs to %s, but ROUNDTABLE_DOMAIN makes the instance %s: every id other servers know would change", saved, cfg.BaseURL()),
			"set ROUNDTABLE_DOMAIN back to "+strings.TrimPrefix(strings.TrimPrefix(saved, "https://"), "http://")+" (a domain cannot be changed without losing federation)")
	}
	r.ok("database", "%s is reachable and up to date", where)
}

// doctorDisk checks that the data directory is writable and has the free
// space asked for.
func doctorDisk(cfg Config, r *doctorReport) {
	dir := cfg.DataDir
	f, err := os.CreateTemp(dir, ".doctor-")
	if err != nil {
		r.problem("disk", "cannot write in the data directory "+dir+": "+err.Error(),
			"create it and give it to the user roundtable runs as, or set ROUNDTABLE_DATA_DIR to a writable directory")
		return
	}
	f.Close()
	os.Remove(f.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		r.problem("disk", "cannot read the free space of "+dir+": "+err.Error(), "check the file system of ROUNDTABLE_DATA_DIR")
		return
	}
	freeMB := int64(st.Bavail) * int64(st.Bsize) / (1 << 20)
	if freeMB < int64(cfg.Doctor.MinFreeMB) {
		r.problem("disk", fmt.Sprintf("the data directory %s has %d MB free, less than the %d MB asked for", dir, freeMB, cfg.Doctor.MinFreeMB),
			"free space there (old backups, logs) or move ROUNDTABLE_DATA_DIR to a larger disk; ROUNDTABLE_DOCTOR_MIN_FREE_MB sets the threshold")
		return
	}
	r.ok("disk", "%s is writable, %d MB free", dir, freeMB)
}

// doctorClock compares the clock with the Date header of the reference's
// answer.
func doctorClock(ctx context.Context, cfg Config, r *doctorReport) {
	ref := cfg.Doctor.TimeURL
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, ref, nil)
	if err != nil {
		r.problem("clock", err.Error(), "set ROUNDTABLE_DOCTOR_TIME_URL to an https URL")
		return
	}
	start := time.Now()
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		r.problem("clock", "cannot ask "+ref+" for the time: "+err.Error(),
			"let this server make outgoing https requests, or set ROUNDTABLE_DOCTOR_TIME_URL to a server it reaches")
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	end := time.Now()
	theirs, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		r.problem("clock", ref+" answered without a Date header", "set ROUNDTABLE_DOCTOR_TIME_URL to a web server that sends one")
		return
	}
	ours := start.Add(end.Sub(start) / 2)
	skew := ours.Sub(theirs).Round(time.Second)
	if skew > maxClockSkew || skew < -maxClockSkew {
		dir := "ahead of"
		if skew < 0 {
			dir, skew = "behind", -skew
		}
		r.problem("clock", fmt.Sprintf("this server's clock is %v %s %s's: other servers refuse signatures dated more than a few minutes off", skew, dir, ref),
			"turn on time synchronisation (timedatectl set-ntp true, or chrony)")
		return
	}
	r.ok("clock", "within %v of %s", maxClockSkew, ref)
}

// doctorOutgoing requests the reach URL through the federation's client:
// any HTTP answer shows that requests to other servers get out.
func doctorOutgoing(ctx context.Context, cfg Config, r *doctorReport) {
	ref := cfg.Doctor.ReachURL
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, ref, nil)
	if err != nil {
		r.problem("federation", err.Error(), "set ROUNDTABLE_DOCTOR_REACH_URL to an https URL")
		return
	}
	req.Header.Set("User-Agent", "Roundtable/"+version+" (doctor)")
	resp, err := federation.NewHTTPClient(cfg.InsecureHTTP).Do(req)
	if err != nil {
		fix := "allow outgoing https (port 443) from this server in its firewall, and check its DNS resolver"
		if errors.Is(err, federation.ErrForbiddenAddress) {
			fix = "federation never contacts private or loopback addresses; set ROUNDTABLE_DOCTOR_REACH_URL to a public server"
		}
		r.problem("federation", "outgoing requests fail: "+ref+": "+err.Error(), fix)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	r.ok("federation", "outgoing requests get out (%s answered %d)", ref, resp.StatusCode)
}
