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
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer is another fediverse server, as small as a test needs: it
// serves actors with keys the test holds, records what it is sent, and
// signs what the test sends in their name. It checks nothing; the instance
// under test is what is being tested.
type fakeServer struct {
	t      *testing.T
	base   string
	srv    *http.Server
	mu     sync.Mutex
	actors map[string]*rsa.PrivateKey
	docs   map[string]any   // other documents served, by path
	got    []map[string]any // activities delivered and answered
	// delay is how long the inbox takes to answer; a delivery whose
	// sender hangs up before then is not recorded.
	delay time.Duration
	// hook, when set, may answer a request itself (returning true).
	hook func(w http.ResponseWriter, r *http.Request) bool
}

var fakeKeys = struct {
	once sync.Once
	keys []*rsa.PrivateKey
}{}

// fakeKey returns one of a few RSA keys made once per test binary.
func fakeKey(i int) *rsa.PrivateKey {
	fakeKeys.once.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			fakeKeys.keys = append(fakeKeys.keys, k)
		}
	})
	return fakeKeys.keys[i%len(fakeKeys.keys)]
}

// startFakeServer serves on 127.0.0.n.
func startFakeServer(t *testing.T, n int) *fakeServer {
	t.Helper()
	return startFakeServerAt(t, fmt.Sprintf("127.0.0.%d", n))
}

// startFakeServerAt serves on the given loopback address.
func startFakeServerAt(t *testing.T, host string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, base: "http://" + ln.Addr().String(), actors: map[string]*rsa.PrivateKey{}, docs: map[string]any{}}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve)}
	go f.srv.Serve(ln)
	t.Cleanup(func() { f.srv.Close() })
	return f
}

// addActor makes an actor called name whose key is key.
func (f *fakeServer) addActor(name string, key *rsa.PrivateKey) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actors[name] = key
	return f.base + "/users/" + name
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	hook := f.hook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return // the sender gave up: not delivered
		}
		var doc map[string]any
		json.Unmarshal(body, &doc)
		f.mu.Lock()
		f.got = append(f.got, doc)
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	f.mu.Lock()
	doc, isDoc := f.docs[r.URL.Path]
	f.mu.Unlock()
	if isDoc {
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(doc)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/users/")
	f.mu.Lock()
	key, ok := f.actors[name]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	id := f.base + "/users/" + name
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       id, "type": "Person", "preferredUsername": name, "name": name,
		"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
		"endpoints": map[string]any{"sharedInbox": f.base + "/inbox"},
		"publicKey": map[string]any{"id": id + "#main-key", "owner": id,
			"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))},
	})
}

// received returns the activities of the given type delivered so far.
func (f *fakeServer) received(typ string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, d := range f.got {
		if d["type"] == typ {
			out = append(out, d)
		}
	}
	return out
}

// signedPost is a POST of body to an inbox, signed (draft-cavage,
// rsa-sha256) with key as keyID at date; digestOf is the body the Digest
// header describes (normally body itself).
func signedPost(t *testing.T, inbox, keyID string, key *rsa.PrivateKey, body, digestOf []byte, date time.Time) *http.Response {
	t.Helper()
	res, err := trySignedPost(inbox, keyID, key, body, digestOf, date)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// trySignedPost is signedPost returning the error of a request that got
// no answer.
func trySignedPost(inbox, keyID string, key *rsa.PrivateKey, body, digestOf []byte, date time.Time) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if key != nil {
		sum := sha256.Sum256(digestOf)
		req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
		req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
		str := "(request-target): post " + req.URL.RequestURI() + "\nhost: " + req.URL.Host +
			"\ndate: " + req.Header.Get("Date") + "\ndigest: " + req.Header.Get("Digest")
		h := sha256.Sum256([]byte(str))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
		if err != nil {
			return nil, err
		}
		req.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="%s"`,
			keyID, base64.StdEncoding.EncodeToString(sig)))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// serveDoc serves doc at path.
func (f *fakeServer) serveDoc(path string, doc any) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs[path] = doc
	return f.base + path
}
