package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The private database.
//
// Without ROUNDTABLE_DATABASE_URL, roundtable runs PostgreSQL itself from the
// installed binaries: the cluster lives in $ROUNDTABLE_DATA_DIR/postgres, is
// created on first use, listens on a Unix socket only, and runs as the
// postgres system user when roundtable runs as root (PostgreSQL refuses to
// run as root).
//
// Who stops it: several roundtable processes may use one cluster at once
// (serve, and admin commands run beside it). Each process that uses the
// cluster holds a shared flock on $ROUNDTABLE_DATA_DIR/postgres.users.lock
// for as long as it uses it. Starting the cluster and stopping it happen only
// while holding an exclusive flock on $ROUNDTABLE_DATA_DIR/postgres.control.lock,
// and a process stops the cluster only if, with its own shared lock
// released, it can take an exclusive lock on the users file: that is, only
// when no other roundtable process uses the cluster. So the last process out
// stops it, whoever started it: an admin command never stops the cluster
// under a running serve, serve reuses a cluster an admin command started,
// and serve still stops it on exit. The kernel releases a process's flocks
// when it dies, so a crashed process blocks no one: the server it leaves
// running is used, and then stopped, by the next roundtable process. A
// server that crashed itself leaves a stale postmaster.pid, which the next
// start recognises and clears.

const (
	// clusterPort only names the socket file (.s.PGSQL.5432): the cluster
	// listens on no TCP port.
	clusterPort = 5432
	// clusterUser is the database superuser initdb creates.
	clusterUser = "postgres"
	// clusterDatabase is the database roundtable keeps its data in.
	clusterDatabase = "roundtable"
	// maxSocketPath is the longest Unix socket path the kernel accepts
	// (sizeof(sun_path) - 1).
	maxSocketPath = 107
	// logRotateSize is the size past which the server log is moved to
	// postgresql.log.old when the cluster starts.
	logRotateSize = 10 << 20
)

// cluster is a private PostgreSQL cluster in a data directory.
type cluster struct {
	dataDir   string     // $ROUNDTABLE_DATA_DIR, absolute
	dir       string     // the cluster: dataDir/postgres
	socketDir string     // where the server's Unix socket is
	bin       string     // directory of initdb, pg_ctl and postgres
	owner     *osAccount // who the server runs as; nil: this process's user
	log       *slog.Logger
}

// osAccount is a system user that the server runs as.
type osAccount struct {
	name     string
	uid, gid uint32
	groups   []uint32
	home     string
}

// newCluster prepares the private cluster of dataDir: it finds the
// PostgreSQL binaries, decides which user runs the server, creates the data
// directory and checks that the server can reach it. It starts nothing.
func newCluster(dataDir string, log *slog.Logger) (*cluster, error) {
	c := &cluster{dataDir: dataDir, dir: filepath.Join(dataDir, "postgres"), log: log}
	if os.Geteuid() == 0 {
		acct, err := lookupAccount("postgres")
		if err != nil {
			return nil, err
		}
		c.owner = acct
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("ROUNDTABLE_DATA_DIR: %w", err)
	}
	if c.owner != nil {
		if err := c.checkReachable(); err != nil {
			return nil, err
		}
	}
	bin, err := findPostgres(c.dir)
	if err != nil {
		return nil, err
	}
	c.bin = bin
	c.socketDir = socketDirFor(c.dir)
	return c, nil
}

// lookupAccount returns the system user called name.
func lookupAccount(name string) (*osAccount, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("the private database runs as the %s system user when roundtable runs as root, and there is none: install PostgreSQL (apt-get install postgresql), run roundtable as another user, or set ROUNDTABLE_DATABASE_URL", name)
	}
	acct := &osAccount{name: name, home: u.HomeDir}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	acct.uid, acct.gid = uint32(uid), uint32(gid)
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			acct.groups = append(acct.groups, uint32(n))
		}
	}
	if len(acct.groups) == 0 {
		acct.groups = []uint32{acct.gid}
	}
	return acct, nil
}

// checkReachable checks that the owner may pass through every directory
// from / down to the data directory, which PostgreSQL needs to reach its
// cluster. A checkout under a 0700 home directory is the usual trap.
func (c *cluster) checkReachable() error {
	real, err := filepath.EvalSymlinks(c.dataDir)
	if err != nil {
		return fmt.Errorf("ROUNDTABLE_DATA_DIR: %w", err)
	}
	var dirs []string
	for d := real; ; d = filepath.Dir(d) {
		dirs = append(dirs, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("ROUNDTABLE_DATA_DIR: %w", err)
		}
		if c.owner.canSearch(fi) {
			continue
		}
		if d == real {
			return fmt.Errorf("ROUNDTABLE_DATA_DIR: %s is not reachable by the %s user; run chmod o+x %s or choose another data directory", c.dataDir, c.owner.name, d)
		}
		return fmt.Errorf("ROUNDTABLE_DATA_DIR: %s is not reachable by the %s user; choose a data directory outside %s or run chmod o+x %s", c.dataDir, c.owner.name, d, d)
	}
	return nil
}

// canSearch reports whether a may pass through the directory fi.
func (a *osAccount) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := fi.Mode().Perm()
	if st.Uid == a.uid {
		return mode&0o100 != 0
	}
	for _, g := range a.groups {
		if st.Gid == g {
			return mode&0o010 != 0
		}
	}
	return mode&0o001 != 0
}

// findPostgres returns the directory holding initdb, pg_ctl and postgres:
// the one on PATH, else the newest under /usr/lib/postgresql. When the
// cluster in dir already exists, it must be of the same major version.
func findPostgres(dir string) (string, error) {
	var candidates []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versioned, func(i, j int) bool {
		return versionOf(versioned[i]) > versionOf(versioned[j])
	})
	candidates = append(candidates, versioned...)

	want := ""
	if b, err := os.ReadFile(filepath.Join(dir, "PG_VERSION")); err == nil {
		want = strings.TrimSpace(string(b))
	}
	var found []string
	for _, d := range candidates {
		if !isExecutable(filepath.Join(d, "initdb")) || !isExecutable(filepath.Join(d, "pg_ctl")) || !isExecutable(filepath.Join(d, "postgres")) {
			continue
		}
		major, err := postgresMajor(d)
		if err != nil {
			continue
		}
		if want == "" || major == want {
			return d, nil
		}
		found = append(found, major)
	}
	if len(found) > 0 {
		return "", fmt.Errorf("the private database in %s was made by PostgreSQL %s, but only PostgreSQL %s is installed: install PostgreSQL %s beside it (apt-get install postgresql-%s)", dir, want, strings.Join(found, ", "), want, want)
	}
	return "", errors.New("no database: ROUNDTABLE_DATABASE_URL is not set and PostgreSQL is not installed to run a private database; set ROUNDTABLE_DATABASE_URL to a PostgreSQL server (the container image needs one), or install PostgreSQL's initdb, pg_ctl and postgres programs (Debian and Ubuntu: apt-get install postgresql)")
}

// versionOf returns the major version in a path like
// /usr/lib/postgresql/15/bin, or 0.
func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// postgresMajor returns the major version of the postgres in binDir:
// "15" for "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)".
func postgresMajor(binDir string) (string, error) {
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s/postgres --version: %w", binDir, err)
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return "", fmt.Errorf("%s/postgres --version: unexpected answer %q", binDir, out)
	}
	major, _, _ := strings.Cut(f[2], ".")
	return major, nil
}

// socketDirFor returns the directory of the server's socket: the cluster
// directory itself when the socket path fits the kernel's limit, else a
// short directory under /tmp named by a hash of the cluster directory.
func socketDirFor(dir string) string {
	if len(dir)+len("/.s.PGSQL.")+len(strconv.Itoa(clusterPort)) <= maxSocketPath {
		return dir
	}
	sum := sha256.Sum256([]byte(dir))
	return "/tmp/roundtable-" + hex.EncodeToString(sum[:6])
}

// acquire makes sure the cluster exists and runs, and registers this process
// as one of its users. The returned release function unregisters it and
// stops the cluster if no other roundtable process uses it.
func (c *cluster) acquire(ctx context.Context) (release func(context.Context) error, err error) {
	control, err := lockFile(ctx, filepath.Join(c.dataDir, "postgres.control.lock"), syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer control.Close()
	users, err := lockFile(ctx, filepath.Join(c.dataDir, "postgres.users.lock"), syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	if err := c.ensureRunning(ctx); err != nil {
		// Leave it as it was found for whoever comes next, unless this
		// process was the only one using it.
		c.stopIfLast(ctx, users)
		return nil, err
	}
	return func(ctx context.Context) error {
		control, err := lockFile(ctx, filepath.Join(c.dataDir, "postgres.control.lock"), syscall.LOCK_EX)
		if err != nil {
			users.Close()
			return err
		}
		defer control.Close()
		return c.stopIfLast(ctx, users)
	}, nil
}

// stopIfLast releases this process's shared lock on the users file and, if
// no other process holds one, stops the cluster. The caller holds the
// control lock.
func (c *cluster) stopIfLast(ctx context.Context, users *os.File) error {
	defer users.Close()
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_UN); err != nil {
		return fmt.Errorf("unlock %s: %w", users.Name(), err)
	}
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		c.log.Debug("private database left running for other roundtable processes", "dir", c.dir)
		return nil
	}
	return c.stop(ctx)
}

// lockFile opens path and takes a flock of the given kind on it, waiting at
// most a minute and a half for others to release theirs.
func lockFile(ctx context.Context, path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another roundtable process has been starting or stopping the private database for too long (lock %s)", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ensureRunning creates the cluster if it does not exist, starts it if it
// is not running (clearing a stale lock left by a crash), and creates the
// roundtable database in it. The caller holds the control lock.
func (c *cluster) ensureRunning(ctx context.Context) error {
	if err := c.ensureDirs(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	running, err := c.running()
	if err != nil {
		return err
	}
	if !running {
		if err := c.start(ctx); err != nil {
			return err
		}
	}
	return c.ensureDatabase(ctx)
}

// ensureDirs creates the cluster and socket directories, owned by the
// server's user and closed to everyone else.
func (c *cluster) ensureDirs() error {
	for _, d := range []string{c.dir, c.socketDir} {
		fi, err := os.Lstat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(d, 0o700); err != nil {
				return fmt.Errorf("private database: %w", err)
			}
			if c.owner != nil {
				if err := os.Chown(d, int(c.owner.uid), int(c.owner.gid)); err != nil {
					return fmt.Errorf("private database: %w", err)
				}
			}
			continue
		case err != nil:
			return fmt.Errorf("private database: %w", err)
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		uid := uint32(os.Geteuid())
		if c.owner != nil {
			uid = c.owner.uid
		}
		if !fi.IsDir() || st == nil || st.Uid != uid {
			who := "this user"
			if c.owner != nil {
				who = "the " + c.owner.name + " user"
			}
			return fmt.Errorf("private database: %s must be a directory owned by %s", d, who)
		}
		if d == c.socketDir && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(d, 0o700); err != nil {
				return fmt.Errorf("private database: %w", err)
			}
		}
	}
	return nil
}

// command returns a PostgreSQL program of the cluster's binaries, run as
// the cluster's owner, in its own session (so that a Ctrl-C meant for
// roundtable does not reach the server) and without PG* variables of the
// caller's environment.
func (c *cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if c.owner != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.owner.uid, Gid: c.owner.gid, Groups: c.owner.groups}
		cmd.Env = append(cmd.Env, "HOME="+c.owner.home)
	} else if home, err := os.UserHomeDir(); err == nil {
		cmd.Env = append(cmd.Env, "HOME="+home)
	}
	return cmd
}

// runQuiet runs cmd and returns an error holding the last lines of its
// output when it fails.
func runQuiet(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, lastLines(out.String(), 3))
	}
	return nil
}

// initdb creates the cluster: UTF-8, the postgres superuser, trusted on the
// Unix socket only.
func (c *cluster) initdb(ctx context.Context) error {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("private database: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("private database: %s is not empty but holds no database cluster; move it away and start again", c.dir)
	}
	c.log.Info("creating the private database", "dir", c.dir)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	args := []string{"-D", c.dir, "-U", clusterUser, "-E", "UTF8", "--auth-local=trust", "--auth-host=reject"}
	err = runQuiet(c.command(ctx, "initdb", append(args, "--locale=C.UTF-8")...))
	if err != nil {
		// Not every system has the C.UTF-8 locale; initdb empties the
		// directory when it fails.
		err = runQuiet(c.command(ctx, "initdb", append(args, "--no-locale")...))
	}
	if err != nil {
		return fmt.Errorf("create the private database: %w", err)
	}
	return nil
}

// running reports whether the cluster's server runs. A postmaster.pid left
// by a server that died (its process is gone, or the pid now belongs to
// another program) is removed, with the socket's lock file, so that the
// server can start again.
func (c *cluster) running() (bool, error) {
	pidFile := filepath.Join(c.dir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("private database: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err == nil && pid > 0 && c.isServer(pid) {
		return true, nil
	}
	c.log.Warn("clearing the stale lock of a private database that did not stop cleanly", "pid", pid, "dir", c.dir)
	for _, f := range []string{pidFile, filepath.Join(c.socketDir, fmt.Sprintf(".s.PGSQL.%d.lock", clusterPort))} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("private database: clear stale lock: %w", err)
		}
	}
	return false, nil
}

// isServer reports whether pid is a live postgres server of this cluster.
func (c *cluster) isServer(pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		// No /proc: trust the signal check alone.
		return syscall.Kill(pid, 0) == nil
	}
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	if !strings.HasPrefix(filepath.Base(argv0), "postgres") {
		return false // gone (a zombie has no command line) or another program
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return true // not ours to inspect; postgres itself will tell
	}
	want, err := filepath.EvalSymlinks(c.dir)
	return err != nil || cwd == want
}

// start starts the server, listening on the Unix socket only, and waits
// until it accepts connections.
func (c *cluster) start(ctx context.Context) error {
	logFile := filepath.Join(c.dir, "postgresql.log")
	if fi, err := os.Stat(logFile); err == nil && fi.Size() > logRotateSize {
		_ = os.Rename(logFile, logFile+".old")
	}
	opts := strings.Join([]string{
		"-c", "listen_addresses=''",
		"-c", "unix_socket_directories=" + shellQuote(c.socketDir),
		"-c", "unix_socket_permissions=0700",
		"-p", strconv.Itoa(clusterPort),
	}, " ")
	c.log.Info("starting the private database", "dir", c.dir, "socket", c.socketDir)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			// A crashed server's processes may take a moment to let go of
			// its shared memory.
			time.Sleep(time.Second)
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 90*time.Second)
		err = runQuiet(c.command(sctx, "pg_ctl", "start", "-D", c.dir, "-l", logFile, "-w", "-t", "60", "-s", "-o", opts))
		cancel()
		if err == nil {
			return nil
		}
	}
	if msg := lastServerError(logFile); msg != "" {
		return fmt.Errorf("the private database did not start: %s (see %s)", msg, logFile)
	}
	return fmt.Errorf("the private database did not start: %w (see %s)", err, logFile)
}

// stop stops the server: a fast shutdown (open sessions are ended), or an
// immediate one if that takes too long.
func (c *cluster) stop(ctx context.Context) error {
	running, err := c.running()
	if err != nil || !running {
		return err
	}
	c.log.Info("stopping the private database", "dir", c.dir)
	// serve's whole shutdown must fit in 15 seconds: a fast shutdown gets
	// 3 of them, then an immediate one (crash recovery at the next start).
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = runQuiet(c.command(sctx, "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-w", "-t", "3", "-s"))
	if err == nil {
		return nil
	}
	if err2 := runQuiet(c.command(sctx, "pg_ctl", "stop", "-D", c.dir, "-m", "immediate", "-w", "-t", "2", "-s")); err2 != nil {
		return fmt.Errorf("stop the private database: %w", errors.Join(err, err2))
	}
	return nil
}

// connConfig returns the pool configuration for database db of the cluster,
// ignoring any PG* variables of the environment.
func (c *cluster) connConfig(db string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("private database: %w", err)
	}
	cc := cfg.ConnConfig
	cc.Host = c.socketDir
	cc.Port = clusterPort
	cc.User = clusterUser
	cc.Password = ""
	cc.Database = db
	cc.TLSConfig = nil
	cc.Fallbacks = nil
	cc.RuntimeParams = map[string]string{"application_name": "roundtable"}
	return cfg, nil
}

// ensureDatabase creates the roundtable database if it is missing.
func (c *cluster) ensureDatabase(ctx context.Context) error {
	cfg, err := c.connConfig("postgres")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("connect to the private database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, clusterDatabase).Scan(&exists); err != nil {
		return fmt.Errorf("private database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{clusterDatabase}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", clusterDatabase, err)
	}
	return nil
}

// lastServerError returns the last FATAL or PANIC line of the server log.
func lastServerError(logFile string) string {
	f, err := os.Open(logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 64<<10 {
		_, _ = f.Seek(fi.Size()-64<<10, 0)
	}
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, "FATAL:") || strings.Contains(l, "PANIC:") {
			last = strings.TrimSpace(l)
		}
	}
	return last
}

// lastLines returns the last n non-empty lines of s, joined by " / ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// shellQuote quotes s for the shell pg_ctl starts the server with.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
