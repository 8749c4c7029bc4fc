package ocsp

import (
	"container/list"
	"crypto"
	"hash/maphash"
	"sync"
	"time"
)

// cacheKey names one pre-signed response. The hash algorithm is part of it
// because the CertID in the response repeats the request's issuer hashes.
type cacheKey struct {
	caID   int64
	hash   crypto.Hash
	serial string // pki.FormatSerial of the requested serial number
}

// entry is one signed response. Entries are immutable once published:
// a refresh replaces the entry, so readers need no lock after lookup.
type entry struct {
	der        []byte
	etag       string
	lastMod    string // thisUpdate and nextUpdate as HTTP dates
	expires    string
	status     int       // xocsp.Good, xocsp.Revoked or xocsp.Unknown
	statusSig  string    // status, revocation time and reason: what a store re-check compares
	thisUpdate time.Time // also Last-Modified
	nextUpdate time.Time
	refreshAt  time.Time // re-sign from here on (half of the validity)
	checkedAt  time.Time // when the store last confirmed the status
}

// fresh reports whether e may be served at now without asking the store.
func (e *entry) fresh(now time.Time, statusTTL time.Duration) bool {
	return now.Before(e.refreshAt) && statusTTL > 0 && now.Sub(e.checkedAt) < statusTTL
}

const cacheShards = 16

// rawKey names a request exactly as received, so a repeated request (RFC
// 5019 clients send no nonce) skips ASN.1 parsing.
type rawKey struct {
	caID int64
	der  string
}

// cache is a bounded LRU, split in shards so parallel requests rarely wait
// on the same lock.
type cache[K comparable, V any] struct {
	seed   maphash.Seed
	shards [cacheShards]shard[K, V]
}

type shard[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	items map[K]*list.Element
	order list.List // front: most recently used; values are *node[K, V]
}

type node[K comparable, V any] struct {
	key K
	val V
}

func newCache[K comparable, V any](maxEntries int) *cache[K, V] {
	c := &cache[K, V]{seed: maphash.MakeSeed()}
	per := max(1, maxEntries/cacheShards)
	for i := range c.shards {
		c.shards[i].max = per
		c.shards[i].items = make(map[K]*list.Element)
	}
	return c
}

func (c *cache[K, V]) shard(k K) *shard[K, V] {
	return &c.shards[maphash.Comparable(c.seed, k)%cacheShards]
}

func (c *cache[K, V]) get(k K) (V, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	s.order.MoveToFront(el)
	return el.Value.(*node[K, V]).val, true
}

func (c *cache[K, V]) put(k K, v V) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[k]; ok {
		el.Value.(*node[K, V]).val = v
		s.order.MoveToFront(el)
		return
	}
	s.items[k] = s.order.PushFront(&node[K, V]{key: k, val: v})
	for s.order.Len() > s.max {
		last := s.order.Back()
		s.order.Remove(last)
		delete(s.items, last.Value.(*node[K, V]).key)
	}
}

func (c *cache[K, V]) delete(k K) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[k]; ok {
		s.order.Remove(el)
		delete(s.items, k)
	}
}

// len counts the entries (tests).
func (c *cache[K, V]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.order.Len()
		s.mu.Unlock()
	}
	return n
}
