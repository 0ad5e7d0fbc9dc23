package portal

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"infomat/content"
)

// CreateTokens is CreateTokens run by the portal. When one fails, the tokens created before
// it are returned with the error.
func (c *AdminClient) CreateTokens(ctx context.Context, municipality string, opts TokenOptions) ([]string, time.Time, error) {
	var out tokensResponse
	var fail adminError
	req := tokensRequest{Municipality: municipality, TTL: opts.TTL, Count: opts.Count, Label: opts.Label, NewMunicipality: opts.NewMunicipality}
	if err := c.do(ctx, http.MethodPost, "tokens", nil, "", req, &out, &fail); err != nil {
		return fail.Tokens, time.Time{}, err
	}
	return out.Tokens, out.Expires, nil
}

// Devices is Storage.Devices (without the secret hashes).
func (c *AdminClient) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := c.do(ctx, http.MethodGet, "devices", nil, "", nil, &out)
	return out, err
}

// Revoke is Storage.Revoke at the portal's time.
func (c *AdminClient) Revoke(ctx context.Context, device string) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, "revoke", nil, "", revokeRequest{Device: device}, &out)
}

// PublicKey is PublicKeyString of Storage.SigningKey, for a municipality the portal has
// (or a new one with newMunicipality).
func (c *AdminClient) PublicKey(ctx context.Context, municipality string, newMunicipality bool) (string, error) {
	var out keyResponse
	q := url.Values{"municipality": {municipality}}
	if newMunicipality {
		q.Set("new_municipality", "1")
	}
	err := c.do(ctx, http.MethodGet, "key", q, "", nil, &out)
	return out.PublicKey, err
}

// Publish sends every file of fsys and runs Publish on the portal (opts.Now is the portal's
// time). A bundle with problems gives content.Problems, as Publish does.
func (c *AdminClient) Publish(ctx context.Context, municipality string, fsys fs.FS, opts PublishOptions) (PublishResult, error) {
	// Refuse symlinks, devices, pipes and sockets here, before reading: fs.ReadFile would
	// follow a symlink and send its target (the portal would then publish /etc/shadow).
	if _, ps, err := content.FSSizes(fsys); err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	} else if len(ps) > 0 {
		return PublishResult{}, ps
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files and directories", p)
		}
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755})
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	}
	q := url.Values{"municipality": {municipality}, "label": {opts.Label}}
	if opts.NewMunicipality {
		q.Set("new_municipality", "1")
	}
	if opts.Expires != 0 {
		q.Set("expires", strconv.FormatInt(int64(opts.Expires), 10))
	}
	for name, v := range limitParams(&opts.Limits) {
		if *v != 0 {
			q.Set(name, strconv.FormatInt(*v, 10))
		}
	}
	var out PublishResult
	err = c.do(ctx, http.MethodPost, "publish", q, "application/x-tar", buf.Bytes(), &out)
	return out, err
}

// Export is Export run by the portal: it decrypts there with the identity file's contents,
// the JSON is written to w here, and only once that succeeded (and w, if a file, was synced)
// the portal marks the submissions exported. If anything fails before, nothing is marked.
func (c *AdminClient) Export(ctx context.Context, municipality string, identity []byte, all bool, w io.Writer) (ExportResult, error) {
	var out exportResponse
	err := c.do(ctx, http.MethodPost, "export", nil, "", exportRequest{Municipality: municipality, Identity: string(identity), All: all}, &out)
	defer clear(out.Export)
	if err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Count: out.Count, Quarantined: out.Quarantined}
	if _, err := w.Write(out.Export); err != nil {
		return res, fmt.Errorf("write export: %w", err)
	}
	if f, ok := w.(interface{ Sync() error }); ok {
		_ = f.Sync() // as Export does
	}
	if len(out.IDs) > 0 {
		var done struct{}
		if err := c.do(ctx, http.MethodPost, "export/mark", nil, "", markRequest{IDs: out.IDs}, &done); err != nil {
			return res, fmt.Errorf("the export was written but could not be marked as done (the next export repeats it): %w", err)
		}
	}
	return res, nil
}

// Quarantine is QuarantineList on the portal.
func (c *AdminClient) Quarantine(ctx context.Context, municipality string) ([]QuarantineEntry, error) {
	var out []QuarantineEntry
	var q url.Values
	if municipality != "" {
		q = url.Values{"municipality": {municipality}}
	}
	err := c.do(ctx, http.MethodGet, "quarantine", q, "", nil, &out)
	return out, err
}

// QuarantineShow is QuarantineShow on the portal.
func (c *AdminClient) QuarantineShow(ctx context.Context, id string) (QuarantineEntry, error) {
	var out QuarantineEntry
	err := c.do(ctx, http.MethodGet, "quarantine/show", url.Values{"id": {id}}, "", nil, &out)
	return out, err
}

// Release is ReleaseQuarantined on the portal.
func (c *AdminClient) Release(ctx context.Context, id string) (QuarantineEntry, error) {
	var out QuarantineEntry
	err := c.do(ctx, http.MethodPost, "quarantine/release", nil, "", releaseRequest{ID: id}, &out)
	return out, err
}

// Check is Bolt.Check on the serving portal's store.
func (c *AdminClient) Check(ctx context.Context) error {
	var out struct{}
	return c.do(ctx, http.MethodGet, "check", nil, "", nil, &out)
}

// Fleet is Fleet on the portal, as of at.
func (c *AdminClient) Fleet(ctx context.Context, municipality string, at time.Time) ([]FleetRow, error) {
	var out []FleetRow
	q := url.Values{"at": {at.Format(time.RFC3339Nano)}}
	if municipality != "" {
		q.Set("municipality", municipality)
	}
	err := c.do(ctx, http.MethodGet, "fleet", q, "", nil, &out)
	return out, err
}

// Snapshot copies the serving portal's database into w (GET snapshot) and returns its size
// and SHA-256 (hex), checked against the checksum the portal sent after the last byte: a
// copy cut short or damaged on the way is an error, never a short file.
func (c *AdminClient) Snapshot(ctx context.Context, w io.Writer) (int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://portal-admin"+adminPrefix+"snapshot", nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", c.failed(resp, nil)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), resp.Body)
	if err != nil {
		return n, "", fmt.Errorf("admin socket %s: snapshot after %d bytes: %w", c.path, n, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch want := resp.Trailer.Get(SnapshotTrailer); {
	case want == "":
		return n, "", fmt.Errorf("admin socket %s: the snapshot came without its checksum (the portal stopped before the end?)", c.path)
	case want != sum:
		return n, "", fmt.Errorf("admin socket %s: the snapshot's SHA-256 is %s, the portal sent %s", c.path, sum, want)
	}
	return n, sum, nil
}
