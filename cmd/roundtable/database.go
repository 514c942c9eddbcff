package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roundtable-fed/roundtable/migrations"
)

// database is an open connection pool, on the configured server or on the
// private cluster.
type database struct {
	pool    *pgxpool.Pool
	release func(context.Context) error // the private cluster's; nil with a URL
	log     *slog.Logger
}

// openDatabase connects to the database of cfg, starting the private
// cluster when no URL is configured, and applies pending migrations.
// maxConns is the pool size used unless the URL sets pool_max_conns.
func openDatabase(ctx context.Context, cfg Config, maxConns int32, log *slog.Logger) (*database, error) {
	db := &database{log: log}
	var pcfg *pgxpool.Config
	if cfg.DatabaseURL != "" {
		c, err := pgxpool.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("ROUNDTABLE_DATABASE_URL: not a valid PostgreSQL connection URL")
		}
		if !strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
			c.MaxConns = maxConns
		}
		pcfg = c
	} else {
		cl, err := newCluster(cfg.DataDir, log)
		if err != nil {
			return nil, err
		}
		release, err := cl.acquire(ctx)
		if err != nil {
			return nil, err
		}
		db.release = release
		c, err := cl.connConfig(clusterDatabase)
		if err != nil {
			db.Close(ctx)
			return nil, err
		}
		c.MaxConns = maxConns
		pcfg = c
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		db.Close(ctx)
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.pool = pool
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		db.Close(ctx)
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	if err := migrations.Up(ctx, pool); err != nil {
		db.Close(ctx)
		return nil, fmt.Errorf("migrate the database: %w", err)
	}
	return db, nil
}

// Close closes the pool and, when this process is the last one using the
// private cluster, stops it. It waits at most a second for connections
// still in use (the private server's shutdown ends them).
func (d *database) Close(ctx context.Context) {
	if d.pool != nil {
		done := make(chan struct{})
		go func() { d.pool.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			d.log.Warn("database connections still in use at exit; closing anyway")
		}
	}
	if d.release != nil {
		if err := d.release(context.WithoutCancel(ctx)); err != nil {
			d.log.Error("stop the private database", "err", err)
		}
		d.release = nil
	}
}

// openReplica returns a pool on the read replica at url. The replica need
// not answer yet: until it does, reads go to the primary (a warning says
// so at start).
func openReplica(ctx context.Context, url string, maxConns int32, log *slog.Logger) (*pgxpool.Pool, error) {
	c, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("ROUNDTABLE_DATABASE_READ_URL: not a valid PostgreSQL connection URL")
	}
	if !strings.Contains(url, "pool_max_conns") {
		c.MaxConns = maxConns
	}
	if c.ConnConfig.ConnectTimeout == 0 {
		// A replica that is away costs a read this long before it goes
		// to the primary.
		c.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("open the read replica: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		log.Warn("the read replica does not answer; its reads go to the primary until it does", "err", err)
	}
	return pool, nil
}
