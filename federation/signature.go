package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	gofedsig "github.com/go-fed/httpsig"
	rfcsig "github.com/remitly-oss/httpsig-go"
)

// HTTP signatures. Outgoing requests are signed the way every fediverse
// server accepts: draft-cavage with algorithm="rsa-sha256" over
// "(request-target) host date" (and "digest" with a body). Incoming requests
// may be signed with draft-cavage (rsa-sha256 or hs2019) or RFC 9421 HTTP
// Message Signatures. go-fed/httpsig checks cavage signatures but neither
// their Date nor their Digest, so both are checked here.

// Signature windows: a signed request may be at most this old, and at most
// this far in the future.
const (
	maxSignatureAge  = 12 * time.Hour
	maxSignatureSkew = time.Hour
)

// ErrSignature means a request's signature is missing, malformed, stale,
// or does not verify. The wrapped text says which.
var ErrSignature = errors.New("signature")

func sigErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
}

// digestHeader returns the Digest header value for body.
func digestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// signRequest signs r as keyID with key, at now. A request with a body gets a
// Digest header, which the signature covers.
func signRequest(r *http.Request, keyID string, key *rsa.PrivateKey, body []byte, now time.Time) error {
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	headers := []string{"(request-target)", "host", "date"}
	if body != nil {
		r.Header.Set("Digest", digestHeader(body))
		headers = append(headers, "digest")
	}
	str := signingString(r, headers)
	sum := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="%s",signature="%s"`,
		keyID, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(sig)))
	return nil
}

// signingString builds the draft-cavage string to sign for headers.
func signingString(r *http.Request, headers []string) string {
	var b strings.Builder
	for i, h := range headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch h {
		case "(request-target)":
			b.WriteString("(request-target): " + strings.ToLower(r.Method) + " " + r.URL.RequestURI())
		case "host":
			b.WriteString("host: " + r.Host)
		default:
			b.WriteString(h + ": " + strings.Join(r.Header.Values(h), ", "))
		}
	}
	return b.String()
}

// PublicKeyFinder returns the public key with the given id and the id of the
// actor that owns it. refresh asks for the key to be fetched anew (it may
// have been rotated).
type PublicKeyFinder func(ctx context.Context, keyID string, refresh bool) (key *rsa.PublicKey, owner string, err error)

// Signer is who signed a verified request.
type Signer struct {
	KeyID string
	Owner string // the actor id that owns the key
}

// verifyRequest checks the signature of r, whose body has been read into
// body, and returns who signed it. publicURL is the URL the request was sent
// to (r.URL as the signer saw it, behind any proxy).
func verifyRequest(ctx context.Context, r *http.Request, publicURL string, body []byte, now time.Time, find PublicKeyFinder) (*Signer, error) {
	if r.Header.Get("Signature-Input") != "" {
		return verifyRFC9421(ctx, r, publicURL, body, now, find)
	}
	if r.Header.Get("Signature") == "" && !strings.HasPrefix(r.Header.Get("Authorization"), "Signature ") {
		return nil, sigErr("the request is not signed")
	}
	return verifyCavage(ctx, r, body, now, find)
}

// cavageParams parses the parameters of a draft-cavage Signature header.
func cavageParams(h string) map[string]string {
	h = strings.TrimPrefix(h, "Signature ")
	out := map[string]string{}
	for len(h) > 0 {
		eq := strings.IndexByte(h, '=')
		if eq < 0 {
			break
		}
		k := strings.ToLower(strings.TrimSpace(h[:eq]))
		h = h[eq+1:]
		var v string
		if strings.HasPrefix(h, `"`) {
			end := strings.IndexByte(h[1:], '"')
			if end < 0 {
				break
			}
			v, h = h[1:end+1], h[end+2:]
		} else {
			end := strings.IndexByte(h, ',')
			if end < 0 {
				end = len(h)
			}
			v, h = h[:end], h[end:]
		}
		out[k] = v
		h = strings.TrimLeft(h, ", ")
	}
	return out
}

func verifyCavage(ctx context.Context, r *http.Request, body []byte, now time.Time, find PublicKeyFinder) (*Signer, error) {
	raw := r.Header.Get("Signature")
	if raw == "" {
		raw = r.Header.Get("Authorization")
	}
	p := cavageParams(raw)
	keyID := p["keyid"]
	if keyID == "" || p["signature"] == "" {
		return nil, sigErr("the Signature header has no keyId or signature")
	}
	switch strings.ToLower(p["algorithm"]) {
	case "", "rsa-sha256", "hs2019":
	default:
		return nil, sigErr("algorithm %q is not supported", p["algorithm"])
	}
	signed := map[string]bool{}
	headers := p["headers"]
	if headers == "" {
		headers = "date"
	}
	for _, h := range strings.Fields(strings.ToLower(headers)) {
		signed[h] = true
	}
	if !signed["(request-target)"] || !signed["host"] || (!signed["date"] && !signed["(created)"]) {
		return nil, sigErr("the signature must cover (request-target), host and date")
	}
	if signed["date"] {
		date, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, sigErr("the Date header is missing or malformed")
		}
		if err := checkWindow(date, now); err != nil {
			return nil, err
		}
	}
	if signed["(created)"] {
		created, err := strconv.ParseInt(p["created"], 10, 64)
		if err != nil {
			return nil, sigErr("the created parameter is missing or malformed")
		}
		if err := checkWindow(time.Unix(created, 0), now); err != nil {
			return nil, err
		}
	}
	if len(body) > 0 || r.Method == http.MethodPost {
		if !signed["digest"] {
			return nil, sigErr("the signature must cover the Digest of the body")
		}
		if err := checkDigest(r.Header.Get("Digest"), body); err != nil {
			return nil, err
		}
	}
	v, err := gofedsig.NewVerifier(r)
	if err != nil {
		return nil, sigErr("malformed signature: %v", err)
	}
	for _, refresh := range []bool{false, true} {
		key, owner, err := find(ctx, keyID, refresh)
		if err != nil {
			return nil, err
		}
		if err := v.Verify(key, gofedsig.RSA_SHA256); err == nil {
			return &Signer{KeyID: keyID, Owner: owner}, nil
		}
	}
	return nil, sigErr("the signature does not match the key %s", keyID)
}

// checkDigest compares a Digest header with the SHA-256 of body.
func checkDigest(header string, body []byte) error {
	for _, part := range strings.Split(header, ",") {
		algo, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(algo, "SHA-256") {
			if val == strings.TrimPrefix(digestHeader(body), "SHA-256=") {
				return nil
			}
			return sigErr("the body does not match its Digest")
		}
	}
	return sigErr("the Digest header has no SHA-256 value")
}

func checkWindow(t, now time.Time) error {
	switch {
	case now.Sub(t) > maxSignatureAge:
		return sigErr("the signature is too old (%s)", t.UTC().Format(time.RFC3339))
	case t.Sub(now) > maxSignatureSkew:
		return sigErr("the signature is dated in the future (%s)", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// rfcKeys adapts a PublicKeyFinder to the RFC 9421 library.
type rfcKeys struct {
	find    PublicKeyFinder
	refresh bool
	owner   string
}

func (k *rfcKeys) FetchByKeyID(ctx context.Context, _ http.Header, keyID string) (rfcsig.KeySpecer, error) {
	key, owner, err := k.find(ctx, keyID, k.refresh)
	if err != nil {
		return nil, err
	}
	k.owner = owner
	return rfcsig.KeySpec{KeyID: keyID, Algo: rfcsig.Algo_RSA_v1_5_sha256, PubKey: key}, nil
}

func (k *rfcKeys) Fetch(context.Context, http.Header, rfcsig.MetadataProvider) (rfcsig.KeySpecer, error) {
	return nil, sigErr("the signature has no keyid")
}

func verifyRFC9421(ctx context.Context, r *http.Request, publicURL string, body []byte, now time.Time, find PublicKeyFinder) (*Signer, error) {
	label, created, keyID, err := signatureInput(r.Header.Get("Signature-Input"))
	if err != nil {
		return nil, err
	}
	if err := checkWindow(time.Unix(created, 0), now); err != nil {
		return nil, err
	}
	fields := rfcsig.Fields("@method", "@target-uri")
	if len(body) > 0 || r.Method == http.MethodPost {
		fields = rfcsig.Fields("@method", "@target-uri", "content-digest")
	}
	profile := rfcsig.VerifyProfile{
		SignatureLabel:    label,
		RequiredFields:    fields,
		RequiredMetadata:  []rfcsig.Metadata{rfcsig.MetaCreated, rfcsig.MetaKeyID},
		AllowedAlgorithms: []rfcsig.Algorithm{rfcsig.Algo_RSA_v1_5_sha256},
		// The window is checked above, against our clock.
		DisableTimeEnforcement: true,
	}
	for _, refresh := range []bool{false, true} {
		req, err := http.NewRequestWithContext(ctx, r.Method, publicURL, io.NopCloser(bytes.NewReader(body)))
		if err != nil {
			return nil, sigErr("bad request URL")
		}
		req.Header = r.Header.Clone()
		keys := &rfcKeys{find: find, refresh: refresh}
		res, err := rfcsig.Verify(req, keys, profile)
		if err == nil && res.Verified {
			return &Signer{KeyID: keyID, Owner: keys.owner}, nil
		}
		var se *rfcsig.SignatureError
		if err != nil && errors.As(err, &se) && se.Code == rfcsig.ErrNoSigWrongDigest {
			return nil, sigErr("the body does not match its Content-Digest")
		}
		if err != nil && !errors.As(err, &se) && !errors.Is(err, ErrSignature) {
			// The key could not be found: a second try will not help.
			return nil, err
		}
	}
	return nil, sigErr("the signature does not match the key %s", keyID)
}

// signatureInput reads the label, created time and keyid of the first
// signature in a Signature-Input header.
func signatureInput(h string) (label string, created int64, keyID string, err error) {
	label, rest, ok := strings.Cut(h, "=")
	if !ok {
		return "", 0, "", sigErr("malformed Signature-Input")
	}
	label = strings.TrimSpace(label)
	if i := strings.Index(rest, ","); i >= 0 && strings.Count(rest[:i], "(") == strings.Count(rest[:i], ")") && strings.Contains(rest[i:], "=(") {
		rest = rest[:i] // only the first signature is read
	}
	for _, param := range strings.Split(rest, ";")[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
		switch k {
		case "created":
			if _, err := fmt.Sscan(v, &created); err != nil {
				return "", 0, "", sigErr("malformed created in Signature-Input")
			}
		case "keyid":
			keyID = strings.Trim(v, `"`)
		}
	}
	if created == 0 || keyID == "" {
		return "", 0, "", sigErr("Signature-Input needs created and keyid")
	}
	return label, created, keyID, nil
}

// parsePublicKey reads a PEM RSA public key (PKIX or PKCS#1).
func parsePublicKey(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block in public key")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("public key is not RSA")
		}
		return rk, nil
	}
	return x509.ParsePKCS1PublicKey(block.Bytes)
}
