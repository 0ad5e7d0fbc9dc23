package kiosk

import (
	"errors"
	"strings"
	"sync"

	"infomat/assets"
	"infomat/content"
)

// ErrSampleKey is returned by Submitter.Submit when the content's submission key is the
// embedded sample municipality's: its private half is published with the source (testdata/),
// so anything encrypted to it is readable by anyone. Only a demo kiosk (--demo) files such
// forms.
var ErrSampleKey = errors.New("submission key is the published sample key; forms are refused outside demo mode")

var sample struct {
	once sync.Once
	key  string
}

// SampleKey returns the submission key of the embedded sample municipality.
func SampleKey() string {
	sample.once.Do(func() {
		if b, err := content.Load(assets.DefaultContent()); err == nil {
			sample.key = b.Municipality.SubmissionKey
		}
	})
	return sample.key
}

// IsSampleKey reports whether key is the embedded sample's submission key. A key that
// cannot be told apart (the embedded bundle failed to load) counts as the sample: refusing
// is the safe side.
func IsSampleKey(key string) bool {
	s := SampleKey()
	return s == "" || strings.EqualFold(strings.TrimSpace(key), s)
}
