// Package cache holds the small in-memory caches the forge adapters share:
// an LRU bounded by entries and by size, and a mutex per key. It imports
// nothing of the project.
package cache

import (
	"container/list"
	"sync"
)

// LRU is a small least-recently-used cache bounded by entries and by a
// total size.
type LRU[K comparable, V any] struct {
	mu         sync.Mutex
	maxEntries int
	maxSize    int64
	size       int64
	sizeOf     func(V) int64
	ll         *list.List
	m          map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key  K
	val  V
	size int64
}

func New[K comparable, V any](maxEntries int, maxSize int64, sizeOf func(V) int64) *LRU[K, V] {
	if sizeOf == nil {
		sizeOf = func(V) int64 { return 0 }
	}
	return &LRU[K, V]{maxEntries: maxEntries, maxSize: maxSize, sizeOf: sizeOf, ll: list.New(), m: map[K]*list.Element{}}
}

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

// put stores a value; one larger than a quarter of the size budget is not
// kept (it would push out too much).
func (c *LRU[K, V]) Put(k K, v V) {
	n := c.sizeOf(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.removeElement(e)
	}
	if c.maxSize > 0 && n > c.maxSize/4 {
		return
	}
	c.m[k] = c.ll.PushFront(&lruEntry[K, V]{key: k, val: v, size: n})
	c.size += n
	for c.ll.Len() > c.maxEntries || (c.maxSize > 0 && c.size > c.maxSize) {
		c.removeElement(c.ll.Back())
	}
}

func (c *LRU[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.removeElement(e)
	}
}

func (c *LRU[K, V]) removeElement(e *list.Element) {
	ent := e.Value.(*lruEntry[K, V])
	c.ll.Remove(e)
	delete(c.m, ent.key)
	c.size -= ent.size
}

// keyedMutex serialises work per key.
type KeyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

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
