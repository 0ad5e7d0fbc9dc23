package kiosk

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strconv"
	"sync"

	"infomat/content"
)

// DefaultContentMemoryMB is the default memory budget for loading a new content bundle.
const DefaultContentMemoryMB = 512

// ErrOverBudget is wrapped by LoadWithin when a bundle needs more memory than allowed.
var ErrOverBudget = errors.New("content needs more memory than the device allows")

// ContentMemoryBudget is the device's budget for a loaded bundle in bytes: the setting
// content_memory_mb, else DefaultContentMemoryMB.
func ContentMemoryBudget(st SettingsStore) int64 {
	n, err := strconv.Atoi(setting(st, SettingContentMemory, strconv.Itoa(DefaultContentMemoryMB)))
	if err != nil || n <= 0 {
		n = DefaultContentMemoryMB
	}
	return int64(n) << 20
}

// LoadWithin loads a bundle (content.Load) and refuses it when the heap it keeps exceeds
// budget bytes (0: no limit). It measures the live heap after a collection before and after
// the load: what the kiosk will hold for as long as it shows the bundle, without the garbage
// the load made on the way. A bundle that needs more would make a kiosk with a small RAM
// swap or be killed before its first frame; better to keep showing the old one.
//
// Loads run one at a time, so two loads at once cannot count each other's memory.
func LoadWithin(fsys fs.FS, budget int64) (*content.Bundle, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if budget <= 0 { // nothing to measure, so no forced collection (on the start-up path)
		return content.Load(fsys)
	}
	before := liveHeap()
	b, err := content.Load(fsys)
	if err != nil {
		return b, err
	}
	grown := int64(liveHeap()) - int64(before)
	if grown > budget {
		return nil, fmt.Errorf("%w: %.1f MiB after loading, budget %.1f MiB (setting %s)",
			ErrOverBudget, float64(grown)/(1<<20), float64(budget)/(1<<20), SettingContentMemory)
	}
	return b, nil
}

var loadMu sync.Mutex

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
