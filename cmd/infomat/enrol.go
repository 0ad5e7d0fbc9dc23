package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"infomat/sync/client"
)

// enrolment is one enrolment of this device with a portal: provision and setup both make it
// through enrolDevice, so there is one path.
type enrolment struct {
	DataDir, Portal, Token string
	Label                  string // where the device stands, for the fleet; "" keeps the token's
	Trust                  client.Trust
	// Force enrols even when the device's old identity cannot be retired on the
	// portal (the portal is down): the technician then revokes it in the panel.
	Force bool
}

// notRetiredError is an enrolled device whose old identity could not be retired: it is not
// enrolled anew unless the technician says so (--force).
type notRetiredError struct {
	old client.Credentials
	err error
}

func (e *notRetiredError) Error() string {
	return fmt.Sprintf("urządzenie jest już zarejestrowane (%s, gmina %s, portal %s), a starej tożsamości nie udało się wycofać w portalu: %s\n"+
		"  Sprawdź połączenie z portalem i uruchom polecenie ponownie, albo dodaj --force (zarejestruje urządzenie mimo to;\n"+
		"  wtedy odwołaj starą tożsamość w panelu: Urządzenia → %s → Odwołaj urządzenie, albo: infomat-portal revoke %s)",
		e.old.DeviceID, e.old.Municipality, e.old.Portal, failure(e.err), e.old.DeviceID, e.old.DeviceID)
}

func (e *notRetiredError) Unwrap() error { return e.err }

// enrolDevice enrols the device and saves its credentials. A device that is enrolled
// already first retires its old identity on the portal (POST /api/v1/retire with the old
// credentials), so the fleet does not keep a ghost that still holds a valid secret; say
// reports that in Polish. When the old identity cannot be retired, the result is a
// *notRetiredError unless e.Force.
func enrolDevice(ctx context.Context, e enrolment, say func(string)) (client.Credentials, error) {
	old, err := client.LoadCredentials(e.DataDir)
	switch {
	case err == nil:
		// The new portal first: a mistyped address or a wrong pin must not leave the
		// device with no identity at all.
		if err := client.CheckPortal(ctx, e.Portal, e.Trust); err != nil {
			return client.Credentials{}, err
		}
		say(fmt.Sprintf("urządzenie było już zarejestrowane jako %s (gmina %s) — wycofuję tę tożsamość w portalu", old.DeviceID, old.Municipality))
		rerr := retire(ctx, old)
		switch {
		case rerr == nil:
			say(fmt.Sprintf("poprzednia tożsamość %s wycofana w portalu", old.DeviceID))
		case errors.Is(rerr, client.ErrRevoked):
			say(fmt.Sprintf("poprzednia tożsamość %s była już odwołana w portalu", old.DeviceID))
		case !e.Force:
			return client.Credentials{}, &notRetiredError{old: old, err: rerr}
		default:
			say(fmt.Sprintf("poprzedniej tożsamości %s nie udało się wycofać (--force): odwołaj ją w panelu (Urządzenia → Odwołaj urządzenie) albo infomat-portal revoke %s", old.DeviceID, old.DeviceID))
		}
	case !errors.Is(err, fs.ErrNotExist):
		say("poprzednie poświadczenia są nieczytelne i zostaną zastąpione: " + err.Error())
	}
	creds, err := client.EnrollAs(ctx, e.Portal, e.Token, e.Label, e.Trust)
	if err != nil {
		return client.Credentials{}, err
	}
	if err := client.SaveCredentials(e.DataDir, creds); err != nil {
		return client.Credentials{}, fmt.Errorf("nie można zapisać poświadczeń: %w", err)
	}
	return creds, nil
}

func retire(ctx context.Context, creds client.Credentials) error {
	c, err := client.New(creds)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Retire(ctx)
}
