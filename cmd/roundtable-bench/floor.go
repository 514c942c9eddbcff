package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Floor is what the cryptography every federated request needs costs on
// this machine, measured in the same run: RSA-2048 PKCS#1 v1.5 signatures
// over SHA-256, as HTTP signatures use.
type Floor struct {
	Cores         int     `json:"cores"`
	SignPerCore   float64 `json:"rsa2048_sign_per_s_per_core"`
	VerifyPerCore float64 `json:"rsa2048_verify_per_s_per_core"`
	SignAll       float64 `json:"rsa2048_sign_per_s_all_cores"`
	VerifyAll     float64 `json:"rsa2048_verify_per_s_all_cores"`
}

// measureFloor times signing and verifying, first on one core, then on
// every core at once.
func measureFloor(key *rsa.PrivateKey, d time.Duration) Floor {
	f := Floor{Cores: runtime.GOMAXPROCS(0)}
	sum := sha256.Sum256([]byte("(request-target): post /inbox\nhost: example.org\ndate: Thu, 26 Nov 2026 05:00:00 GMT\ndigest: SHA-256=x"))
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	sign := func() { rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:]) }
	verify := func() { rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig) }
	f.SignPerCore = rate(1, d, sign)
	f.VerifyPerCore = rate(1, d/2, verify)
	f.SignAll = rate(f.Cores, d, sign)
	f.VerifyAll = rate(f.Cores, d/2, verify)
	return f
}

// rate runs op on workers goroutines for d and returns operations per second.
func rate(workers int, d time.Duration, op func()) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				for range 16 {
					op()
				}
				n.Add(16)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// Latency summarises request latencies in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return ms(s[i])
	}
	return Latency{Count: len(s), P50: at(0.50), P99: at(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// recorder collects latencies and failures from many goroutines.
type recorder struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
	codes  map[int]int
	first  string // the first failure, for the report
}

func newRecorder() *recorder { return &recorder{codes: map[int]int{}} }

func (r *recorder) add(d time.Duration, code int, ok bool, failure string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat = append(r.lat, d)
	r.codes[code]++
	if !ok {
		r.errors++
		if r.first == "" {
			r.first = failure
		}
	}
}
