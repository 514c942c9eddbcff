package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// pageWords translates the words of one page, each message with the same
// parameters once: the thread page repeats the same labels and counts for
// every contribution.
type pageWords struct {
	l    *i18n.Localizer
	seen map[string]string
	key  strings.Builder
}

func newPageWords(l *i18n.Localizer) *pageWords {
	return &pageWords{l: l, seen: map[string]string{}}
}

// t is translate for the page's reader.
func (p *pageWords) t(id string, pairs ...any) string {
	p.key.Reset()
	p.key.WriteString(id)
	for _, v := range pairs {
		p.key.WriteByte(0)
		switch v := v.(type) {
		case string:
			p.key.WriteString(v)
		case int:
			p.key.WriteString(strconv.Itoa(v))
		default:
			// Other values are not remembered.
			return translate(p.l, id, pairs...)
		}
	}
	w, ok := p.seen[p.key.String()]
	if !ok {
		w = translate(p.l, id, pairs...)
		p.seen[p.key.String()] = w
	}
	return w
}

// dateWriter writes the moments of one page in the reader's language, as
// localDate does, translating each day and the time format once per page
// rather than once per moment: a thread of a thousand contributions shows a
// thousand moments.
type dateWriter struct {
	l    *i18n.Localizer
	days map[string]string // "2006-01-02" → the day in the reader's words
	// withTime is the translated "date, time" sentence with markers where
	// the date and time go; "" until first needed, "-" when the sentence
	// cannot be filled in that way.
	withTime string
}

// Markers stand for the date and the time in the translated sentence.
const dateMarker, timeMarker = "\x00date\x00", "\x00time\x00"

func newDateWriter(l *i18n.Localizer) *dateWriter {
	return &dateWriter{l: l, days: map[string]string{}}
}

// write is localDate for the page's reader.
func (d *dateWriter) write(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	dateOnly := false
	if err != nil {
		if t, err = time.Parse("2006-01-02", v); err != nil {
			return v
		}
		dateOnly = true
	}
	t = t.UTC()
	key := t.Format("2006-01-02")
	date, ok := d.days[key]
	if !ok {
		date = translate(d.l, "date.format", "Day", t.Day(), "Month", translate(d.l, fmt.Sprintf("date.month.%d", int(t.Month()))), "Year", t.Year())
		d.days[key] = date
	}
	if dateOnly {
		return date
	}
	if d.withTime == "" {
		d.withTime = translate(d.l, "date.with_time", "Date", dateMarker, "Time", timeMarker)
		if strings.Count(d.withTime, dateMarker) != 1 || strings.Count(d.withTime, timeMarker) != 1 {
			d.withTime = "-"
		}
	}
	if d.withTime == "-" {
		return translate(d.l, "date.with_time", "Date", date, "Time", t.Format("15:04"))
	}
	return strings.NewReplacer(dateMarker, date, timeMarker, t.Format("15:04")).Replace(d.withTime)
}
