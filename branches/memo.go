package branches

import "sync"

// runMemo keeps values by key for one run, safe for concurrent use; past
// max entries it drops them all at once (a run that reads more than that
// reads the oldest again rather than growing without bound). Callers do
// not modify the values they get.
type runMemo[V any] struct {
	sync.Mutex
	m map[string]V
}

func (c *runMemo[V]) get(key string) (V, bool) {
	c.Lock()
	defer c.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *runMemo[V]) put(key string, v V, max int) {
	c.Lock()
	defer c.Unlock()
	if c.m == nil || len(c.m) >= max {
		c.m = map[string]V{}
	}
	c.m[key] = v
}
