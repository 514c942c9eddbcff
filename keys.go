package roundtable

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyGenerator makes the key pair an actor signs with.
type KeyGenerator func() (*rsa.PrivateKey, error)

// RSA2048 generates the 2048-bit RSA keys every fediverse server accepts.
func RSA2048() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// WithKeyGenerator sets how actors' keys are made (tests reuse keys made
// once, since each RSA key takes a while).
func WithKeyGenerator(g KeyGenerator) Option { return func(s *Store) { s.keygen = g } }

// keyPair returns a new key pair of the Store's kind, PEM-encoded.
func (s *Store) keyPair() (privatePEM, publicPEM string, err error) {
	key, err := s.keygen()
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	return EncodeKeyPair(key)
}

// EncodeKeyPair returns key and its public half in PEM (PKCS#8 and PKIX).
func EncodeKeyPair(key *rsa.PrivateKey) (privatePEM, publicPEM string, err error) {
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), nil
}

// ParsePrivateKey reads a PEM private key (PKCS#8 or PKCS#1).
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block in private key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("private key is not RSA")
		}
		return rk, nil
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}
