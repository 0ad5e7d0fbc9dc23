//go:build !race

package portal_test

const raceDetector = false
