package federation

import (
	"sync"
	"time"
)

// keyRefetchEvery bounds how often one key id is fetched from its server to
// check signatures. A signature that does not match the stored key makes
// the instance fetch the key again (its owner may have rotated it); a key
// fetched less than this long ago that had not changed, or that could not
// be fetched, is not fetched again, so a flood of forged requests costs one
// outgoing request per key and window. A fetch that brings a new key (a
// genuine rotation) does not count.
const keyRefetchEvery = time.Minute

// keyFetchesKept bounds the key ids remembered; entries older than the
// window are dropped first when it is reached.
const keyFetchesKept = 10000

// keyFetches remembers when each key id was last fetched for nothing,
// shared by all requests of the process.
type keyFetches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// recent reports whether keyID was fetched for nothing less than
// keyRefetchEvery before now.
func (k *keyFetches) recent(keyID string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.last[keyID]
	return ok && now.Sub(t) < keyRefetchEvery && !now.Before(t)
}

// mark records a fetch of keyID at now that brought no new key.
func (k *keyFetches) mark(keyID string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.last == nil {
		k.last = map[string]time.Time{}
	}
	if len(k.last) >= keyFetchesKept {
		for id, t := range k.last {
			if now.Sub(t) >= keyRefetchEvery || now.Before(t) {
				delete(k.last, id)
			}
		}
		if len(k.last) >= keyFetchesKept {
			clear(k.last) // a flood of distinct key ids: start again
		}
	}
	k.last[keyID] = now
}

// forget drops keyID: its last fetch brought a new key.
func (k *keyFetches) forget(keyID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.last, keyID)
}
