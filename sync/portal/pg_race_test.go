//go:build race

package portal_test

// raceDetector: the race detector makes sync.Pool drop buffers at random, so allocation
// figures mean nothing under it.
const raceDetector = true
