package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// profileServe records a CPU profile of the serve process with Linux perf
// (the instance serves no pprof endpoint) while a measured phase runs, when
// -server-profile names a directory. It returns the function that stops it.
func (c *config) profileServe(inst *instance, name string) func() {
	if c.ProfileDir == "" {
		return func() {}
	}
	perf, err := exec.LookPath("perf")
	if err != nil {
		c.logf("%s: no server profile: perf is not installed", name)
		return func() {}
	}
	if err := os.MkdirAll(c.ProfileDir, 0o755); err != nil {
		c.logf("%s: no server profile: %v", name, err)
		return func() {}
	}
	out := filepath.Join(c.ProfileDir, name+".perf.data")
	cmd := exec.Command(perf, "record", "-q", "-F", "499", "-g", "-p", fmt.Sprint(inst.pid()), "-o", out)
	if err := cmd.Start(); err != nil {
		c.logf("%s: no server profile: %v", name, err)
		return func() {}
	}
	time.Sleep(300 * time.Millisecond) // perf attaches
	return func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		c.logf("%s: server profile in %s (perf report -i %s)", name, out, out)
	}
}
