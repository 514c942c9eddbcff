package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The simulated servers: each listens on its own loopback host and serves
// its actors (RSA-2048 keys), WebFinger and a shared inbox, as another
// fediverse server would. What their inboxes receive is counted by
// activity id, with the signature of every delivery checked.

// simNet is a set of simulated servers served by one HTTP server.
type simNet struct {
	keys    []*rsa.PrivateKey
	pubPEM  []string
	servers []*simServer
	byHost  map[string]*simServer
	srv     *http.Server
	lns     []net.Listener

	keyMu   sync.Mutex
	keyMemo map[string]*rsa.PublicKey // keys of the instance's actors, by key id
}

// simServer is one simulated server.
type simServer struct {
	net    *simNet
	n      int // its place in the network
	ip     string
	host   string // ip:port
	base   string // http://ip:port
	actors int
	client *http.Client // requests leave from the server's own address

	mu       sync.Mutex
	received map[string]int       // activity id → deliveries
	firstAt  map[string]time.Time // activity id → first delivery
	byType   map[string]int       // activity type → deliveries
	objects  map[string]string    // activity id → the id of what it carries
	kinds    map[string]string    // activity id → its type
	badSig   int
	personal int // deliveries to actors' own inboxes
}

// keyPool makes n RSA-2048 keys, shared by the simulated actors (the
// instance checks each actor's key all the same; making thousands of keys
// would only slow the set-up).
func keyPool(n int) ([]*rsa.PrivateKey, []string, error) {
	keys := make([]*rsa.PrivateKey, n)
	pems := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				errs[i] = err
				return
			}
			pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
			if err != nil {
				errs[i] = err
				return
			}
			keys[i] = k
			pems[i] = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
		})
	}
	wg.Wait()
	return keys, pems, errors.Join(errs...)
}

// simHost returns the n-th simulated host: 127.0.2.0 to 127.0.5.255.
func simHost(n int) (string, error) {
	if n < 0 || n >= 4*256 {
		return "", fmt.Errorf("at most %d simulated servers", 4*256)
	}
	return fmt.Sprintf("127.0.%d.%d", 2+n/256, n%256), nil
}

// startSims starts n simulated servers with actors actors each.
func startSims(n, actors int, keys []*rsa.PrivateKey, pems []string) (*simNet, error) {
	s := &simNet{keys: keys, pubPEM: pems, byHost: map[string]*simServer{}, keyMemo: map[string]*rsa.PublicKey{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	for i := range n {
		ip, err := simHost(i)
		if err != nil {
			s.close()
			return nil, err
		}
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			s.close()
			return nil, fmt.Errorf("simulated server on %s: %w", ip, err)
		}
		s.lns = append(s.lns, ln)
		host := ln.Addr().String()
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
		tr := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
		srv := &simServer{net: s, n: i, ip: ip, host: host, base: "http://" + host, actors: actors,
			client: &http.Client{Transport: tr, Timeout: time.Minute}}
		srv.reset()
		s.servers = append(s.servers, srv)
		s.byHost[host] = srv
	}
	for _, ln := range s.lns {
		go s.srv.Serve(ln)
	}
	return s, nil
}

func (s *simNet) close() {
	if s.srv != nil {
		s.srv.Close()
	}
	for _, ln := range s.lns {
		ln.Close()
	}
	for _, srv := range s.servers {
		srv.client.CloseIdleConnections()
	}
}

// reset forgets what the server received.
func (v *simServer) reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.received, v.firstAt, v.byType, v.objects, v.kinds = map[string]int{}, map[string]time.Time{}, map[string]int{}, map[string]string{}, map[string]string{}
	v.badSig, v.personal = 0, 0
}

// actorURI is the id of the server's i-th actor.
func (v *simServer) actorURI(i int) string { return fmt.Sprintf("%s/users/u%d", v.base, i) }

// key returns the private key of actor i.
func (v *simServer) key(i int) *rsa.PrivateKey {
	return v.net.keys[(v.n*7+i)%len(v.net.keys)]
}

func (s *simNet) serve(w http.ResponseWriter, r *http.Request) {
	v := s.byHost[r.Host]
	if v == nil {
		http.Error(w, "unknown host", http.StatusNotFound)
		return
	}
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/inbox" || strings.HasSuffix(r.URL.Path, "/inbox")):
		v.receive(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/.well-known/webfinger":
		v.webfinger(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/"):
		v.actor(w, r)
	default:
		http.NotFound(w, r)
	}
}

// actorIndex reads the index of an actor's name u<i>.
func (v *simServer) actorIndex(name string) (int, bool) {
	var i int
	if _, err := fmt.Sscanf(name, "u%d", &i); err != nil || i < 0 || i >= v.actors || fmt.Sprintf("u%d", i) != name {
		return 0, false
	}
	return i, true
}

func (v *simServer) actor(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/users/")
	i, ok := v.actorIndex(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	id := v.actorURI(i)
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       id, "type": "Person", "preferredUsername": name, "name": "Participant " + name,
		"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
		"endpoints": map[string]any{"sharedInbox": v.base + "/inbox"},
		"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": v.net.pubPEM[(v.n*7+i)%len(v.net.keys)]},
	})
}

func (v *simServer) webfinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	name, host, _ := strings.Cut(strings.TrimPrefix(res, "acct:"), "@")
	i, ok := v.actorIndex(name)
	if !ok || host != v.host {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/jrd+json")
	json.NewEncoder(w).Encode(map[string]any{"subject": res, "links": []any{
		map[string]any{"rel": "self", "type": "application/activity+json", "href": v.actorURI(i)}}})
}

// receive records a delivery, checking its signature and digest.
func (v *simServer) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var doc struct {
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.ID == "" {
		http.Error(w, "not an activity", http.StatusBadRequest)
		return
	}
	sigErr := v.net.verify(r, body)
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if sigErr != nil {
		v.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/inbox" {
		v.personal++
	}
	if v.received[doc.ID] == 0 {
		v.firstAt[doc.ID] = now
		v.objects[doc.ID] = innerObjectID(doc.Object)
		v.kinds[doc.ID] = doc.Type
	}
	v.received[doc.ID]++
	v.byType[doc.Type]++
	w.WriteHeader(http.StatusAccepted)
}

// innerObjectID is the id of what an activity carries, looking through an
// activity carried (an Announce of a Create names the note).
func innerObjectID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	switch o.Type {
	case "Create", "Update", "Delete", "Announce":
		if in := innerObjectID(o.Object); in != "" {
			return in
		}
	}
	return o.ID
}

// verify checks a delivery's draft-cavage signature (rsa-sha256) and its
// Digest, fetching the signer's key from the instance once.
func (s *simNet) verify(r *http.Request, body []byte) error {
	params := map[string]string{}
	for _, part := range strings.Split(r.Header.Get("Signature"), ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			params[k] = strings.Trim(val, `"`)
		}
	}
	keyID, headers, sigB64 := params["keyId"], params["headers"], params["signature"]
	if keyID == "" || sigB64 == "" {
		return errors.New("unsigned")
	}
	if headers == "" {
		headers = "date"
	}
	sum := sha256.Sum256(body)
	if want := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:]); r.Header.Get("Digest") != want {
		return errors.New("digest does not match the body")
	}
	if !strings.Contains(" "+headers+" ", " digest ") {
		return errors.New("the signature does not cover the digest")
	}
	var b strings.Builder
	for i, h := range strings.Fields(headers) {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch h {
		case "(request-target)":
			b.WriteString("(request-target): " + strings.ToLower(r.Method) + " " + r.URL.RequestURI())
		case "host":
			b.WriteString("host: " + r.Host)
		default:
			b.WriteString(h + ": " + r.Header.Get(h))
		}
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return err
	}
	pub, err := s.publicKey(r.Context(), keyID)
	if err != nil {
		return err
	}
	h := sha256.Sum256([]byte(b.String()))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
}

// publicKey fetches (once) the key keyID names from its actor document.
func (s *simNet) publicKey(ctx context.Context, keyID string) (*rsa.PublicKey, error) {
	s.keyMu.Lock()
	k := s.keyMemo[keyID]
	s.keyMu.Unlock()
	if k != nil {
		return k, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.SplitN(keyID, "#", 2)[0], nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var doc struct {
		PublicKey struct {
			ID  string `json:"id"`
			PEM string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	blk, _ := pem.Decode([]byte(doc.PublicKey.PEM))
	if blk == nil {
		return nil, fmt.Errorf("key %s: no PEM", keyID)
	}
	parsed, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key %s: not RSA", keyID)
	}
	s.keyMu.Lock()
	s.keyMemo[keyID] = pub
	s.keyMu.Unlock()
	return pub, nil
}

// signedRequest is a request prepared and signed ahead of sending, so that
// the tool's own signing does not compete with the instance during a
// measurement.
type signedRequest struct {
	from   *simServer
	method string
	url    string
	host   string
	body   []byte
	header http.Header
}

// sign prepares a request to url as actor i of v: draft-cavage,
// rsa-sha256, over (request-target), host, date and, with a body, digest.
func (v *simServer) sign(method, rawURL string, actor int, body []byte) (*signedRequest, error) {
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	headers := "(request-target) host date"
	str := "(request-target): " + strings.ToLower(method) + " " + req.URL.RequestURI() + "\nhost: " + req.URL.Host + "\ndate: " + h.Get("Date")
	if body != nil {
		sum := sha256.Sum256(body)
		h.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
		h.Set("Content-Type", "application/activity+json")
		headers += " digest"
		str += "\ndigest: " + h.Get("Digest")
	} else {
		h.Set("Accept", "application/activity+json")
	}
	sum := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(nil, v.key(actor), crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	h.Set("Signature", fmt.Sprintf(`keyId="%s#main-key",algorithm="rsa-sha256",headers="%s",signature="%s"`,
		v.actorURI(actor), headers, base64.StdEncoding.EncodeToString(sig)))
	return &signedRequest{from: v, method: method, url: rawURL, host: req.URL.Host, body: body, header: h}, nil
}

// send sends a prepared request from its server and returns the status.
func (p *signedRequest) send(ctx context.Context) (int, error) {
	var rd io.Reader
	if p.body != nil {
		rd = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, rd)
	if err != nil {
		return 0, err
	}
	req.Header = p.header.Clone()
	res, err := p.from.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// signAll signs the requests build returns for 0 ≤ i < n, on every core.
func signAll(n, workers int, build func(i int) (*signedRequest, error)) ([]*signedRequest, error) {
	out := make([]*signedRequest, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				r, err := build(i)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = r
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
