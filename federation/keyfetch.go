package federation

import (
	"sync"
	"time"
)

// keyRefetchEvery is how often one key id may be fetched from its server
// to check a signature. A signature that does not match the stored key makes
// the instance fetch the key again (the actor may have rotated it); without
// a bound, every forged request would cost an outgoing request.
const keyRefetchEvery = time.Minute

// keyFetchesKept bounds the key ids remembered; older entries are dropped
// first when it is reached.
const keyFetchesKept = 10000

// keyFetches remembers when each key id was last fetched, shared by all
// requests of the process.
type keyFetches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// allow reports whether keyID may be fetched at now, and if so records
// the fetch.
func (k *keyFetches) allow(keyID string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.last == nil {
		k.last = map[string]time.Time{}
	}
	if t, ok := k.last[keyID]; ok && now.Sub(t) < keyRefetchEvery && !now.Before(t) {
		return false
	}
	if len(k.last) >= keyFetchesKept {
		for id, t := range k.last {
			if now.Sub(t) >= keyRefetchEvery || now.Before(t) {
				delete(k.last, id)
			}
		}
		if len(k.last) >= keyFetchesKept {
			return false // a flood of distinct key ids: wait for the window
		}
	}
	k.last[keyID] = now
	return true
}
