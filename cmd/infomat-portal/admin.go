package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"filippo.io/age"

	"infomat/sync/portal"
)

// operator is what the operator commands do to a portal: directly on its store when no
// `serve` holds it, or through the serving portal's admin socket (DATA/admin.sock) when one
// does. The commands print the same either way.
type operator interface {
	// createTokens makes count tokens; on an error, the ones made before it come with it.
	createTokens(ctx context.Context, muni string, opts portal.TokenOptions) ([]string, time.Time, error)
	devices(ctx context.Context) ([]portal.Device, error)
	revoke(ctx context.Context, id string) error
	// publicKey is the municipality's content key; newMuni lets it create the municipality.
	publicKey(ctx context.Context, muni string, newMuni bool) (string, error)
	publish(ctx context.Context, muni string, fsys fs.FS, opts portal.PublishOptions) (portal.PublishResult, error)
	// export writes the JSON to w and marks the submissions exported once that succeeded.
	// identity is the identity file's contents, ids the same parsed.
	export(ctx context.Context, muni string, identity []byte, ids []age.Identity, all bool, w io.Writer) (portal.ExportResult, error)
	fleet(ctx context.Context, muni string, at time.Time) ([]portal.FleetRow, error)
	quarantine(ctx context.Context, muni string) ([]portal.QuarantineEntry, error)
	quarantineShow(ctx context.Context, id string) (portal.QuarantineEntry, error)
	release(ctx context.Context, id string) (portal.QuarantineEntry, error)
	check(ctx context.Context) error
	statusOps // status.go
	close()
}

// connect reaches the portal's data: through the admin socket of a running `serve` when one
// answers (asking it first saves the 2 s wait for a lock it holds), else by opening the store
// in dir. When the store is locked and no socket answers, the locked error is printed.
func connect(ctx context.Context, at *place, stderr io.Writer) (operator, bool) {
	return connectWith(ctx, at, portal.BoltOptions{}, stderr)
}

func connectWith(ctx context.Context, at *place, opts portal.BoltOptions, stderr io.Writer) (operator, bool) {
	// A PostgreSQL store is shared, never locked by a serving portal: the command opens it
	// itself, beside the running instances.
	cerr := fs.ErrNotExist
	if !portal.IsPostgres(at.db) {
		c, err := portal.DialAdmin(ctx, at.dir)
		if err == nil {
			return remote{c}, true
		}
		cerr = err
	}
	st, err := portal.Open(ctx, at.db, at.dir, opts)
	if err == nil {
		return local{st}, true
	}
	fail(stderr, "infomat-portal", err)
	if errors.Is(err, portal.ErrLocked) && !errors.Is(cerr, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "infomat-portal: the running portal's admin socket did not answer:", cerr)
	}
	return nil, false
}

// local runs the operations on the store this process opened.
type local struct{ st portal.Backend }

func (l local) close() { _ = l.st.Close() }

func (l local) createTokens(ctx context.Context, muni string, opts portal.TokenOptions) ([]string, time.Time, error) {
	now := time.Now()
	toks, err := portal.CreateTokens(ctx, l.st, muni, opts, now)
	return toks, now.Add(opts.TTL), err
}

func (l local) devices(ctx context.Context) ([]portal.Device, error) { return l.st.Devices(ctx) }

func (l local) revoke(ctx context.Context, id string) error { return l.st.Revoke(ctx, id, time.Now()) }

func (l local) publicKey(ctx context.Context, muni string, newMuni bool) (string, error) {
	if err := portal.CheckMunicipality(ctx, l.st, muni, newMuni); err != nil {
		return "", err
	}
	key, err := l.st.SigningKey(ctx, muni)
	if err != nil {
		return "", err
	}
	return portal.PublicKeyString(key), nil
}

func (l local) publish(ctx context.Context, muni string, fsys fs.FS, opts portal.PublishOptions) (portal.PublishResult, error) {
	if err := portal.CheckMunicipality(ctx, l.st, muni, opts.NewMunicipality); err != nil {
		return portal.PublishResult{}, err
	}
	return portal.Publish(ctx, l.st, muni, fsys, opts)
}

func (l local) export(ctx context.Context, muni string, _ []byte, ids []age.Identity, all bool, w io.Writer) (portal.ExportResult, error) {
	return portal.ExportReport(ctx, l.st, muni, ids, all, w, time.Now())
}

func (l local) quarantine(ctx context.Context, muni string) ([]portal.QuarantineEntry, error) {
	return portal.QuarantineList(ctx, l.st, muni)
}

func (l local) quarantineShow(ctx context.Context, id string) (portal.QuarantineEntry, error) {
	return portal.QuarantineShow(ctx, l.st, id)
}

func (l local) release(ctx context.Context, id string) (portal.QuarantineEntry, error) {
	return portal.ReleaseQuarantined(ctx, l.st, id)
}

func (l local) check(ctx context.Context) error { return l.st.Check(ctx) }

func (l local) fleet(ctx context.Context, muni string, at time.Time) ([]portal.FleetRow, error) {
	return portal.Fleet(ctx, l.st, muni, at)
}

// remote runs them through the serving portal's admin socket.
type remote struct{ c *portal.AdminClient }

func (r remote) close() { r.c.Close() }

func (r remote) createTokens(ctx context.Context, muni string, opts portal.TokenOptions) ([]string, time.Time, error) {
	return r.c.CreateTokens(ctx, muni, opts)
}

func (r remote) devices(ctx context.Context) ([]portal.Device, error) { return r.c.Devices(ctx) }

func (r remote) revoke(ctx context.Context, id string) error { return r.c.Revoke(ctx, id) }

func (r remote) publicKey(ctx context.Context, muni string, newMuni bool) (string, error) {
	return r.c.PublicKey(ctx, muni, newMuni)
}

func (r remote) publish(ctx context.Context, muni string, fsys fs.FS, opts portal.PublishOptions) (portal.PublishResult, error) {
	return r.c.Publish(ctx, muni, fsys, opts)
}

func (r remote) export(ctx context.Context, muni string, identity []byte, _ []age.Identity, all bool, w io.Writer) (portal.ExportResult, error) {
	return r.c.Export(ctx, muni, identity, all, w)
}

func (r remote) quarantine(ctx context.Context, muni string) ([]portal.QuarantineEntry, error) {
	return r.c.Quarantine(ctx, muni)
}

func (r remote) quarantineShow(ctx context.Context, id string) (portal.QuarantineEntry, error) {
	return r.c.QuarantineShow(ctx, id)
}

func (r remote) release(ctx context.Context, id string) (portal.QuarantineEntry, error) {
	return r.c.Release(ctx, id)
}

func (r remote) check(ctx context.Context) error { return r.c.Check(ctx) }

func (r remote) fleet(ctx context.Context, muni string, at time.Time) ([]portal.FleetRow, error) {
	return r.c.Fleet(ctx, muni, at)
}
