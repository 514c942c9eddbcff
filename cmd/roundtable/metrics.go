package main

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// newRegistry returns the registry served at /metrics: the Go runtime's and
// the process's metrics, and the database pool's.
func newRegistry(pool *pgxpool.Pool) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newPoolCollector(pool),
	)
	return reg
}

// poolCollector reports a pgx pool's statistics.
type poolCollector struct {
	pool *pgxpool.Pool

	acquired, idle, total, max, constructing                *prometheus.Desc
	acquires, emptyAcquires, cancelledAcquires, waitSeconds *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("roundtable_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:              pool,
		acquired:          d("acquired_connections", "Connections in use."),
		idle:              d("idle_connections", "Idle connections."),
		total:             d("connections", "Open connections."),
		max:               d("max_connections", "Most connections the pool opens."),
		constructing:      d("constructing_connections", "Connections being opened."),
		acquires:          d("acquires_total", "Connections acquired from the pool."),
		emptyAcquires:     d("empty_acquires_total", "Acquires that had to wait for a connection."),
		cancelledAcquires: d("cancelled_acquires_total", "Acquires cancelled by their context."),
		waitSeconds:       d("acquire_wait_seconds_total", "Time spent acquiring connections."),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.constructing,
		c.acquires, c.emptyAcquires, c.cancelledAcquires, c.waitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	g(c.acquired, float64(s.AcquiredConns()))
	g(c.idle, float64(s.IdleConns()))
	g(c.total, float64(s.TotalConns()))
	g(c.max, float64(s.MaxConns()))
	g(c.constructing, float64(s.ConstructingConns()))
	n(c.acquires, float64(s.AcquireCount()))
	n(c.emptyAcquires, float64(s.EmptyAcquireCount()))
	n(c.cancelledAcquires, float64(s.CanceledAcquireCount()))
	n(c.waitSeconds, s.AcquireDuration().Seconds())
}
