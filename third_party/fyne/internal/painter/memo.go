package painter

// infomat patch (third_party/README.md): the bounded caches of glyphs.go and words.go.

import "sync"

// memo is a map guarded by a mutex that starts again when it holds max entries, so a long
// week cannot grow it.
type memo[K comparable, V any] struct {
	sync.Mutex
	m   map[K]V
	max int
}

func (c *memo[K, V]) get(k K) (V, bool) {
	c.Lock()
	defer c.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memo[K, V]) put(k K, v V) {
	c.Lock()
	defer c.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[K]V{}
	}
	c.m[k] = v
}

func (c *memo[K, V]) clear() {
	c.Lock()
	c.m = nil
	c.Unlock()
}

func (c *memo[K, V]) len() int {
	c.Lock()
	defer c.Unlock()
	return len(c.m)
}
