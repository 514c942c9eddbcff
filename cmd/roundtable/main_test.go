package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the roundtable binary TestMain builds for the tests to run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "roundtable-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "roundtable")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build roundtable:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a finished run of the binary left.
type result struct {
	stdout, stderr string
	code           int
}

// baseEnv returns this process's environment without any ROUNDTABLE_ or PG
// variable, so that tests see only the settings they give.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ROUNDTABLE_") || strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// command returns the binary with args and the settings in env.
func command(env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = baseEnv()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runBinary runs the binary to its end, with stdin as its input.
func runBinary(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	cmd := command(env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("roundtable %s did not finish in 2 minutes; stderr: %s", strings.Join(args, " "), errOut.String())
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode()}
}

// server is a roundtable serve running in the background.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	done chan struct{}

	mu             sync.Mutex
	stdout, stderr bytes.Buffer
}

// lockedWriter writes to a buffer under the server's lock.
type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// startServe starts roundtable serve with env and waits until /readyz
// answers 200.
func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	s := &server{t: t, done: make(chan struct{})}
	s.cmd = command(env, append([]string{"serve"}, args...)...)
	s.cmd.Stdout = lockedWriter{&s.mu, &s.stdout}
	s.cmd.Stderr = lockedWriter{&s.mu, &s.stderr}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(20 * time.Second):
				s.cmd.Process.Kill()
				<-s.done
			}
		}
	})
	s.base = "http://" + env["ROUNDTABLE_LISTEN"]
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("serve exited with status %d before it was ready; stderr:\n%s", s.cmd.ProcessState.ExitCode(), s.logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve was not ready within 90 s (last: %v); stderr:\n%s", err, s.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logs returns what serve printed on stderr so far.
func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// output returns what serve printed on stdout so far.
func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String()
}

// stop sends sig and waits for serve to exit, failing if that takes longer
// than within; it returns the exit status.
func (s *server) stop(sig syscall.Signal, within time.Duration) int {
	s.t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(within):
		s.t.Fatalf("serve did not exit within %v of %v; stderr:\n%s", within, sig, s.logs())
	}
	s.t.Logf("serve exited %v after %v", s.cmd.ProcessState.ExitCode(), time.Since(start).Round(time.Millisecond))
	return s.cmd.ProcessState.ExitCode()
}

// get requests path on the server with an optional bearer token.
func (s *server) get(path, token string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dataDir returns a new, short data directory under /tmp that the postgres
// user can reach when the tests run as root. When the test ends, any private
// database still running in it is stopped and it is removed.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "rt-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pid, ok := postmasterPID(dir); ok {
			syscall.Kill(pid, syscall.SIGQUIT) // immediate shutdown
			waitGone(pid, 10*time.Second)
		}
		os.RemoveAll(dir)
	})
	return dir
}

// postmasterPID returns the pid in the private database's postmaster.pid.
func postmasterPID(dataDir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postgres", "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	var pid int
	_, err = fmt.Sscan(string(b), &pid)
	return pid, err == nil && pid > 0
}

// alive reports whether pid is a running process (a zombie is not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// pid (comm) state ...
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// waitGone waits up to d for pid to end; it reports whether it did.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
