package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/federation"
	"github.com/roundtable-fed/roundtable/media"
	"github.com/roundtable-fed/roundtable/migrations"
	"github.com/roundtable-fed/roundtable/web"
)

// Shutdown budget: the whole of it stays well within 15 seconds.
const (
	// drainTimeout bounds waiting for in-flight requests and running jobs.
	drainTimeout = 10 * time.Second
	// gracefulJobStop is how long running jobs may finish before their
	// contexts are cancelled.
	gracefulJobStop = 5 * time.Second
)

// Roles of a serve process.
const (
	roleAll    = "all"    // web and workers
	roleWeb    = "web"    // HTTP only; jobs are worked elsewhere
	roleWorker = "worker" // job workers, with /healthz, /readyz and /metrics only
)

// serve runs the instance until SIGINT or SIGTERM, then shuts down: it stops
// accepting connections, finishes in-flight requests (at most 10 s), stops
// the job workers, closes the database and stops the private one.
func serve(ctx context.Context, stopSignals func(), args []string, e env) error {
	fs := newFlagSet("serve", "serve [--dev] [--role web|worker|all] [FLAGS]", e.stderr)
	dev := fs.Bool("dev", false, "development: 127.0.0.1:8080 over http, data in ./data, an admin account on first start")
	role := fs.String("role", roleAll, "what this process does: web (HTTP only), worker (job workers only) or all")
	cf := addConfigFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *role {
	case roleAll, roleWeb, roleWorker:
	default:
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("--role must be web, worker or all, not %q", *role)}
	}
	cfg, err := cf.load(e.getenv, loadOptions{dev: *dev, needDomain: true})
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.Dev, cfg.LogLevel)
	if cfg.InsecureHTTP {
		log.Warn("ROUNDTABLE_INSECURE_HTTP is on: ids use http:// and requests to private addresses are allowed; use this for development and tests only")
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("ROUNDTABLE_LISTEN: %w", err)
	}
	defer ln.Close()

	db, err := openDatabase(ctx, cfg, 25, log)
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while starting
		}
		return err
	}
	defer db.Close(ctx)
	now := time.Now
	var clock *fileClock
	if path := e.getenv(clockFileEnv); path != "" {
		if !cfg.InsecureHTTP {
			return fmt.Errorf("%s is for tests only: it needs ROUNDTABLE_INSECURE_HTTP", clockFileEnv)
		}
		clock = newFileClock(path)
		now = clock.Now
		log.Warn(clockFileEnv + " is set: the clock is moved by a test")
	}
	storeOpts := []roundtable.Option{roundtable.WithLinks(roundtable.Links{Base: cfg.BaseURL()}), roundtable.WithClock(now)}
	if cfg.DatabaseReadURL != "" && *role != roleWorker {
		replica, err := openReplica(ctx, cfg.DatabaseReadURL, 25, log)
		if err != nil {
			return err
		}
		defer replica.Close()
		storeOpts = append(storeOpts, roundtable.WithReadReplica(replica))
	}
	store := roundtable.NewStore(db.pool, storeOpts...)

	var devLogin string
	if cfg.Dev {
		if devLogin, err = ensureDevAdmin(ctx, store, cfg); err != nil {
			return err
		}
		if err := ensureDemoConsultation(ctx, store); err != nil {
			return err
		}
	}

	if err := store.SaveBaseURL(ctx); err != nil {
		return err
	}
	if err := store.EnsureLocalActors(ctx); err != nil {
		return fmt.Errorf("prepare actors: %w", err)
	}
	reg := newRegistry(db.pool)
	ready := readiness(store, db.pool)
	fed := federation.New(federation.Config{
		Name:     cfg.Name,
		Version:  version,
		Insecure: cfg.InsecureHTTP,
		Logger:   log.With("component", "federation"),
		Registry: reg,
		Now:      now,

		InboxRequestsPer5Min: cfg.InboxRateLimit,
	}, store)
	// Every role enqueues (a web process stores changes and their
	// deliveries); only workers work the queue.
	jobs, err := newJobs(db.pool, store, fed, *role != roleWeb, clock, log)
	if err != nil {
		return err
	}
	fed.SetQueue(jobs)
	store.SetPublisher(fed)
	store.SetResolver(fed)
	mediaDir, err := media.NewDir(filepath.Join(cfg.DataDir, "media"), 0)
	if err != nil {
		return err
	}
	store.SetMediaFiles(mediaDir)
	var handler http.Handler
	var webServer *web.Server
	if *role == roleWorker {
		handler = workerHandler(ready, reg)
	} else {
		webServer, err = web.New(web.Config{
			Name:        cfg.Name,
			Version:     version,
			Secure:      !cfg.InsecureHTTP,
			Logger:      log,
			Ready:       ready,
			Registry:    reg,
			Mount:       fed.Routes,
			Media:       mediaDir,
			RemoteMedia: fed,

			APIRequestsPer5Min: cfg.APIRateLimit,
			// SessionCleanup stays 0: the periodic cleanup job deletes
			// expired sessions.
		}, store)
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		handler = webServer
	}
	if *role != roleWeb {
		// Jobs are stopped by shutdown, not by the signal that cancels ctx.
		if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start job workers: %w", err)
		}
	} else {
		jobs = nil // nothing to stop
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if webServer != nil {
		// Streaming connections stay open until told to go.
		srv.RegisterOnShutdown(webServer.CloseStreams)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("roundtable is running", "version", version, "role", *role, "listen", ln.Addr().String(), "url", cfg.BaseURL())
	if devLogin != "" {
		fmt.Fprintln(e.stdout, devLogin)
	}

	var serveErr error
	select {
	case <-ctx.Done():
		stopSignals()
		log.Info("shutting down")
	case err := <-served:
		serveErr = fmt.Errorf("serve http: %w", err)
	}
	shutdown(ctx, srv, jobs, log)
	db.Close(ctx)
	log.Info("stopped")
	return serveErr
}

// shutdown stops accepting requests and finishes those in flight while it
// stops the job workers, within drainTimeout.
func shutdown(ctx context.Context, srv *http.Server, jobs *river.Client[pgx.Tx], log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("requests still running at shutdown were cut off", "err", err)
			srv.Close()
		}
	})
	if jobs != nil {
		wg.Go(func() {
			soft, cancelSoft := context.WithTimeout(ctx, gracefulJobStop)
			defer cancelSoft()
			if err := jobs.Stop(soft); err == nil {
				return
			}
			if err := jobs.StopAndCancel(ctx); err != nil {
				log.Warn("jobs still running at shutdown were abandoned", "err", err)
			}
		})
	}
	wg.Wait()
}

// federationWorkers is how many federation jobs (deliveries, inbound
// activities, fetches) a worker process runs at once.
const federationWorkers = 100

// newJobs returns the job queue client. With work set it has the domain's
// and federation's workers, the periodic jobs and the queues they run on;
// without, it only inserts jobs.
func newJobs(pool *pgxpool.Pool, store *roundtable.Store, fed *federation.Federator, work bool, clock *fileClock, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	store.AddWorkers(workers)
	fed.AddWorkers(workers)
	cfg := &river.Config{
		Workers: workers,
		// The queue reports its routine at info level every few seconds;
		// only its warnings and errors are worth an operator's attention.
		Logger: slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("component", "jobs"),
		// A job left running by a process that died is taken up again
		// after this long; no job runs longer than a minute.
		RescueStuckJobsAfter: 90 * time.Second,
	}
	if clock != nil {
		cfg.Test.Time = clock // jobs fall due by the moved clock
	}
	if work {
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 10},
			// Deliveries mostly wait on other servers, so many run at
			// once. The queue fetches at most MaxWorkers jobs every
			// FetchCooldown: with River's 100 ms and 30 workers that
			// capped deliveries near 300/s, well under what signing allows.
			federation.QueueFederation: {MaxWorkers: federationWorkers, FetchCooldown: 10 * time.Millisecond},
		}
		cfg.PeriodicJobs = append(roundtable.PeriodicJobs(), federation.PeriodicJobs()...)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return client, nil
}

// readiness returns the check behind /readyz: the database answers and has
// no pending migration.
func readiness(store *roundtable.Store, pool *pgxpool.Pool) func(context.Context) error {
	var migrated atomic.Bool // once true, stays true for this binary
	return func(ctx context.Context) error {
		if err := store.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		if migrated.Load() {
			return nil
		}
		pending, err := migrations.Pending(ctx, pool)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if pending {
			return errors.New("migrations are pending")
		}
		migrated.Store(true)
		return nil
	}
}

// workerHandler serves what a worker-only process answers: /healthz,
// /readyz and /metrics.
func workerHandler(ready func(context.Context) error, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// ensureDevAdmin creates the admin account of serve --dev on first start
// (when the instance has no member yet) and returns the line that tells its
// login, or "" when there was nothing to create.
func ensureDevAdmin(ctx context.Context, store *roundtable.Store, cfg Config) (string, error) {
	n, err := store.CountMembers(ctx)
	if err != nil {
		return "", fmt.Errorf("count members: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	host := "localhost"
	if u, err := url.Parse(cfg.BaseURL()); err == nil && u.Hostname() != "" && net.ParseIP(u.Hostname()) == nil {
		host = u.Hostname()
	}
	password := roundtable.RandomPassword()
	_, err = store.CreateMember(ctx, roundtable.NewMember{
		Username:    "admin",
		Email:       "admin@" + host,
		Password:    password,
		DisplayName: "Admin",
		Role:        roundtable.RoleAdmin,
		Approved:    true,
	})
	if errors.Is(err, roundtable.ErrConflict) {
		return "", nil // another process made it first
	}
	if err != nil {
		return "", fmt.Errorf("create the admin account: %w", err)
	}
	return fmt.Sprintf("Admin login: admin / %s at %s/login", password, cfg.BaseURL()), nil
}

// ensureDemoConsultation opens the demo consultation of serve --dev, facilitated
// by the dev admin, when the instance has no consultation yet.
func ensureDemoConsultation(ctx context.Context, store *roundtable.Store) error {
	cs, err := store.Consultations(ctx, true)
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		return nil
	}
	nc := roundtable.NewConsultation{
		Slug:  "demo",
		Title: "What does security mean to you now?",
		Prompt: "Security used to mean locks, police and borders. For many of us it now also means a stable job, " +
			"clean water, a home that keeps the heat out, being able to speak without fear.\n\n" +
			"**What does security mean to you now?** Tell us from your own experience: a moment when you felt safe " +
			"or unsafe, what made the difference, and what you would change.",
		Description: "A demonstration consultation, created by serve --dev.",
		Norms: []string{
			"Speak from your own experience.",
			"Answer the idea, not the person.",
			"What is said here may be quoted in the synthesis.",
		},
	}
	if _, err := store.MemberByUsername(ctx, "admin"); err == nil {
		nc.Facilitators = []string{"admin"}
	}
	_, err = store.CreateConsultation(ctx, nc)
	if errors.Is(err, roundtable.ErrConflict) {
		return nil // another process made it first
	}
	if err != nil {
		return fmt.Errorf("create the demo consultation: %w", err)
	}
	return nil
}

// minLevel passes on only records at or above min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
