package main

import (
	"log/slog"

	"infomat/sync/portal"
	"infomat/sync/portal/track"
)

// mountTracking serves the public tracking page, /sprawdz/<ref> (package track), on the API's
// listener: the address every receipt's QR code opens.
func mountTracking(api *portal.Server, st track.Store, log *slog.Logger) error {
	h, err := track.New(st, track.Options{Log: log})
	if err != nil {
		return err
	}
	api.Handle(track.Prefix, h)
	return nil
}
