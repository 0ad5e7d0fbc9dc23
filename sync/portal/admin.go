package portal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"infomat/content"
	"infomat/sync/protocol"
)

// CreateToken makes a one-time enrolment token for a municipality, valid for ttl, and returns
// it. Only its hash is stored: the caller shows it once.
func CreateToken(ctx context.Context, st Storage, municipality string, ttl time.Duration, now time.Time) (string, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("token lifetime must be positive")
	}
	// The municipality's signing key exists from the first token on, so every device pins
	// the key that will sign its content.
	if _, err := st.SigningKey(ctx, municipality); err != nil {
		return "", err
	}
	tok := NewSecret(32)
	err := st.CreateToken(ctx, Token{Hash: HashToken(tok), Municipality: municipality, Created: now.UTC(), Expires: now.Add(ttl).UTC()})
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	return tok, nil
}

// PublishOptions are the optional parts of a manifest.
type PublishOptions struct {
	Expires time.Duration // from now; default 30 days
	Label   string        // default content.Version of the bundle
	Now     time.Time     // default time.Now()
	// Limits are the municipality's size limits; zero fields keep those of its latest
	// manifest (so a raised limit is a setting of the municipality), else the defaults.
	Limits content.Limits
}

// PublishResult says what Publish did.
type PublishResult struct {
	Version   uint64
	Label     string
	Files     int
	Bytes     int64
	NewBlobs  int
	NewBytes  int64
	Expires   time.Time
	PublicKey string
}

// Publish validates a bundle with content.Load (a content.Problems error when it has any),
// stores its files as blobs, and adds a manifest signed with the municipality's key whose
// version is one more than the latest.
func Publish(ctx context.Context, st Storage, municipality string, fsys fs.FS, opts PublishOptions) (PublishResult, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return PublishResult{}, err
	}
	// Sizes and file types first, without reading a byte: fs.ReadFile on os.DirFS follows a
	// symlink (to /etc/shadow, to this portal's own database) and blocks on a FIFO.
	sizes, ps, err := content.FSSizes(fsys)
	if err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	}
	if len(ps) > 0 {
		return PublishResult{}, ps
	}
	limits, err := municipalityLimits(ctx, st, municipality, opts.Limits)
	if err != nil {
		return PublishResult{}, err
	}
	if ps := content.CheckSizes(sizes, limits); len(ps) > 0 {
		return PublishResult{}, ps
	}
	b, err := content.Load(fsys)
	if err != nil {
		return PublishResult{}, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Expires <= 0 {
		opts.Expires = 30 * 24 * time.Hour
	}
	if opts.Label == "" {
		opts.Label = b.Version
	}
	key, err := st.SigningKey(ctx, municipality)
	if err != nil {
		return PublishResult{}, err
	}
	res := PublishResult{Label: opts.Label, PublicKey: PublicKeyString(key)}
	files := map[string]protocol.File{}
	var shas []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if int64(len(data)) != sizes[p] { // changed since it was checked
			return fmt.Errorf("%s: changed while publishing", p)
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		isNew, err := st.PutBlob(ctx, sha, data)
		if err != nil {
			return fmt.Errorf("store %s: %w", p, err)
		}
		files[p] = protocol.File{SHA256: sha, Size: int64(len(data))}
		shas = append(shas, sha)
		res.Files++
		res.Bytes += int64(len(data))
		if isNew {
			res.NewBlobs++
			res.NewBytes += int64(len(data))
		}
		return nil
	})
	if err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	}
	index, indexShas, err := putIndex(ctx, st, files)
	if err != nil {
		return PublishResult{}, err
	}
	shas = append(shas, indexShas...)
	// A concurrent publish of the same municipality makes AddManifest refuse the version;
	// take the next one and sign again.
	for attempt := 0; ; attempt++ {
		var prev uint64
		latest, err := st.LatestManifest(ctx, municipality)
		switch {
		case err == nil:
			prev = latest.Version
		case !errors.Is(err, ErrNotFound):
			return PublishResult{}, err
		}
		m := protocol.Manifest{
			Municipality: municipality,
			Version:      prev + 1,
			Created:      opts.Now.UTC(),
			Expires:      opts.Now.Add(opts.Expires).UTC(),
			Label:        opts.Label,
			Index:        index,
			Limits:       (*protocol.Limits)(&limits),
		}
		signed, err := protocol.Sign(m, key)
		if err != nil {
			return PublishResult{}, err
		}
		err = st.AddManifest(ctx, municipality, m.Version, shas, signed)
		if errors.Is(err, ErrStaleVersion) && attempt < 5 {
			continue
		}
		if err != nil {
			return PublishResult{}, err
		}
		res.Version, res.Expires = m.Version, m.Expires
		return res, nil
	}
}

// municipalityLimits is set with its zero fields taken from the municipality's latest
// manifest, else the defaults; the result is content.Limits.Effective.
func municipalityLimits(ctx context.Context, st Storage, municipality string, set content.Limits) (content.Limits, error) {
	latest, err := st.LatestManifest(ctx, municipality)
	switch {
	case errors.Is(err, ErrNotFound):
		return set.Effective(), nil
	case err != nil:
		return content.Limits{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(latest.Signed.Payload)
	if err != nil {
		return content.Limits{}, fmt.Errorf("latest manifest of %s: %w", municipality, err)
	}
	var m protocol.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return content.Limits{}, fmt.Errorf("latest manifest of %s: %w", municipality, err)
	}
	if m.Limits != nil {
		if set.Page == 0 {
			set.Page = m.Limits.Page
		}
		if set.Attachment == 0 {
			set.Attachment = m.Limits.Attachment
		}
		if set.Bundle == 0 {
			set.Bundle = m.Limits.Bundle
		}
	}
	return set.Effective(), nil
}

// putIndex stores the bundle's file list as content-addressed shards (protocol.ShardOf), so
// the signed manifest stays small and one changed file changes one shard.
func putIndex(ctx context.Context, st Storage, files map[string]protocol.File) ([]protocol.File, []string, error) {
	count := protocol.ShardCount(len(files))
	shards := make([]map[string]protocol.File, count)
	for p, f := range files {
		i := protocol.ShardOf(p, count)
		if shards[i] == nil {
			shards[i] = map[string]protocol.File{}
		}
		shards[i][p] = f
	}
	var index []protocol.File
	var shas []string
	for _, sh := range shards {
		if sh == nil {
			continue
		}
		data, err := json.Marshal(sh) // map keys sorted: the same files give the same shard
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		if _, err := st.PutBlob(ctx, sha, data); err != nil {
			return nil, nil, fmt.Errorf("store index shard: %w", err)
		}
		index = append(index, protocol.File{SHA256: sha, Size: int64(len(data))})
		shas = append(shas, sha)
	}
	return index, shas, nil
}

// Exported is one submission in the export's JSON array.
type Exported struct {
	PortalRef string          `json:"portal_ref"`
	Ref       string          `json:"ref"`
	ID        string          `json:"id"`
	Procedure string          `json:"procedure"`
	Office    string          `json:"office"`
	Created   time.Time       `json:"created"`
	Received  time.Time       `json:"received"`
	Device    string          `json:"device"`
	Payload   json.RawMessage `json:"payload"` // the decrypted kiosk.Payload
}

// ParseIdentities reads an age identity file as age-keygen writes it.
func ParseIdentities(r io.Reader) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(r)
	if err != nil {
		return nil, fmt.Errorf("read age identity: %w", err)
	}
	return ids, nil
}

// Export decrypts a municipality's submissions not yet exported (all of them with all=true),
// writes them to w as one JSON array and, only once all of it was written, marks them
// exported. If any submission does not decrypt, nothing is written or marked.
func Export(ctx context.Context, st Storage, municipality string, ids []age.Identity, all bool, w io.Writer, now time.Time) (int, error) {
	recs, err := st.Submissions(ctx, municipality, all)
	if err != nil {
		return 0, err
	}
	out := make([]Exported, 0, len(recs))
	defer func() {
		for _, e := range out {
			clear(e.Payload) // personal data: don't leave it lying in memory longer than needed
		}
	}()
	var failed []string
	for _, r := range recs {
		plain, err := decrypt(r.Ciphertext, ids)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%s): %v", r.PortalRef, r.ID, err))
			continue
		}
		if !json.Valid(plain) {
			clear(plain)
			failed = append(failed, fmt.Sprintf("%s (%s): decrypted payload is not JSON", r.PortalRef, r.ID))
			continue
		}
		out = append(out, Exported{
			PortalRef: r.PortalRef, Ref: r.Ref, ID: r.ID, Procedure: r.Procedure, Office: r.Office,
			Created: r.Created, Received: r.Received, Device: r.Device, Payload: plain,
		})
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		nFailed := len(failed)
		more := ""
		if len(failed) > 5 {
			more = fmt.Sprintf("\n… and %d more", len(failed)-5)
			failed = failed[:5]
		}
		return 0, fmt.Errorf("%d of %d submissions do not decrypt with this identity (is it %s's key?); nothing was exported:\n%s%s",
			nFailed, len(recs), municipality, strings.Join(failed, "\n"), more)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	if f, ok := w.(interface{ Sync() error }); ok {
		// A file on disk: make sure the export is there before the submissions count as done.
		// (Sync on a pipe or terminal fails harmlessly.)
		_ = f.Sync()
	}
	idsDone := make([]string, 0, len(out))
	for _, e := range out {
		idsDone = append(idsDone, e.ID)
	}
	if err := st.MarkExported(ctx, idsDone, now.UTC()); err != nil {
		return 0, fmt.Errorf("the export was written but could not be marked as done (the next export repeats it): %w", err)
	}
	return len(out), nil
}

func decrypt(ciphertext []byte, ids []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, errors.New("no identity matched")
		}
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, protocol.MaxBody))
}
