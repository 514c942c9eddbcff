package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"
)

// Tolerant reading of what other servers send: a property may be a string,
// an object with an id, or a list of either.

// str returns a property as a string: the string itself, the id (or href)
// of an object, or the first of a list.
func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if id, ok := t["id"].(string); ok {
			return id
		}
		if href, ok := t["href"].(string); ok {
			return href
		}
	case []any:
		for _, e := range t {
			if s := str(e); s != "" {
				return s
			}
		}
	}
	return ""
}

// strs returns every string or id in a property.
func strs(v any) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, e := range t {
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case nil:
		return nil
	default:
		if s := str(t); s != "" {
			return []string{s}
		}
	}
	return nil
}

// obj returns a property as an object, or nil when it is only a reference.
func obj(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case []any:
		if len(t) > 0 {
			return obj(t[0])
		}
	}
	return nil
}

// objects returns every embedded object of a property.
func objects(v any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}
	case []any:
		var out []map[string]any
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// typeOf returns the type of an object; for a list of types, the first.
func typeOf(m map[string]any) string {
	if m == nil {
		return ""
	}
	return str(m["type"])
}

// text returns a natural-language property: the plain value, or one of a
// language map.
func text(m map[string]any, key string) string {
	if s := str(m[key]); s != "" {
		return s
	}
	if cm, ok := m[key+"Map"].(map[string]any); ok {
		for _, v := range cm {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	return ""
}

// boolean reads a boolean property, which some servers send as a string.
func boolean(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(t, "true")
	}
	return false
}

// timeOf reads a date-time property.
func timeOf(v any) *time.Time {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// httpURL returns s when it is an absolute http(s) URL, and "" otherwise:
// links from elsewhere that pages and apps follow (never javascript: or
// data:).
func httpURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

// decodeObject parses a JSON document that must be an object.
func decodeObject(b []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errTrailing
	}
	return m, nil
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errTrailing  = constError("trailing data after the JSON document")
	errNotObject = constError("the JSON document is not an object")
)
