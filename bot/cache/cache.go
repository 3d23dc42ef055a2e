// Package cache holds the small in-memory caches of tmbot: an LRU bounded
// by entries and by size (the forge adapters' reads, the model loader's
// whole-file results), and a mutex per key. It imports nothing of tmbot's,
// so the engine and the forge adapters may both use it.
package cache

import (
	"container/list"
	"sync"
)

// Limits bound an LRU.
type Limits struct {
	// Entries is how many values are kept, at most (at least one is
	// needed to keep anything).
	Entries int
	// Bytes bounds the sum of the values' sizes; 0 leaves it unbounded.
	Bytes int64
	// ValueBytes is the size of the largest value kept; a larger one is
	// not stored (it would push out too much). 0 means Bytes.
	ValueBytes int64
}

// LRU is a small least-recently-used cache bounded by entries and by a
// total size. It is safe for concurrent use. Values are stored as given:
// a caller that hands out a slice or a map keeps it unchanged, or copies.
type LRU[K comparable, V any] struct {
	mu     sync.Mutex
	lim    Limits
	size   int64
	sizeOf func(V) int64
	ll     *list.List
	m      map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key  K
	val  V
	size int64
}

// New returns an empty LRU. sizeOf gives a value's size in bytes (nil:
// every value counts 0, and only Entries bounds the cache).
func New[K comparable, V any](lim Limits, sizeOf func(V) int64) *LRU[K, V] {
	if sizeOf == nil {
		sizeOf = func(V) int64 { return 0 }
	}
	if lim.ValueBytes <= 0 {
		lim.ValueBytes = lim.Bytes
	}
	return &LRU[K, V]{lim: lim, sizeOf: sizeOf, ll: list.New(), m: map[K]*list.Element{}}
}

// Get returns the value kept for k, and makes it the most recently used.
func (c *LRU[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruEntry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Put stores v for k (replacing what k had), then drops the least
// recently used values until the limits hold. A value larger than
// Limits.ValueBytes is not stored, and k then has no value.
func (c *LRU[K, V]) Put(k K, v V) {
	n := c.sizeOf(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.removeElement(e)
	}
	if c.lim.ValueBytes > 0 && n > c.lim.ValueBytes {
		return
	}
	c.m[k] = c.ll.PushFront(&lruEntry[K, V]{key: k, val: v, size: n})
	c.size += n
	for c.ll.Len() > 0 && (c.ll.Len() > c.lim.Entries || (c.lim.Bytes > 0 && c.size > c.lim.Bytes)) {
		c.removeElement(c.ll.Back())
	}
}

// Remove drops what k has.
func (c *LRU[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.removeElement(e)
	}
}

// Len is how many values are kept.
func (c *LRU[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Size is the sum of the sizes of the values kept.
func (c *LRU[K, V]) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func (c *LRU[K, V]) removeElement(e *list.Element) {
	ent := e.Value.(*lruEntry[K, V])
	c.ll.Remove(e)
	delete(c.m, ent.key)
	c.size -= ent.size
}

// KeyedMutex serialises work per key (so that two callers do not fill the
// same cache entry at once). The zero value is ready to use.
type KeyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// Lock waits for key's lock and returns the function that releases it.
func (k *KeyedMutex) Lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
