package model

import (
	"crypto/sha256"
	"hash"
	"sync"
	"sync/atomic"

	"github.com/tmbot/tmbot/bot/cache"
)

// The Loader keeps two content-addressed caches, so that what it has seen
// is not parsed and checked again:
//
//   - whole files, by sha256 of the syntax and the bytes (and, for CUE, the
//     name): the base of a request is usually the head of an earlier
//     review, or the default branch's model;
//   - entries of the maps of ids (a component, an asset, a flow, a threat,
//     a mitigation), by sha256 of the syntax, the section and the entry's
//     text from the start of its key's line: a change to one threat of
//     10,000 parses and checks that threat, and takes the other 9,999 from
//     the cache. The text starts at the beginning of a line, so columns
//     stay; lines are shifted to where the entry is now (see entry.go).
//
// Both are bounded (CacheLimits) and safe for concurrent use. A cached
// result is immutable: Load returns a copy of the Result whose Model
// shares its maps with other results, which callers must not modify.

// CacheLimits bound the Loader's caches. Zero values turn a cache off.
type CacheLimits struct {
	// Files is how many whole-file results are kept, at most; FileBytes
	// bounds the sum of their sizes (in bytes of source).
	Files     int
	FileBytes int64
	// EntryBytes bounds the estimated memory of the entries kept.
	EntryBytes int64
}

// DefaultCacheLimits are the caches of a new Loader: 32 files of at most
// 16 MiB of source in all (a result holds about twice its source: some
// 32 MB), and 64 MiB of entries (some 60,000 threats; measured, the entries
// of a 10,000-threat model hold 18 MB).
func DefaultCacheLimits() CacheLimits {
	return CacheLimits{Files: 32, FileBytes: 16 << 20, EntryBytes: 64 << 20}
}

// CacheStats count the lookups of a Loader's caches.
type CacheStats struct {
	FileHits, FileMisses   int64
	EntryHits, EntryMisses int64
	Entries                int // entries kept now
}

// SetCacheLimits replaces the Loader's caches by empty ones with these
// limits. Call it before the Loader is shared.
func (l *Loader) SetCacheLimits(c CacheLimits) {
	if c.Files <= 0 && c.EntryBytes <= 0 {
		l.cache = nil
		return
	}
	l.cache = &loadCache{lim: c, cur: map[[32]byte]*entryResult{}}
	if c.Files > 0 && c.FileBytes > 0 {
		l.cache.files = cache.New[[32]byte, fileEntry](cache.Limits{Entries: c.Files, Bytes: c.FileBytes},
			func(e fileEntry) int64 { return e.size })
	}
}

// CacheStats returns the counts of the Loader's cache lookups.
func (l *Loader) CacheStats() CacheStats {
	if l.cache == nil {
		return CacheStats{}
	}
	c := l.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.FileHits, s.FileMisses = c.fileHits.Load(), c.fileMisses.Load()
	s.Entries = len(c.cur) + len(c.prev)
	return s
}

type loadCache struct {
	mu  sync.Mutex
	lim CacheLimits

	// files are whole-file results by fileKey (nil when off). It has its
	// own lock, and its counts are atomic; mu guards the rest.
	files                *cache.LRU[[32]byte, fileEntry]
	fileHits, fileMisses atomic.Int64

	// Entries live in two generations: lookups look in both and move what
	// they find to cur; when cur is full, it becomes prev and the old prev
	// is dropped. Memory stays under lim.EntryBytes, and what was used by
	// the last loads stays.
	cur, prev map[[32]byte]*entryResult
	curBytes  int64

	stats CacheStats
}

// fileEntry is a whole-file result and the size of its source.
type fileEntry struct {
	res  *Result
	size int64
}

// entryKey is an entry's hash and the size of its text.
type entryKey struct {
	sum  [32]byte
	size int
}

func (c *loadCache) filesOn() bool   { return c != nil && c.files != nil }
func (c *loadCache) entriesOn() bool { return c != nil && c.lim.EntryBytes > 0 }

// fileKey hashes a whole file. The name only counts for CUE, whose
// messages may name the file; YAML and JSON results are renamed on a hit.
func fileKey(syn Syntax, name string, data []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(syn))
	h.Write([]byte{0})
	if syn == CUE {
		h.Write([]byte(name))
	}
	h.Write([]byte{0})
	h.Write(data)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *loadCache) getFile(k [32]byte) *Result {
	e, ok := c.files.Get(k)
	if ok {
		c.fileHits.Add(1)
	} else {
		c.fileMisses.Add(1)
	}
	return e.res
}

// putFile keeps a result; one whose source is larger than all the files'
// budget is not kept.
func (c *loadCache) putFile(k [32]byte, res *Result, size int64) {
	c.files.Put(k, fileEntry{res: res, size: size})
}

// getEntries looks up many entries at once; found[i] is nil for a miss.
func (c *loadCache) getEntries(keys []entryKey, found []*entryResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range keys {
		er := c.cur[k.sum]
		if er == nil {
			if er = c.prev[k.sum]; er != nil {
				delete(c.prev, k.sum)
				c.add(k.sum, er)
			}
		}
		found[i] = er
		if er != nil {
			c.stats.EntryHits++
		} else {
			c.stats.EntryMisses++
		}
	}
}

func (c *loadCache) putEntries(puts []entryPut) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range puts {
		if c.cur[p.key.sum] == nil {
			c.add(p.key.sum, p.res)
		}
	}
}

// add puts an entry in cur, moving to a new generation when cur is full.
func (c *loadCache) add(k [32]byte, er *entryResult) {
	size := int64(er.size)
	if c.curBytes+size > c.lim.EntryBytes/2 {
		c.prev, c.cur, c.curBytes = c.cur, make(map[[32]byte]*entryResult, len(c.cur)), 0
	}
	c.cur[k] = er
	c.curBytes += size
}

// renamed returns a copy of a result for a file of another name.
func (r *Result) renamed(name string) *Result {
	out := &Result{Valid: r.Valid}
	if r.Model != nil {
		m := *r.Model
		m.Path = name
		out.Model = &m
	}
	if r.Diagnostics != nil {
		out.Diagnostics = make([]Diagnostic, len(r.Diagnostics))
		copy(out.Diagnostics, r.Diagnostics)
		for i := range out.Diagnostics {
			out.Diagnostics[i].File = name
		}
	}
	return out
}

// entryHasher hashes entries' texts.
type entryHasher struct {
	h   hash.Hash
	buf [32]byte
}

func newEntryHasher() *entryHasher { return &entryHasher{h: sha256.New()} }

// key hashes one entry: syntax, section and text.
func (e *entryHasher) key(syn Syntax, secName string, text []byte) entryKey {
	e.h.Reset()
	e.h.Write([]byte(syn))
	e.h.Write([]byte{0})
	e.h.Write([]byte(secName))
	e.h.Write([]byte{0})
	e.h.Write(text)
	var k entryKey
	e.h.Sum(k.sum[:0])
	k.size = len(text)
	return k
}

func (c *loadCache) getEntry(k entryKey) *entryResult {
	found := [1]*entryResult{}
	c.getEntries([]entryKey{k}, found[:])
	return found[0]
}
