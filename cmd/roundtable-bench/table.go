package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// row is one line of the table: a figure, the target for it, and
// where it applies its ratio to the floor measured in the same run.
type row struct {
	scenario, figure, value, target, ratio, verdict string
}

// atLeast and atMost judge a figure against a target.
func atLeast(v, t float64) string {
	if v >= t {
		return "met"
	}
	return "missed"
}

func atMost(v, t float64) string {
	if v <= t {
		return "met"
	}
	return "missed"
}

func pct(v, floor float64) string {
	if floor <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%% of %.0f/s", 100*v/floor, floor)
}

// rows builds the table from a report.
func rows(r *Report) []row {
	f := r.Floor
	out := []row{
		{"floor (run start)", "RSA-2048 sign /s per core", fmt.Sprintf("%.0f", f.SignPerCore), "", "", ""},
		{"floor (run start)", "RSA-2048 verify /s per core", fmt.Sprintf("%.0f", f.VerifyPerCore), "", "", ""},
		{"floor (run start)", fmt.Sprintf("RSA-2048 sign /s, %d cores", f.Cores), fmt.Sprintf("%.0f", f.SignAll), "", "", ""},
		{"floor (run start)", fmt.Sprintf("RSA-2048 verify /s, %d cores", f.Cores), fmt.Sprintf("%.0f", f.VerifyAll), "", "", ""},
	}
	floorOf := func(name string) Floor {
		if g, ok := r.Floors[name]; ok {
			return g
		}
		return r.Floor
	}
	if in := r.Inbox; in != nil {
		f := floorOf("inbox")
		name := fmt.Sprintf("inbox (%d from %d servers)", in.Activities, in.Servers)
		out = append(out, floorRow(name, f),
			row{name, "accepted /s", fmt.Sprintf("%.0f", in.AcceptedPerSec), "≥ 1500", pct(in.AcceptedPerSec, f.VerifyAll), atLeast(in.AcceptedPerSec, 1500)},
			row{name, "stored /s (first send to all stored)", fmt.Sprintf("%.0f", in.StoredPerSec), "≥ 1500", pct(in.StoredPerSec, f.VerifyAll), atLeast(in.StoredPerSec, 1500)},
			row{name, "all visible after the last send", fmt.Sprintf("%.2f s", in.VisibleAfterLast), "≤ 10 s", "", atMost(in.VisibleAfterLast, 10)},
			row{name, "latency p50 / p99", fmt.Sprintf("%.1f / %.1f ms", in.Latency.P50, in.Latency.P99), "", "", ""},
			row{name, "errors", fmt.Sprintf("%d", in.Errors), "0", "", atMost(float64(in.Errors), 0)},
		)
	}
	if a := r.Actor; a != nil {
		f := floorOf("actor")
		name := fmt.Sprintf("actor (%d clients)", a.Clients)
		out = append(out, floorRow(name, f),
			row{name, "signed GET of an actor /s", fmt.Sprintf("%.0f", a.PerSec), "≥ 12000", pct(a.PerSec, f.VerifyAll), atLeast(a.PerSec, 12000)},
			row{name, "latency p50 / p99", fmt.Sprintf("%.2f / %.2f ms", a.Latency.P50, a.Latency.P99), "", "", ""},
		)
	}
	if fo := r.Fanout; fo != nil {
		f := floorOf("fanout")
		name := fmt.Sprintf("fanout (%d followers, %d servers)", fo.Followers, fo.Servers)
		out = append(out, floorRow(name, f),
			row{name, "all shared inboxes reached in", fmt.Sprintf("%.2f s", fo.Seconds), "≤ 0.75 s", "", atMost(fo.Seconds, 0.75)},
			row{name, "deliveries /s", fmt.Sprintf("%.0f", fo.DeliveriesPerS), "≥ 1300", pct(fo.DeliveriesPerS, f.SignAll), atLeast(fo.DeliveriesPerS, 1300)},
			row{name, "reached / duplicates / bad signatures", fmt.Sprintf("%d / %d / %d", fo.Reached, fo.Duplicates, fo.BadSignatures), fmt.Sprintf("%d / 0 / 0", fo.Servers), "",
				map[bool]string{true: "met", false: "missed"}[fo.Complete]},
			row{name, "seeding (follows accepted)", fmt.Sprintf("%.1f s", fo.SeedSeconds), "", "", ""},
		)
	}
	if rd := r.Read; rd != nil {
		name := fmt.Sprintf("read (%d readers)", rd.Readers)
		for _, e := range rd.Endpoints {
			target, verdict := "", ""
			switch {
			case strings.HasPrefix(e.Name, "thread page"):
				target, verdict = "p99 < 50 ms", atMost(e.Latency.P99, 50)
			case strings.HasPrefix(e.Name, "timelines/home"):
				target, verdict = "p99 < 30 ms", atMost(e.Latency.P99, 30)
			}
			out = append(out, row{name, e.Name + " req/s, p50 / p99",
				fmt.Sprintf("%.0f, %.1f / %.1f ms", e.PerSec, e.Latency.P50, e.Latency.P99), target, "", verdict})
		}
		out = append(out, row{name, "thread / statuses in database (SQL-seeded)",
			fmt.Sprintf("%d / %d (%d)", rd.Replies, rd.Statuses, rd.SeededWithSQL), "1000 / 100000", "", ""})
	}
	if s := r.Soak; s != nil {
		name := fmt.Sprintf("soak (%.0f s)", s.Seconds)
		out = append(out,
			row{name, "RSS idle", fmt.Sprintf("%.1f MiB", s.IdleRSSMiB), "< 60 MiB", "", atMost(s.IdleRSSMiB, 60)},
			row{name, "RSS max / end", fmt.Sprintf("%.1f / %.1f MiB", s.MaxRSSMiB, s.EndRSSMiB), "< 200 MiB", "", atMost(s.MaxRSSMiB, 200)},
			row{name, "goroutines max", fmt.Sprintf("%d", s.MaxGoroutines), "", "", ""},
			row{name, "DB connections max (pool / server)", fmt.Sprintf("%d / %d", s.MaxPoolConns, s.MaxDBConns), "", "", ""},
			row{name, "inbound / posts / reads / errors", fmt.Sprintf("%d / %d / %d / %d", s.InboxSent, s.Posts, s.Reads, s.Errors), "errors 0", "", atMost(float64(s.Errors), 0)},
		)
	}
	return out
}

// floorRow is the floor measured just before a scenario, which its ratios
// are to.
func floorRow(name string, f Floor) row {
	return row{name, fmt.Sprintf("floor just before: sign / verify /s, %d cores", f.Cores),
		fmt.Sprintf("%.0f / %.0f", f.SignAll, f.VerifyAll), "", "", ""}
}

// printTable writes the table, Markdown-style so that it can be quoted.
func printTable(w io.Writer, r *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, " scenario\t figure\t measured\t target\t ratio to floor\t \t")
	fmt.Fprintln(tw, " ---\t ---\t ---\t ---\t ---\t ---\t")
	for _, x := range rows(r) {
		fmt.Fprintf(tw, " %s\t %s\t %s\t %s\t %s\t %s\t\n", x.scenario, x.figure, x.value, x.target, x.ratio, x.verdict)
	}
	tw.Flush()
	for _, f := range r.Failures {
		fmt.Fprintln(w, "FAILED:", f)
	}
}
