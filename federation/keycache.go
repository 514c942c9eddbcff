package federation

import (
	"crypto/rsa"
	"sync"
)

// maxCachedKeys bounds the parsed public keys kept: past it, the cache
// starts again empty.
const maxCachedKeys = 4096

// publicKeyCache keeps public keys parsed, by their PEM text, so that the
// stored key of a known actor is not decoded again for each of its
// activities. A key that changes is a new text, parsed when first seen.
type publicKeyCache struct {
	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
}

// parse is parsePublicKey, remembered.
func (c *publicKeyCache) parse(pemText string) (*rsa.PublicKey, error) {
	c.mu.Lock()
	k, ok := c.keys[pemText]
	c.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := parsePublicKey(pemText)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys = make(map[string]*rsa.PublicKey)
	}
	c.keys[pemText] = k
	c.mu.Unlock()
	return k, nil
}
