package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLRUKeepsTheMostRecentlyUsed(t *testing.T) {
	c := New[string, int](Limits{Entries: 2}, nil)
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("Get(a) = %v, %v", v, ok)
	}
	c.Put("c", 3) // pushes out b, the least recently used
	if _, ok := c.Get("b"); ok {
		t.Error("b was kept: it was the least recently used")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(k); !ok || v != want {
			t.Errorf("Get(%s) = %v, %v; want %v", k, v, ok, want)
		}
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	c.Put("a", 10) // replaces, does not add
	if v, _ := c.Get("a"); v != 10 || c.Len() != 2 {
		t.Errorf("after replacing a: Get(a) = %v, Len = %d", v, c.Len())
	}
	c.Remove("a")
	if _, ok := c.Get("a"); ok || c.Len() != 1 {
		t.Errorf("a kept after Remove (Len %d)", c.Len())
	}
	c.Remove("nothing") // no effect
}

func TestLRUBoundedBySize(t *testing.T) {
	size := func(s string) int64 { return int64(len(s)) }
	c := New[int, string](Limits{Entries: 100, Bytes: 10, ValueBytes: 4}, size)
	c.Put(1, "aaaa")
	c.Put(2, "bbbb")
	c.Put(3, "cc") // 10 bytes: all kept
	if c.Len() != 3 || c.Size() != 10 {
		t.Fatalf("Len %d Size %d, want 3 and 10", c.Len(), c.Size())
	}
	c.Put(4, "d") // 11 bytes: 1 goes
	if _, ok := c.Get(1); ok {
		t.Error("the least recently used value was kept over the size budget")
	}
	if c.Size() != 7 {
		t.Errorf("Size = %d, want 7", c.Size())
	}
	c.Put(5, "eeeee") // over ValueBytes: not kept, nothing pushed out
	if _, ok := c.Get(5); ok || c.Len() != 3 {
		t.Errorf("a value over ValueBytes was kept, or pushed others out (Len %d)", c.Len())
	}
	c.Put(2, "bbbbbbbb") // a too-large replacement drops the old value too
	if _, ok := c.Get(2); ok || c.Size() != 3 {
		t.Errorf("key 2 kept after a too-large replacement (Size %d)", c.Size())
	}
}

func TestLRUValueBytesDefaultsToBytes(t *testing.T) {
	size := func(s string) int64 { return int64(len(s)) }
	c := New[int, string](Limits{Entries: 10, Bytes: 6}, size)
	c.Put(1, "abcdef") // exactly the budget: kept
	if _, ok := c.Get(1); !ok {
		t.Error("a value of exactly Bytes was not kept")
	}
	c.Put(2, "abcdefg") // over the budget: not kept, 1 stays
	if _, ok := c.Get(2); ok {
		t.Error("a value over Bytes was kept")
	}
	if _, ok := c.Get(1); !ok {
		t.Error("a value too large to keep pushed another out")
	}
}

func TestLRUConcurrent(t *testing.T) {
	c := New[int, int](Limits{Entries: 8}, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c.Put(i%16, g)
				c.Get((i + g) % 16)
				if i%7 == 0 {
					c.Remove(i % 16)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 8 {
		t.Errorf("Len = %d over the bound of 8", c.Len())
	}
}

func TestKeyedMutex(t *testing.T) {
	var k KeyedMutex
	unlock := k.Lock("a")
	done := make(chan struct{})
	go func() {
		u := k.Lock("a") // waits for the first holder
		close(done)
		u()
	}()
	other := k.Lock("b") // another key does not wait
	other()
	select {
	case <-done:
		t.Fatal("a second Lock of the same key did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	<-done
	k.mu.Lock()
	n := len(k.m)
	k.mu.Unlock()
	if n != 0 {
		t.Errorf("%d locks left after every holder unlocked: %v", n, fmt.Sprint(k.m))
	}
}
