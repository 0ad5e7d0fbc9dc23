package kiosk

import (
	"errors"

	"infomat/content"
)

// ErrSampleKey is returned by Submitter.Submit when the content's submission key is the
// embedded sample municipality's: its private half is published with the source (testdata/),
// so anything encrypted to it is readable by anyone. Only a demo kiosk (--demo) files such
// forms.
var ErrSampleKey = errors.New("submission key is the published sample key; forms are refused outside demo mode")

// SampleKey returns the submission key of the embedded sample municipality. The content
// package keeps what is known of the sample; these two names stay for the kiosk's callers.
func SampleKey() string { return content.SampleKey() }

// IsSampleKey reports whether key is the embedded sample's submission key (content.IsSampleKey:
// a key that cannot be told apart counts as the sample, refusing is the safe side).
func IsSampleKey(key string) bool { return content.IsSampleKey(key) }
