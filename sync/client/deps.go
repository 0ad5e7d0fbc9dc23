package client

import (
	"io/fs"

	"infomat/outbox"
)

// Queue is the kiosk's outbox as the pusher uses it (*outbox.Outbox): the items waiting,
// their state as they are sent, and their removal once a receipt proves them delivered.
type Queue interface {
	Pending(limit int) ([]outbox.Item, error)
	MarkSending(id string) error
	MarkFailed(id, reason string) error
	MarkDelivered(id string, rc outbox.Receipt) error
	Purge(id string) error
	PurgeDelivered() (int, error)
	Stats() (outbox.Stats, error)
}

// ContentStore is the kiosk's content store as the puller uses it (*store.Store): the
// portal version it runs, a staging area for content-addressed blobs, and the switch to a
// new bundle in one step.
type ContentStore interface {
	PortalVersion() (uint64, error)
	FailedPortalVersion() (uint64, error)
	MissingBlobs(shas []string) ([]string, error)
	StageBlobs(blobs map[string][]byte) error
	BlobFS(files map[string]string) (fs.FS, error)
	ActivateBlobs(version, label string, portalVersion uint64, files map[string]string, keep ...string) error
}
