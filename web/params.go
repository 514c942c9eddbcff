package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// maxBody is the largest request body the API reads, media aside.
const maxBody = 1 << 20

// params are a request's parameters from wherever the client put them: the
// query string, a form or multipart body, or a JSON body. JSON objects and
// arrays are flattened the way Rails forms name them (poll[options][],
// source[privacy]), so handlers read every encoding the same way.
type params struct {
	vals  map[string][]string
	kinds map[string]byte // for JSON values: 's' string, 'n' number, 'b' bool, 'z' null, 'o' other
}

// readParams collects the parameters of r. A body that cannot be read
// gives a 400 (413 when too large) with a message saying what is wrong.
func readParams(w http.ResponseWriter, r *http.Request) (*params, error) {
	p := &params{vals: map[string][]string{}, kinds: map[string]byte{}}
	for k, v := range r.URL.Query() {
		p.vals[k] = append(p.vals[k], v...)
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch ct {
	case "application/json":
		err = p.readJSON(r.Body)
	case "multipart/form-data":
		if err = r.ParseMultipartForm(maxBody); err == nil {
			for k, v := range r.MultipartForm.Value {
				p.vals[k] = append(p.vals[k], v...)
			}
		}
	case "application/x-www-form-urlencoded", "":
		if err = r.ParseForm(); err == nil {
			for k, v := range r.PostForm {
				p.vals[k] = append(p.vals[k], v...)
			}
		}
	default:
		return nil, &apiError{status: http.StatusUnsupportedMediaType,
			message: fmt.Sprintf("Content type %s is not supported; send JSON, a form or multipart", ct)}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("The request body is larger than %d bytes", maxBody)}
		}
		return nil, &apiError{status: http.StatusBadRequest, message: "The request body could not be read: " + err.Error()}
	}
	return p, nil
}

func (p *params) readJSON(body io.Reader) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			return nil
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON: more than one value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return errors.New("the JSON body must be an object")
	}
	for k, val := range obj {
		p.flatten(k, val)
	}
	return nil
}

func (p *params) flatten(key string, v any) {
	switch t := v.(type) {
	case map[string]any:
		p.kinds[key] = 'o'
		for k, val := range t {
			p.flatten(key+"["+k+"]", val)
		}
	case []any:
		p.kinds[key] = 'o'
		for i, val := range t {
			switch val.(type) {
			case map[string]any:
				// An array of objects (keywords_attributes) is read
				// by index: key[0][field].
				p.kinds[key+"[]"] = 'o'
				p.flatten(key+"["+strconv.Itoa(i)+"]", val)
			case []any:
				p.kinds[key+"[]"] = 'o'
			default:
				p.add(key+"[]", val)
			}
		}
		if len(t) == 0 {
			p.vals[key+"[]"] = []string{}
		}
	default:
		p.add(key, v)
	}
}

func (p *params) add(key string, v any) {
	switch t := v.(type) {
	case string:
		p.vals[key] = append(p.vals[key], t)
		p.kinds[key] = 's'
	case json.Number:
		p.vals[key] = append(p.vals[key], t.String())
		p.kinds[key] = 'n'
	case bool:
		p.vals[key] = append(p.vals[key], strconv.FormatBool(t))
		p.kinds[key] = 'b'
	case nil:
		p.kinds[key] = 'z'
	}
}

// has reports whether the parameter was given at all.
func (p *params) has(name string) bool {
	_, ok := p.vals[name]
	_, ok2 := p.kinds[name]
	return ok || ok2
}

// str returns a text parameter; a JSON number, boolean, object or array
// where text is expected is an error naming the field.
func (p *params) str(name string) (string, error) {
	switch p.kinds[name] {
	case 'n', 'b', 'o':
		return "", roundtable.Invalid(name, "must be a string")
	}
	if v := p.vals[name]; len(v) > 0 {
		return v[len(v)-1], nil
	}
	return "", nil
}

// get returns a parameter's text, whatever its JSON type.
func (p *params) get(name string) string {
	if v := p.vals[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// list returns an array parameter given as name[] (Rails) or repeated name.
func (p *params) list(name string) []string {
	out := append([]string{}, p.vals[name+"[]"]...)
	return append(out, p.vals[name]...)
}

// boolean returns a boolean parameter: nil when absent.
func (p *params) boolean(name string) (*bool, error) {
	switch p.kinds[name] {
	case 'z':
		return nil, nil
	case 'o': // a JSON object or array, whose values sit under name[…]
		return nil, roundtable.Invalid(name, "must be true or false")
	}
	v, ok := p.vals[name]
	if !ok || len(v) == 0 {
		return nil, nil
	}
	switch strings.ToLower(v[len(v)-1]) {
	case "true", "1", "on", "yes", "t":
		b := true
		return &b, nil
	case "false", "0", "off", "no", "f", "":
		b := false
		return &b, nil
	}
	return nil, roundtable.Invalid(name, "must be true or false")
}

// integer returns an integer parameter, def when absent.
func (p *params) integer(name string, def int) (int, error) {
	s := p.get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, roundtable.Invalid(name, "must be a whole number")
	}
	return n, nil
}

// page reads max_id, since_id, min_id and limit.
func (p *params) page() (roundtable.Page, error) {
	var pg roundtable.Page
	for _, f := range []struct {
		name string
		dst  *string
	}{{"max_id", &pg.MaxID}, {"since_id", &pg.SinceID}, {"min_id", &pg.MinID}} {
		v := p.get(f.name)
		if v != "" && !roundtable.ValidID(v) {
			return pg, &apiError{status: http.StatusBadRequest, message: f.name + " is not a valid id"}
		}
		*f.dst = v
	}
	n, err := p.integer("limit", 0)
	if err != nil {
		return pg, err
	}
	if n < 0 {
		return pg, roundtable.Invalid("limit", "must not be negative")
	}
	pg.Limit = n
	return pg, nil
}
