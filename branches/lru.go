package branches

import (
	"container/list"
	"sync"
)

// lru keeps values up to a total size, least recently used out first.
// The zero lru is empty and ready.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	m     map[K]*list.Element
	order list.List // of *lruEntry[K, V], most recent first
	bytes int
}

type lruEntry[K comparable, V any] struct {
	key   K
	v     V
	bytes int
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry[K, V]).v, true
}

// put keeps v, of size bytes, within limit bytes in all; a value over
// maxItem bytes is not kept, nor one kept already.
func (c *lru[K, V]) put(k K, v V, size, limit, maxItem int) {
	if size > maxItem {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[K]*list.Element{}
	}
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.order.PushFront(&lruEntry[K, V]{key: k, v: v, bytes: size})
	c.bytes += size
	for c.bytes > limit {
		old := c.order.Back().Value.(*lruEntry[K, V])
		c.order.Remove(c.order.Back())
		delete(c.m, old.key)
		c.bytes -= old.bytes
	}
}

// each calls f for every value kept.
func (c *lru[K, V]) each(f func(K, V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		f(k, e.Value.(*lruEntry[K, V]).v)
	}
}
