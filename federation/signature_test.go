package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	rfcsig "github.com/remitly-oss/httpsig-go"
)

// RSA keys take a while to make: each test binary makes two, once.
var (
	testKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
	otherKey = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
)

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

const (
	testKeyID  = "https://remote.example/users/alice#main-key"
	testOwner  = "https://remote.example/users/alice"
	inboxURL   = "https://local.test/users/bob/inbox"
	testActivi = `{"id":"https://remote.example/activities/1","type":"Follow","actor":"https://remote.example/users/alice","object":"https://local.test/users/bob"}`
)

// keysFinder finds keys in a map; the owner is the key id without its
// fragment.
func keysFinder(keys map[string]*rsa.PublicKey) PublicKeyFinder {
	return func(_ context.Context, keyID string, _ bool) (*rsa.PublicKey, string, error) {
		k, ok := keys[keyID]
		if !ok {
			return nil, "", sigErr("unknown key %s", keyID)
		}
		owner, _, _ := strings.Cut(keyID, "#")
		return k, owner, nil
	}
}

func aliceFinder() PublicKeyFinder {
	return keysFinder(map[string]*rsa.PublicKey{testKeyID: &testKey().PublicKey})
}

// incoming returns a POST to the inbox as the server sees it.
func incoming(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, inboxURL, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/activity+json")
	return r
}

// signedPost returns a POST of body signed by alice's key at t.
func signedPost(t *testing.T, body string, at time.Time) *http.Request {
	t.Helper()
	r := incoming(body)
	if err := signRequest(r, testKeyID, testKey(), []byte(body), at); err != nil {
		t.Fatal(err)
	}
	return r
}

// signCavage signs r over the given headers with the given algorithm name,
// as other servers do, for the cases signRequest never produces.
func signCavage(t *testing.T, r *http.Request, key *rsa.PrivateKey, algorithm string, headers []string, extra string) {
	t.Helper()
	str := signingString(r, headers)
	sum := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",%ssignature="%s"`,
		testKeyID, algorithm, strings.Join(headers, " "), extra, base64.StdEncoding.EncodeToString(sig)))
}

func verify(r *http.Request, body string, now time.Time, find PublicKeyFinder) (*Signer, error) {
	return verifyRequest(context.Background(), r, inboxURL, []byte(body), now, find)
}

func TestSignatureVerifies(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := signedPost(t, testActivi, now)
	if got := r.Header.Get("Signature"); !strings.Contains(got, `algorithm="rsa-sha256"`) ||
		!strings.Contains(got, `headers="(request-target) host date digest"`) {
		t.Errorf("Signature = %s, want rsa-sha256 over (request-target) host date digest", got)
	}
	signer, err := verify(r, testActivi, now.Add(time.Minute), aliceFinder())
	if err != nil {
		t.Fatal(err)
	}
	if signer.KeyID != testKeyID || signer.Owner != testOwner {
		t.Errorf("signer = %+v, want key %s of %s", signer, testKeyID, testOwner)
	}
}

func TestSignatureVerifiesGet(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := httptest.NewRequest(http.MethodGet, "https://local.test/users/bob/statuses/01JX?page=true", nil)
	if err := signRequest(r, testKeyID, testKey(), nil, now); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("Digest") != "" {
		t.Error("a GET got a Digest header")
	}
	if _, err := verifyRequest(context.Background(), r, "https://local.test/users/bob/statuses/01JX?page=true", nil, now, aliceFinder()); err != nil {
		t.Fatal(err)
	}
}

func TestSignatureInAuthorizationHeader(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := signedPost(t, testActivi, now)
	r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
	r.Header.Del("Signature")
	if _, err := verify(r, testActivi, now, aliceFinder()); err != nil {
		t.Fatal(err)
	}
}

func TestSignatureRefusals(t *testing.T) {
	t.Parallel()
	now := time.Now()
	post := []string{"(request-target)", "host", "date", "digest"}
	withDigest := func(r *http.Request) *http.Request {
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
		r.Header.Set("Digest", digestHeader([]byte(testActivi)))
		return r
	}
	tests := []struct {
		name    string
		request func(t *testing.T) *http.Request
		body    string
		want    string
	}{
		{
			name:    "unsigned",
			request: func(*testing.T) *http.Request { return incoming(testActivi) },
			want:    "not signed",
		},
		{
			name: "another key",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				signCavage(t, r, otherKey(), "rsa-sha256", post, "")
				return r
			},
			want: "does not match the key " + testKeyID,
		},
		{
			name:    "tampered body",
			request: func(t *testing.T) *http.Request { return signedPost(t, testActivi, now) },
			body:    strings.Replace(testActivi, "Follow", "Block", 1),
			want:    "body does not match its Digest",
		},
		{
			name: "digest not signed on a POST",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				signCavage(t, r, testKey(), "rsa-sha256", []string{"(request-target)", "host", "date"}, "")
				return r
			},
			want: "must cover the Digest",
		},
		{
			name: "digest header missing",
			request: func(t *testing.T) *http.Request {
				r := signedPost(t, testActivi, now)
				r.Header.Del("Digest")
				return r
			},
			want: "no SHA-256 value",
		},
		{
			name:    "date 13 hours old",
			request: func(t *testing.T) *http.Request { return signedPost(t, testActivi, now.Add(-13*time.Hour)) },
			want:    "too old",
		},
		{
			name:    "date 2 hours ahead",
			request: func(t *testing.T) *http.Request { return signedPost(t, testActivi, now.Add(2*time.Hour)) },
			want:    "in the future",
		},
		{
			name: "date not signed",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				signCavage(t, r, testKey(), "rsa-sha256", []string{"(request-target)", "host", "digest"}, "")
				return r
			},
			want: "must cover (request-target), host and date",
		},
		{
			name: "no (request-target)",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				signCavage(t, r, testKey(), "rsa-sha256", []string{"host", "date", "digest"}, "")
				return r
			},
			want: "must cover (request-target), host and date",
		},
		{
			name: "(created) 13 hours old",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				r.Header.Del("Date")
				created := now.Add(-13 * time.Hour).Unix()
				signCavageCreated(t, r, created)
				return r
			},
			want: "too old",
		},
		{
			name: "unknown algorithm",
			request: func(t *testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				signCavage(t, r, testKey(), "hmac-sha256", post, "")
				return r
			},
			want: `algorithm "hmac-sha256" is not supported`,
		},
		{
			name: "no keyId",
			request: func(*testing.T) *http.Request {
				r := withDigest(incoming(testActivi))
				r.Header.Set("Signature", `algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`)
				return r
			},
			want: "no keyId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body
			if body == "" {
				body = testActivi
			}
			signer, err := verify(tt.request(t), body, now, aliceFinder())
			if err == nil {
				t.Fatalf("verified as %+v, want a refusal", signer)
			}
			if !errors.Is(err, ErrSignature) {
				t.Errorf("error %v is not ErrSignature", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// signCavageCreated signs with (created) in place of the Date header, as
// newer draft-cavage signers may.
func signCavageCreated(t *testing.T, r *http.Request, created int64) {
	t.Helper()
	headers := []string{"(request-target)", "host", "(created)", "digest"}
	var lines []string
	for _, h := range headers {
		if h == "(created)" {
			lines = append(lines, fmt.Sprintf("(created): %d", created))
			continue
		}
		lines = append(lines, signingString(r, []string{h}))
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(nil, testKey(), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="hs2019",created=%d,headers="%s",signature="%s"`,
		testKeyID, created, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(sig)))
}

func TestSignatureCreatedInsteadOfDate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := incoming(testActivi)
	r.Header.Set("Digest", digestHeader([]byte(testActivi)))
	signCavageCreated(t, r, now.Add(-time.Minute).Unix())
	if _, err := verify(r, testActivi, now, aliceFinder()); err != nil {
		t.Fatal(err)
	}
}

func TestSignatureHS2019(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := incoming(testActivi)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Digest", digestHeader([]byte(testActivi)))
	signCavage(t, r, testKey(), "hs2019", []string{"(request-target)", "host", "date", "digest"}, "")
	signer, err := verify(r, testActivi, now, aliceFinder())
	if err != nil {
		t.Fatal(err)
	}
	if signer.Owner != testOwner {
		t.Errorf("owner = %s, want %s", signer.Owner, testOwner)
	}
}

// rotatingFinder returns the old key until asked to refresh, as a cache
// does after the remote actor rotated its key.
func rotatingFinder(old, current *rsa.PublicKey, refreshed *bool) PublicKeyFinder {
	return func(_ context.Context, keyID string, refresh bool) (*rsa.PublicKey, string, error) {
		if refresh {
			*refreshed = true
			return current, testOwner, nil
		}
		return old, testOwner, nil
	}
}

func TestSignatureKeyRotation(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var refreshed bool
	r := signedPost(t, testActivi, now)
	signer, err := verify(r, testActivi, now, rotatingFinder(&otherKey().PublicKey, &testKey().PublicKey, &refreshed))
	if err != nil {
		t.Fatalf("not verified after a refresh: %v", err)
	}
	if !refreshed || signer.Owner != testOwner {
		t.Errorf("refreshed = %v, signer = %+v", refreshed, signer)
	}
}

// rfc9421Post returns a POST of body signed with RFC 9421 as Mastodon 4.5
// signs: @method, @target-uri and content-digest, with created and keyid.
func rfc9421Post(t *testing.T, body string, key *rsa.PrivateKey) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, inboxURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	err = rfcsig.Sign(r, rfcsig.SigningProfile{
		Algorithm: rfcsig.Algo_RSA_v1_5_sha256,
		Fields:    rfcsig.Fields("@method", "@target-uri", "content-digest"),
		Metadata:  []rfcsig.Metadata{rfcsig.MetaCreated, rfcsig.MetaKeyID},
	}, rfcsig.SigningKey{Key: key, MetaKeyID: testKeyID})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRFC9421Verifies(t *testing.T) {
	t.Parallel()
	r := rfc9421Post(t, testActivi, testKey())
	if r.Header.Get("Signature-Input") == "" || r.Header.Get("Content-Digest") == "" {
		t.Fatalf("not an RFC 9421 request: %v", r.Header)
	}
	signer, err := verify(r, testActivi, time.Now(), aliceFinder())
	if err != nil {
		t.Fatal(err)
	}
	if signer.KeyID != testKeyID || signer.Owner != testOwner {
		t.Errorf("signer = %+v", signer)
	}
}

func TestRFC9421KeyRotation(t *testing.T) {
	t.Parallel()
	var refreshed bool
	r := rfc9421Post(t, testActivi, testKey())
	if _, err := verify(r, testActivi, time.Now(), rotatingFinder(&otherKey().PublicKey, &testKey().PublicKey, &refreshed)); err != nil {
		t.Fatalf("not verified after a refresh: %v", err)
	}
	if !refreshed {
		t.Error("the key was not refreshed")
	}
}

func TestRFC9421Refusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  *rsa.PrivateKey
		body string
		want string
	}{
		{"tampered body", testKey(), strings.Replace(testActivi, "Follow", "Block", 1), "body does not match its Content-Digest"},
		{"another key", otherKey(), testActivi, "does not match the key " + testKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := rfc9421Post(t, testActivi, tt.key)
			_, err := verify(r, tt.body, time.Now(), aliceFinder())
			if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrSignature saying %q", err, tt.want)
			}
		})
	}
}

func TestCavageParams(t *testing.T) {
	t.Parallel()
	p := cavageParams(`Signature keyId="https://gts.example/users/frank/main-key",algorithm="hs2019", headers="(request-target) host date digest",created=1718000000,signature="YWJj+/=="`)
	want := map[string]string{
		"keyid": "https://gts.example/users/frank/main-key", "algorithm": "hs2019",
		"headers": "(request-target) host date digest", "created": "1718000000", "signature": "YWJj+/==",
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
}

func FuzzCavageParams(f *testing.F) {
	f.Add(`keyId="https://remote.example/users/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="YWJj"`)
	f.Add(`Signature keyId="a",created=1,signature="`)
	f.Add(`keyId="a"b=c,,="",=`)
	f.Add(`"`)
	f.Add(`a="`)
	f.Add(`a=""`)
	f.Fuzz(func(t *testing.T, h string) {
		p := cavageParams(h)
		for k := range p {
			if k != strings.ToLower(k) {
				t.Errorf("parameter %q is not lower-cased", k)
			}
		}
	})
}

func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(testActivi))
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`{}]`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`{"n":1e400}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeObject(b)
		if err != nil {
			return
		}
		if m == nil {
			t.Fatalf("decodeObject(%q) = nil map and no error", b)
		}
		if !json.Valid(b) {
			t.Fatalf("decodeObject(%q) accepted invalid JSON", b)
		}
		_ = str(m["id"])
		_ = typeOf(m)
		_ = strs(m["to"])
		_ = objects(m["tag"])
		_ = timeOf(m["published"])
		_ = isPublic(m)
		_, _ = json.Marshal(withContext(m))
	})
}
