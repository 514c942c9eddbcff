package main

import (
	"os"
	"strings"
	"sync"
	"time"
)

// clockFileEnv names a file holding a duration (such as "7h30m") by which
// the serve process moves its clock forward. It exists for the fault tests
// only, which move time by hours to watch retries, pauses and probes: it is
// not a setting, is not documented for operators, serve refuses it unless
// ROUNDTABLE_INSECURE_HTTP (development and tests only) is on, and an
// instance started without it reads the real time.
const clockFileEnv = "ROUNDTABLE_CLOCK_FILE"

// fileClock is the real time moved forward by the duration in a file. The
// file is read again at most every 100 ms, so a test changes the time of a
// running process by writing it.
type fileClock struct {
	path string

	mu     sync.Mutex
	offset time.Duration
	readAt time.Time
}

func newFileClock(path string) *fileClock {
	c := &fileClock{path: path}
	c.Now()
	return c
}

// Now returns the moved time; it keeps the monotonic reading of time.Now.
func (c *fileClock) Now() time.Time {
	real := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if real.Sub(c.readAt) >= 100*time.Millisecond {
		c.readAt = real
		if b, err := os.ReadFile(c.path); err == nil {
			if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil && d >= c.offset {
				c.offset = d // time never goes back
			}
		}
	}
	return real.Add(c.offset)
}

// NowOrNil gives the job queue the moved time for what it stores and
// compares in the database (when jobs are due).
func (c *fileClock) NowOrNil() *time.Time {
	now := c.Now()
	return &now
}
