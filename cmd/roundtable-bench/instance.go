package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// instance is a roundtable serve process the tool started, with its own
// fresh database and data directory, or one it was pointed at.
type instance struct {
	bin      string
	env      map[string]string
	base     string // http://host:port
	domain   string
	dbURL    string
	adminURL string
	dbName   string
	dataDir  string
	cmd      *exec.Cmd
	done     chan struct{}
	client   *http.Client
}

// startInstance creates a database on the PostgreSQL server adminURL
// names, and starts the binary's serve on host with it.
func startInstance(ctx context.Context, bin, adminURL, host string) (*instance, error) {
	inst := &instance{bin: bin, adminURL: adminURL, done: make(chan struct{}),
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	inst.dbName = fmt.Sprintf("roundtable_bench_%s_%d", strings.ReplaceAll(host, ".", "_"), os.Getpid())
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("-database-url: %w", err)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", u.Redacted(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+inst.dbName+" WITH (FORCE)"); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+inst.dbName); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + inst.dbName
	inst.dbURL = u.String()
	if inst.dataDir, err = os.MkdirTemp("", "roundtable-bench-"); err != nil {
		inst.cleanup()
		return nil, err
	}
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		inst.cleanup()
		return nil, fmt.Errorf("instance address %s: %w", host, err)
	}
	addr := ln.Addr().String()
	ln.Close()
	inst.domain, inst.base = addr, "http://"+addr
	inst.env = map[string]string{
		"ROUNDTABLE_DATABASE_URL":     inst.dbURL,
		"ROUNDTABLE_DATA_DIR":         inst.dataDir,
		"ROUNDTABLE_DOMAIN":           addr,
		"ROUNDTABLE_LISTEN":           addr,
		"ROUNDTABLE_INSECURE_HTTP":    "true",
		"ROUNDTABLE_LOG_LEVEL":        "error",
		"ROUNDTABLE_API_RATE_LIMIT":   "0",
		"ROUNDTABLE_INBOX_RATE_LIMIT": "0",
	}
	inst.cmd = inst.command("serve")
	logFile, err := os.Create(filepath.Join(inst.dataDir, "serve.log"))
	if err != nil {
		inst.cleanup()
		return nil, err
	}
	inst.cmd.Stdout, inst.cmd.Stderr = logFile, logFile
	if err := inst.cmd.Start(); err != nil {
		logFile.Close()
		inst.cleanup()
		return nil, err
	}
	go func() { inst.cmd.Wait(); logFile.Close(); close(inst.done) }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := inst.client.Get(inst.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return inst, nil
			}
		}
		select {
		case <-inst.done:
			logs := inst.logs()
			inst.cleanup()
			return nil, fmt.Errorf("roundtable serve exited before it was ready: %s", logs)
		case <-ctx.Done():
			inst.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			inst.stop()
			return nil, errors.New("roundtable serve was not ready within 90 s")
		}
	}
}

// command is the binary with args and the instance's settings.
func (inst *instance) command(args ...string) *exec.Cmd {
	cmd := exec.Command(inst.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROUNDTABLE_") && !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range inst.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// run runs one of the binary's commands and returns what it printed.
func (inst *instance) run(args ...string) (string, error) {
	cmd := inst.command(args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("roundtable %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// member creates a member and returns a token for it.
func (inst *instance) member(name string) (string, error) {
	if _, err := inst.run("admin", "account", "create", "--username", name, "--email", name+"@bench.example"); err != nil {
		return "", err
	}
	tok, err := inst.run("admin", "account", "token", "--username", name, "--scopes", "read write follow")
	return strings.TrimSpace(tok), err
}

// logs returns the end of what serve printed.
func (inst *instance) logs() string {
	b, _ := os.ReadFile(filepath.Join(inst.dataDir, "serve.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// pid is the serve process's id.
func (inst *instance) pid() int { return inst.cmd.Process.Pid }

// stop stops serve and removes its database and data directory.
func (inst *instance) stop() {
	if inst.cmd != nil && inst.cmd.Process != nil {
		select {
		case <-inst.done:
		default:
			inst.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-inst.done:
			case <-time.After(20 * time.Second):
				inst.cmd.Process.Kill()
				<-inst.done
			}
		}
	}
	inst.client.CloseIdleConnections()
	inst.cleanup()
}

func (inst *instance) cleanup() {
	if inst.dataDir != "" {
		os.RemoveAll(inst.dataDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, inst.adminURL); err == nil {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+inst.dbName+" WITH (FORCE)")
		conn.Close(ctx)
	}
}

// api calls the client API (or any JSON endpoint) and decodes the answer.
func (inst *instance) api(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, inst.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.HasPrefix(path, "/users/") {
		req.Header.Set("Accept", "application/activity+json")
	}
	res, err := inst.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

// status is the part of a client API status the tool reads.
type status struct {
	ID           string `json:"id"`
	URI          string `json:"uri"`
	Content      string `json:"content"`
	RepliesCount int    `json:"replies_count"`
	Account      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"account"`
}

// post publishes a status through the client API.
func (inst *instance) post(ctx context.Context, token string, body map[string]any) (*status, error) {
	var st status
	if _, err := inst.api(ctx, "POST", "/api/v1/statuses", token, body, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// consultation creates the open consultation slug, facilitated by member.
func (inst *instance) consultation(slug, member string) error {
	_, err := inst.run("admin", "consultation", "create", "--slug", slug, "--title", "What should change first?",
		"--prompt", "Tell us from your own experience.", "--moderator", member)
	return err
}

// metrics reads the numbers of /metrics named in want.
func (inst *instance) metrics(ctx context.Context, want ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, inst.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := inst.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %d", res.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		for _, w := range want {
			if name == w {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					out[name] = f
				}
			}
		}
	}
	return out, sc.Err()
}

// rss returns the resident memory of a process, from /proc.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// dbConnections counts the instance's connections to its database.
func (inst *instance) dbConnections(ctx context.Context, conn *pgx.Conn) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, inst.dbName).Scan(&n)
	return n, err
}
