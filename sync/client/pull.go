package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"sort"
	"sync"
	"time"

	"infomat/content"
	"infomat/l10n"
	"infomat/sync/protocol"
)

const (
	// maxManifest bounds the signed manifest's JSON: a 55,000-file bundle is about 8 MB.
	maxManifest = 64 << 20
	// maxBlob bounds one file of a bundle.
	maxBlob = 256 << 20
	// Staged blobs are committed in batches of about this size (one fsync each).
	stageBatchBytes = 4 << 20
	stageBatchBlobs = 256
)

// ErrBadBlob is wrapped by Pull when a downloaded blob does not match the manifest.
var ErrBadBlob = errors.New("content blob does not match the manifest")

// ErrBadBundle is wrapped by Pull when the bundle the portal published fails validation.
var ErrBadBundle = errors.New("published content bundle is invalid")

// ErrFailedBundle is wrapped by Pull when the portal still publishes the version this
// kiosk gave up after a start that never showed its first frame (store.BeginContentStart).
var ErrFailedBundle = errors.New("published content version failed to start on this kiosk")

// pullResult is what one pull did; Pull reports part of it.
type pullResult struct {
	updated bool
	version uint64
	blobs   int   // blobs downloaded
	bytes   int64 // blob bytes downloaded
}

// Pull fetches the portal's signed manifest and, if it is newer than the active content,
// installs it:
//
//   - the signature is checked against the pinned key, and the manifest against the
//     kiosk's municipality, the active portal version (no rollback) and now (no freeze);
//   - only the blobs the store lacks are downloaded; each is checked against the sha256
//     and size the manifest gives and committed to the store's staging area, so an
//     interrupted pull resumes where it stopped;
//   - the complete bundle is validated with content.Load, as any bundle is before use (or
//     with the loader given to SetLoader, which also bounds its memory);
//   - the store switches to it in one transaction (ContentStore.ActivateBlobs).
//
// now is the time for the expiry check; a client given a TrustedTime uses that instead.
// On any failure the previous content stays active. updated reports a switch; version is
// the active portal version afterwards. A portal with nothing published (404) is not an
// error. progress, if not nil, gets a few lines about the work.
func (c *Client) Pull(ctx context.Context, st ContentStore, now time.Time, progress func(string)) (updated bool, version uint64, err error) {
	r, err := c.pull(ctx, st, now, progress)
	return r.updated, r.version, err
}

func (c *Client) pull(ctx context.Context, st ContentStore, now time.Time, progress func(string)) (res pullResult, err error) {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	if progress == nil {
		progress = func(string) {}
	}
	active, err := st.PortalVersion()
	if err != nil {
		return pullResult{}, fmt.Errorf("pull: %w", err)
	}
	res = pullResult{version: active}
	// A version given up after a failed kiosk start is skipped, and nothing older is
	// accepted: the rollback floor stays where it was before the rollback or drop.
	failed, err := st.FailedPortalVersion()
	if err != nil {
		return res, fmt.Errorf("pull: %w", err)
	}

	sm, etag, found, err := c.manifest(ctx, active)
	if err != nil {
		return res, fmt.Errorf("pull: %w", err)
	}
	if etag == notModified {
		return res, nil
	}
	// Remember the manifest's ETag once it has been fully handled, so the next poll can
	// skip the download with If-None-Match (a 55,000-file manifest is megabytes).
	defer func() {
		if err == nil && etag != "" {
			c.etag = etag
			c.etagVersion = res.version
		}
	}()
	if !found {
		progress("portal nie ma jeszcze opublikowanej treści")
		return res, nil
	}
	// With a trusted time source, its estimate after the manifest's own Date header: a
	// device clock years ahead must not see every manifest as expired.
	m, err := sm.Verify(c.key, c.creds.Municipality, max(active, failed), c.expiryNow(now))
	if err != nil {
		return res, fmt.Errorf("pull: manifest refused: %w", err)
	}
	if c.trusted != nil {
		c.trusted.ObserveSigned(m.Created)
	}
	if m.Version == active && active != 0 {
		return res, nil
	}
	if m.Version == failed {
		// Installing it again would fail the same start again: wait for a newer one.
		return res, fmt.Errorf("pull: content version %d: %w (it never showed a frame on this kiosk; waiting for a newer version)", m.Version, ErrFailedBundle)
	}
	if sm.Payload == c.rejected {
		return res, fmt.Errorf("pull: content version %d: %w (refused before)", m.Version, ErrBadBundle)
	}
	keep, n, nbytes, err := c.resolveIndex(ctx, st, &m)
	res.blobs, res.bytes = n, nbytes
	if errors.Is(err, ErrBadBundle) {
		c.rejected = sm.Payload
	}
	if err != nil {
		return res, fmt.Errorf("pull: content version %d: %w", m.Version, err)
	}
	files, sizes, err := checkFiles(m)
	if err == nil {
		err = checkLimits(m)
	}
	if err != nil {
		c.rejected = sm.Payload
		return res, fmt.Errorf("pull: content version %d: %w", m.Version, err)
	}

	shas := make([]string, 0, len(sizes))
	for h := range sizes {
		shas = append(shas, h)
	}
	sort.Strings(shas)
	missing, err := st.MissingBlobs(shas)
	if err != nil {
		return res, fmt.Errorf("pull: %w", err)
	}
	if len(missing) > 0 {
		var total int64
		for _, h := range missing {
			total += sizes[h]
		}
		progress(fmt.Sprintf("treść w wersji %d: pobieram %d z %d %s (%d B)", m.Version, len(missing), len(sizes), l10n.Plural(len(sizes), "pliku", "plików", "plików"), total))
	}
	nb, nby, err := c.download(ctx, st, missing, sizes)
	res.blobs, res.bytes = res.blobs+nb, res.bytes+nby
	if err != nil {
		return res, fmt.Errorf("pull: content version %d: %w", m.Version, err)
	}

	fsys, err := st.BlobFS(files)
	if err != nil {
		return res, fmt.Errorf("pull: content version %d: %w", m.Version, err)
	}
	load := content.Load
	if c.load != nil {
		load = c.load
	}
	b, err := load(fsys)
	if err != nil {
		c.rejected = sm.Payload
		var ps content.Problems
		if errors.As(err, &ps) {
			return res, fmt.Errorf("pull: content version %d: %w: %d problem(s), first: %s", m.Version, ErrBadBundle, len(ps), ps[0])
		}
		return res, fmt.Errorf("pull: content version %d: %w: %w", m.Version, ErrBadBundle, err)
	}
	label := fmt.Sprintf("portal v%d", m.Version)
	if m.Label != "" {
		label += " " + m.Label
	}
	if err := st.ActivateBlobs(b.Version, label, m.Version, files, keep...); err != nil {
		return res, fmt.Errorf("pull: %w", err)
	}
	progress(fmt.Sprintf("treść w wersji %d aktywna (%s)", m.Version, b.Version))
	res.updated, res.version = true, m.Version
	c.mu.Lock()
	c.status.ContentVersion = m.Version
	c.mu.Unlock()
	return res, nil
}

// SetLoader replaces content.Load for validating a pulled bundle before activation: the
// kiosk passes one that also refuses a bundle over its memory budget (kiosk.LoadWithin).
// A bundle the loader refuses is not tried again until the portal publishes another.
func (c *Client) SetLoader(load func(fs.FS) (*content.Bundle, error)) {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	c.load = load
}

// notModified is the etag manifest returns for a 304.
const notModified = "\x00not modified"

// manifest GETs the signed manifest; found is false on 404. It sends If-None-Match with
// the ETag of the last manifest handled while that one is still the active version.
func (c *Client) manifest(ctx context.Context, active uint64) (sm protocol.SignedManifest, etag string, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var hdr map[string]string
	if c.etag != "" && c.etagVersion == active {
		hdr = map[string]string{"If-None-Match": c.etag}
	}
	resp, err := c.doHeaders(ctx, http.MethodGet, protocol.PathManifest, nil, hdr)
	if err != nil {
		return sm, "", false, fmt.Errorf("get manifest: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && hdr != nil:
		c.noteSync()
		return sm, notModified, false, nil
	case resp.StatusCode == http.StatusNotFound:
		c.noteSync()
		return sm, "", false, nil
	case resp.StatusCode/100 != 2:
		return sm, "", false, fmt.Errorf("get manifest: %w", statusError(resp, c.clock.Now()))
	}
	if err := decodeJSON(resp, &sm, maxManifest); err != nil {
		return sm, "", false, fmt.Errorf("get manifest: %w", err)
	}
	c.noteSync()
	return sm, resp.Header.Get("ETag"), true, nil
}

// checkFiles validates the manifest's file list and returns path → sha and sha → size.
// Paths get their full check (fs.ValidPath, file/directory clashes) from the store.
// resolveIndex fetches the manifest's index shards the store lacks (they are blobs like any
// file, so an unchanged shard is never downloaded again), checks them against the signed
// hashes and merges their entries into m.Files. It returns the shards' hashes, which the
// store keeps past activation, and what it downloaded.
func (c *Client) resolveIndex(ctx context.Context, st ContentStore, m *protocol.Manifest) (keep []string, n int, nbytes int64, err error) {
	if len(m.Index) == 0 {
		return nil, 0, 0, nil
	}
	sizes := map[string]int64{}
	var total int64
	for _, f := range m.Index {
		if raw, derr := hex.DecodeString(f.SHA256); derr != nil || len(raw) != sha256.Size || f.Size < 0 || f.Size > maxBlob {
			return nil, 0, 0, fmt.Errorf("%w: bad index shard %q", ErrBadBundle, f.SHA256)
		}
		// The shards come before the file sizes can be checked: bound them as the manifest is.
		if total += f.Size; total > maxManifest {
			return nil, 0, 0, fmt.Errorf("%w: index shards larger than %d bytes together", ErrBadBundle, maxManifest)
		}
		sizes[f.SHA256] = f.Size
		keep = append(keep, f.SHA256)
	}
	sort.Strings(keep)
	missing, err := st.MissingBlobs(keep)
	if err != nil {
		return nil, 0, 0, err
	}
	if n, nbytes, err = c.download(ctx, st, missing, sizes); err != nil {
		return nil, n, nbytes, err
	}
	names := make(map[string]string, len(keep))
	for i, h := range keep {
		names[fmt.Sprintf("shard-%d", i)] = h
	}
	shards, err := st.BlobFS(names)
	if err != nil {
		return nil, n, nbytes, err
	}
	if m.Files == nil {
		m.Files = map[string]protocol.File{}
	}
	for name := range names {
		data, err := fs.ReadFile(shards, name)
		if err != nil {
			return nil, n, nbytes, err
		}
		var part map[string]protocol.File
		if err := json.Unmarshal(data, &part); err != nil {
			return nil, n, nbytes, fmt.Errorf("%w: index shard: %v", ErrBadBundle, err)
		}
		for p, f := range part {
			if _, dup := m.Files[p]; dup {
				return nil, n, nbytes, fmt.Errorf("%w: %s listed twice", ErrBadBundle, p)
			}
			m.Files[p] = f
		}
	}
	return keep, n, nbytes, nil
}

func checkFiles(m protocol.Manifest) (map[string]string, map[string]int64, error) {
	if len(m.Files) == 0 {
		return nil, nil, fmt.Errorf("%w: manifest lists no files", ErrBadBundle)
	}
	files := make(map[string]string, len(m.Files))
	sizes := make(map[string]int64, len(m.Files))
	for p, f := range m.Files {
		if !fs.ValidPath(p) || p == "." {
			return nil, nil, fmt.Errorf("%w: bad path %q", ErrBadBundle, p)
		}
		if raw, err := hex.DecodeString(f.SHA256); err != nil || len(raw) != sha256.Size || hex.EncodeToString(raw) != f.SHA256 {
			return nil, nil, fmt.Errorf("%w: %s: bad sha256 %q", ErrBadBundle, p, f.SHA256)
		}
		if f.Size < 0 || f.Size > maxBlob {
			return nil, nil, fmt.Errorf("%w: %s: bad size %d", ErrBadBundle, p, f.Size)
		}
		if s, ok := sizes[f.SHA256]; ok && s != f.Size {
			return nil, nil, fmt.Errorf("%w: blob %s listed with two sizes", ErrBadBundle, f.SHA256)
		}
		files[p] = f.SHA256
		sizes[f.SHA256] = f.Size
	}
	return files, sizes, nil
}

// checkLimits checks the manifest's file sizes, before any is downloaded, against the limits
// it was published under (the defaults if it names none), capped by the kiosk's hard maxima:
// a signed manifest cannot make a kiosk take a 60 MB page. The download itself reads no more
// than the size listed (blob).
func checkLimits(m protocol.Manifest) error {
	var lim content.Limits
	if m.Limits != nil {
		lim = content.Limits(*m.Limits)
	}
	sizes := make(map[string]int64, len(m.Files))
	for p, f := range m.Files {
		sizes[p] = f.Size
	}
	ps := content.CheckSizes(sizes, lim)
	if len(ps) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d file(s) over the size limits, first: %s", ErrBadBundle, len(ps), ps[0])
}

// download fetches the missing blobs on c.workers connections and stages them in batches.
// After the first failure no new download starts, but those under way finish and are
// staged, so a resumed pull fetches only what never arrived.
func (c *Client) download(ctx context.Context, st ContentStore, missing []string, sizes map[string]int64) (n int, bytes int64, err error) {
	if len(missing) == 0 {
		return 0, 0, nil
	}
	type blob struct {
		sha  string
		data []byte
	}
	var (
		once     sync.Once
		firstErr error
		stop     = make(chan struct{})
		jobs     = make(chan string)
		results  = make(chan blob)
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err; close(stop) })
	}
	go func() {
		defer close(jobs)
		for _, h := range missing {
			select {
			case jobs <- h:
			case <-stop:
				return
			case <-ctx.Done():
				fail(ctx.Err())
				return
			}
		}
	}()
	for range max(1, min(c.workers, len(missing))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range jobs {
				data, err := c.blob(ctx, h, sizes[h])
				if err != nil {
					fail(err)
					continue
				}
				results <- blob{h, data}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	batch := map[string][]byte{}
	var batchBytes int
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := st.StageBlobs(batch); err != nil {
			fail(err)
		}
		batch, batchBytes = map[string][]byte{}, 0
	}
	for b := range results {
		n++
		bytes += int64(len(b.data))
		batch[b.sha] = b.data
		batchBytes += len(b.data)
		if batchBytes >= stageBatchBytes || len(batch) >= stageBatchBlobs {
			flush()
		}
	}
	flush()
	return n, bytes, firstErr
}

// blob downloads one blob and checks its size and sha256.
func (c *Client) blob(ctx context.Context, sha string, size int64) ([]byte, error) {
	// A minute plus the time to receive the blob at 16 KiB/s.
	ctx, cancel := context.WithTimeout(ctx, time.Minute+time.Duration(size/(16<<10))*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodGet, protocol.PathBlob+sha, nil)
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", sha, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("get blob %s: %w", sha, statusError(resp, c.clock.Now()))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, size+1))
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", sha, err)
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("get blob %s: %w: %d bytes, manifest says %d", sha, ErrBadBlob, len(data), size)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != sha {
		return nil, fmt.Errorf("get blob %s: %w: sha256 mismatch", sha, ErrBadBlob)
	}
	return data, nil
}
