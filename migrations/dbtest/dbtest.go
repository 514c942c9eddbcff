// Package dbtest gives each test its own fully migrated PostgreSQL database,
// cloned from a template, so tests run in parallel against a real server.
//
// The server is the one `make test` starts: PGTEST_PORT (default 5433) on
// 127.0.0.1, user postgres, no password. A test that cannot reach it fails
// with a message saying how to start it; it never skips.
package dbtest

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/roundtable-fed/roundtable/migrations"
)

type migrator struct{}

func (migrator) Hash() (string, error) { return migrations.Hash() }

func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	return migrations.Up(ctx, pool)
}

// Config returns the connection settings of the test server.
func Config() pgtestdb.Config {
	port := os.Getenv("PGTEST_PORT")
	if port == "" {
		port = "5433"
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       "127.0.0.1",
		Port:       port,
		User:       "postgres",
		Password:   "",
		Database:   "postgres",
		Options:    "sslmode=disable",
	}
}

// URL returns the connection URL of a new migrated database for t, dropped
// when t ends (kept if t fails, for inspection).
func URL(t testing.TB) string {
	t.Helper()
	conf := Config()
	db, err := sql.Open("pgx", conf.URL())
	if err == nil {
		err = db.Ping()
		db.Close()
	}
	if err != nil {
		t.Fatalf("no test PostgreSQL at %s:%s (%v); run the tests with `make test`, which starts one", conf.Host, conf.Port, err)
	}
	return pgtestdb.Custom(t, conf, migrator{}).URL()
}

// Pool returns a connection pool on a new migrated database for t.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
