package federation

import "net/http"

// NewHTTPClient returns a client as the one federation makes its requests
// with: it refuses loopback, private and reserved addresses unless
// insecure, and has the same timeouts.
func NewHTTPClient(insecure bool) *http.Client { return newHTTPClient(insecure) }
