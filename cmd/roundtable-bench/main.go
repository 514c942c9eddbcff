// Command roundtable-bench is Roundtable's load tool. It starts fresh
// instances of the roundtable binary, each with its own database, and drives
// them from outside over HTTP as other servers and clients would: simulated
// servers on loopback hosts (their actors, keys, WebFinger and inboxes
// served by the tool) and client API readers. It measures, in the same run,
// the floor every federated request stands on (RSA-2048 signing and
// verifying on this machine), prints a table of each figure and its ratio to
// that floor, and writes a JSON report.
//
//	roundtable-bench [-scenarios inbox,fanout,read,soak,actor] [-json FILE] [size flags]
//
// See docs/performance.md.
package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// config is a run's settings.
type config struct {
	Bin      string `json:"-"`
	AdminURL string `json:"-"`
	HostBase int    `json:"-"`

	InboxServers     int `json:"inbox_servers"`
	InboxActivities  int `json:"inbox_activities"`
	InboxActors      int `json:"inbox_actors_per_server"`
	InboxConcurrency int `json:"inbox_connections_per_server"`

	FanoutServers   int `json:"fanout_servers"`
	FanoutFollowers int `json:"fanout_followers"`

	ReadReplies  int           `json:"read_thread_contributions"`
	HomeStatuses int           `json:"read_statuses"`
	Readers      int           `json:"read_readers"`
	ReadDuration time.Duration `json:"read_duration_ns"`

	SoakDuration  time.Duration `json:"soak_duration_ns"`
	SoakInboxRate int           `json:"soak_inbox_per_s"`

	ActorClients  int           `json:"actor_clients"`
	ActorDuration time.Duration `json:"actor_duration_ns"`

	ProfileDir    string        `json:"-"`
	FloorDuration time.Duration `json:"-"`
	WaitLimit     time.Duration `json:"-"`
	Grace         time.Duration `json:"-"`

	keys []*rsa.PrivateKey
	pems []string
	log  io.Writer
}

// instanceHost is the loopback host of the i-th instance: 127.0.1.100 on.
func (c *config) instanceHost(i int) string { return fmt.Sprintf("127.0.1.%d", c.HostBase+i) }

func (c *config) logf(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
}

// Report is the JSON report.
type Report struct {
	Started   time.Time     `json:"started"`
	GoVersion string        `json:"go_version"`
	CPUs      int           `json:"cpus"`
	Config    *config       `json:"config"`
	Floor     Floor         `json:"floor"`
	Inbox     *InboxResult  `json:"inbox,omitempty"`
	Fanout    *FanoutResult `json:"fanout,omitempty"`
	Read      *ReadResult   `json:"read,omitempty"`
	Soak      *SoakResult   `json:"soak,omitempty"`
	Actor     *ActorResult  `json:"actor,omitempty"`
	// Floors are the floor measured again just before each scenario: the
	// machine's load changes during a run, and each figure's ratio is to
	// the floor of its own moment.
	Floors   map[string]Floor `json:"floor_before_scenario"`
	Failures []string         `json:"failures,omitempty"`
}

func defaultConfig() *config {
	return &config{Bin: "bin/roundtable", HostBase: 100,
		InboxServers: 100, InboxActivities: 10000, InboxActors: 2, InboxConcurrency: 2,
		FanoutServers: 1000, FanoutFollowers: 10000,
		ReadReplies: 1000, HomeStatuses: 100000, Readers: 32, ReadDuration: 10 * time.Second,
		SoakDuration: 60 * time.Second, SoakInboxRate: 50,
		ActorClients: 16, ActorDuration: 10 * time.Second,
		FloorDuration: 2 * time.Second, WaitLimit: 3 * time.Minute, Grace: time.Second}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "roundtable-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := defaultConfig()
	fs := flag.NewFlagSet("roundtable-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := os.Getenv("PGTEST_PORT")
	if port == "" {
		port = "5433"
	}
	fs.StringVar(&c.Bin, "binary", c.Bin, "the roundtable binary to start")
	fs.StringVar(&c.AdminURL, "database-url", "postgres://postgres@127.0.0.1:"+port+"/postgres?sslmode=disable",
		"a PostgreSQL server on which the tool may create and drop databases")
	scenarios := fs.String("scenarios", "inbox,fanout,read,soak,actor", "scenarios to run, comma-separated")
	jsonOut := fs.String("json", "", "write the JSON report to this file")
	cpuProfile := fs.String("cpuprofile", "", "write the tool's own CPU profile to this file")
	fs.StringVar(&c.ProfileDir, "server-profile", "", "record CPU profiles of serve during the inbox, fanout, read and actor scenarios into this directory, with Linux perf")
	fs.IntVar(&c.InboxServers, "inbox-servers", c.InboxServers, "inbox: simulated servers sending")
	fs.IntVar(&c.InboxActivities, "inbox-activities", c.InboxActivities, "inbox: activities sent in all")
	fs.IntVar(&c.InboxActors, "inbox-actors", c.InboxActors, "inbox: actors per server")
	fs.IntVar(&c.InboxConcurrency, "inbox-connections", c.InboxConcurrency, "inbox: connections per server")
	fs.IntVar(&c.FanoutServers, "fanout-servers", c.FanoutServers, "fanout: simulated servers the followers are on (at most 1024)")
	fs.IntVar(&c.FanoutFollowers, "fanout-followers", c.FanoutFollowers, "fanout: followers of the consultation")
	fs.IntVar(&c.ReadReplies, "read-contributions", c.ReadReplies, "read: contributions in the thread read")
	fs.IntVar(&c.HomeStatuses, "read-statuses", c.HomeStatuses, "read: statuses in the database (the rest seeded with SQL)")
	fs.IntVar(&c.Readers, "read-readers", c.Readers, "read: concurrent readers")
	fs.DurationVar(&c.ReadDuration, "read-duration", c.ReadDuration, "read: load time per endpoint")
	fs.DurationVar(&c.SoakDuration, "soak-duration", c.SoakDuration, "soak: how long the mixed load runs")
	fs.IntVar(&c.SoakInboxRate, "soak-inbox-rate", c.SoakInboxRate, "soak: inbound activities per second")
	fs.IntVar(&c.ActorClients, "actor-clients", c.ActorClients, "actor: concurrent clients")
	fs.DurationVar(&c.ActorDuration, "actor-duration", c.ActorDuration, "actor: load time")
	fs.DurationVar(&c.FloorDuration, "floor-duration", c.FloorDuration, "how long each floor measurement runs")
	fs.DurationVar(&c.WaitLimit, "wait", c.WaitLimit, "longest wait for activities to be stored or delivered")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*scenarios, ",") {
		switch s = strings.TrimSpace(s); s {
		case "inbox", "fanout", "read", "soak", "actor":
			want[s] = true
		case "":
		default:
			return fmt.Errorf("-scenarios: unknown scenario %q (inbox, fanout, read, soak, actor)", s)
		}
	}
	if c.FanoutServers < 1 || c.FanoutServers > 1024 || c.InboxServers < 1 || c.InboxServers > 1024 {
		return errors.New("-inbox-servers and -fanout-servers must be between 1 and 1024")
	}
	if _, err := os.Stat(c.Bin); err != nil {
		return fmt.Errorf("-binary: %w (run make build first)", err)
	}
	c.log = stderr
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench(ctx, c, want)
	if err != nil {
		return err
	}
	printTable(stdout, rep)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if len(rep.Failures) > 0 {
		return fmt.Errorf("%d scenario(s) failed: %s", len(rep.Failures), strings.Join(rep.Failures, "; "))
	}
	return nil
}

// bench measures the floor and runs the scenarios wanted, in order.
func bench(ctx context.Context, c *config, want map[string]bool) (*Report, error) {
	rep := &Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Config: c}
	c.logf("making keys")
	var err error
	if c.keys, c.pems, err = keyPool(8); err != nil {
		return nil, err
	}
	c.logf("measuring the floor")
	rep.Floor = measureFloor(c.keys[0], c.FloorDuration)
	rep.Floors = map[string]Floor{}
	floor := func(name string) {
		rep.Floors[name] = measureFloor(c.keys[0], c.FloorDuration/2)
	}
	failed := func(name string, err error) {
		rep.Failures = append(rep.Failures, name+": "+err.Error())
		c.logf("%s: %v", name, err)
	}
	if want["inbox"] && ctx.Err() == nil {
		floor("inbox")
		if rep.Inbox, err = runInbox(ctx, c); err != nil {
			failed("inbox", err)
		} else if !rep.Inbox.Complete {
			failed("inbox", errors.New("not every activity was accepted, stored and shown"))
		}
	}
	if want["fanout"] && ctx.Err() == nil {
		floor("fanout")
		if rep.Fanout, err = runFanout(ctx, c); err != nil {
			failed("fanout", err)
		} else if !rep.Fanout.Complete {
			failed("fanout", errors.New("not every shared inbox got the Announce exactly once, signed"))
		}
	}
	if want["read"] && ctx.Err() == nil {
		floor("read")
		if rep.Read, err = runRead(ctx, c); err != nil {
			failed("read", err)
		} else if !rep.Read.Complete {
			failed("read", errors.New("some reads failed"))
		}
	}
	if want["soak"] && ctx.Err() == nil {
		floor("soak")
		if rep.Soak, err = runSoak(ctx, c); err != nil {
			failed("soak", err)
		} else if rep.Soak.Errors > 0 {
			failed("soak", fmt.Errorf("%d errors, the first: %s", rep.Soak.Errors, rep.Soak.FirstError))
		}
	}
	if want["actor"] && ctx.Err() == nil {
		floor("actor")
		if rep.Actor, err = runActor(ctx, c); err != nil {
			failed("actor", err)
		} else if rep.Actor.Errors > 0 {
			failed("actor", fmt.Errorf("%d errors, the first: %s", rep.Actor.Errors, rep.Actor.FirstError))
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return rep, nil
}
