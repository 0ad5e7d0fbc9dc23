package loadgen

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"infomat/sync/protocol"
)

// catalog is what the simulated kiosks know about published content, shared: all of them
// belong to one municipality and see the same versions, so one copy of each version's blob
// list serves every kiosk, and a kiosk keeps only its version number and ETag.
type catalog struct {
	key ed25519.PublicKey // the municipality's, as enrolment gave it

	mu       sync.Mutex
	payloads map[string]manifestCheck            // signed payload → what it says
	shards   map[string]map[string]protocol.File // index shard's sha → its entries
	versions map[uint64]map[string]int64         // version → every blob it references → size
}

type manifestCheck struct {
	m   protocol.Manifest
	err error
}

func newCatalog(key ed25519.PublicKey) *catalog {
	return &catalog{key: key, payloads: map[string]manifestCheck{},
		shards: map[string]map[string]protocol.File{}, versions: map[uint64]map[string]int64{}}
}

// manifest checks a signed manifest once for all kiosks (signature, municipality, expiry),
// as a kiosk's client does before it acts on one.
func (c *catalog) manifest(sm protocol.SignedManifest) (protocol.Manifest, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	mc, ok := c.payloads[sm.Payload]
	if !ok {
		mc.m, mc.err = sm.Verify(c.key, Municipality, 0, time.Now())
		c.payloads[sm.Payload] = mc
	}
	return mc.m, mc.err
}

// blobs is the set of blobs of a version the catalog knows (nil for version 0: nothing).
// The map is never changed after it is stored; callers only read it.
func (c *catalog) blobs(version uint64) map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.versions[version]
}

// addShard parses an index shard the first time any kiosk downloads it.
func (c *catalog) addShard(sha string, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.shards[sha]; ok {
		return nil
	}
	var part map[string]protocol.File
	if err := json.Unmarshal(data, &part); err != nil {
		return fmt.Errorf("index shard %s: %w", sha, err)
	}
	c.shards[sha] = part
	return nil
}

// files lists the files of m (from its shards, which must all have been added), sorted by
// sha so every kiosk fetches them in the same order, and records m's version.
func (c *catalog) files(m protocol.Manifest) ([]protocol.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := map[string]int64{}
	for _, f := range m.Files {
		all[f.SHA256] = f.Size
	}
	for _, s := range m.Index {
		part, ok := c.shards[s.SHA256]
		if !ok {
			return nil, fmt.Errorf("manifest %d: index shard %s not fetched", m.Version, s.SHA256)
		}
		for _, f := range part {
			all[f.SHA256] = f.Size
		}
	}
	files := make([]protocol.File, 0, len(all))
	for sha, size := range all {
		files = append(files, protocol.File{SHA256: sha, Size: size})
	}
	slices.SortFunc(files, func(a, b protocol.File) int { return strings.Compare(a.SHA256, b.SHA256) })
	if _, ok := c.versions[m.Version]; !ok {
		for _, s := range m.Index {
			all[s.SHA256] = s.Size
		}
		c.versions[m.Version] = all
	}
	return files, nil
}
