package portal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
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

// TokenStore is what CreateToken uses: the tokens, and the signing keys (a municipality's
// key is made with its first token).
type TokenStore interface {
	KeyStore
	CreateToken(ctx context.Context, t Token) error
}

// TokenOptions are what the operator's token create asks for.
type TokenOptions struct {
	TTL   time.Duration
	Count int
	// Label becomes the enrolled device's label unless the device brings its own.
	Label string
	// NewMunicipality lets the tokens create the municipality; without it a municipality
	// the portal does not have is refused (CheckMunicipality).
	NewMunicipality bool
}

// OperatorTokenStore is what CreateTokens uses.
type OperatorTokenStore interface {
	TokenStore
	MunicipalityLister
}

// CreateTokens is the operator's token create: opts.Count tokens for a municipality the
// portal has (or a new one with opts.NewMunicipality). When one fails, the tokens made
// before it are returned with the error.
func CreateTokens(ctx context.Context, st OperatorTokenStore, municipality string, opts TokenOptions, now time.Time) ([]string, error) {
	if opts.Count < 1 || opts.Count > 100_000 {
		return nil, errors.New("count must be 1-100000")
	}
	if len(opts.Label) > maxMetaLen || !printable(opts.Label) {
		return nil, fmt.Errorf("label: at most %d printable bytes", maxMetaLen)
	}
	if err := CheckMunicipality(ctx, st, municipality, opts.NewMunicipality); err != nil {
		return nil, err
	}
	var toks []string
	for range opts.Count {
		tok, err := createToken(ctx, st, municipality, opts.TTL, strings.TrimSpace(opts.Label), now)
		if err != nil {
			return toks, err
		}
		toks = append(toks, tok)
	}
	return toks, nil
}

// CreateToken makes a one-time enrolment token for a municipality, valid for ttl, and returns
// it. Only its hash is stored: the caller shows it once.
func CreateToken(ctx context.Context, st TokenStore, municipality string, ttl time.Duration, now time.Time) (string, error) {
	return createToken(ctx, st, municipality, ttl, "", now)
}

func createToken(ctx context.Context, st TokenStore, municipality string, ttl time.Duration, label string, now time.Time) (string, error) {
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
	err := st.CreateToken(ctx, Token{Hash: HashToken(tok), Municipality: municipality, Label: label, Created: now.UTC(), Expires: now.Add(ttl).UTC()})
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
	// NewMunicipality lets the operator's publish (the command, the admin socket) create the
	// municipality, which they otherwise refuse (CheckMunicipality). Publish itself does not
	// look at it: the panel publishes only for municipalities that exist.
	NewMunicipality bool
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

// Publish validates a bundle with content.Load (a content.Problems error when it has any,
// its forms' problems included),
// stores its files as blobs, and adds a manifest signed with the municipality's key whose
// version is one more than the latest.
func Publish(ctx context.Context, st ContentStore, municipality string, fsys fs.FS, opts PublishOptions) (PublishResult, error) {
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
	if len(b.FormProblems) > 0 {
		// A kiosk would show these cards without their forms; `infomat content check` fails
		// such a bundle, and publishing refuses what the check refuses.
		return PublishResult{}, b.FormProblems
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

// Renewed is one manifest RenewManifests signed again.
type Renewed struct {
	Municipality string
	Version      uint64
	Expires      time.Time
}

// RenewManifests signs again every municipality's latest manifest that has less than half
// of its validity left: the same content and version, created now and expiring after the
// same validity as before. A kiosk that installed that version sees nothing new (Pull
// ignores its own version); one that has not can still verify and install it, however long
// ago it was published. Without this a manifest expired 30 days after publishing, and a
// kiosk enrolled or reset after that could never get content.
func RenewManifests(ctx context.Context, st ContentStore, now time.Time) ([]Renewed, error) {
	munis, err := st.Municipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("renew manifests: %w", err)
	}
	var done []Renewed
	for _, muni := range munis {
		p, err := st.LatestManifest(ctx, muni)
		if err != nil {
			return done, fmt.Errorf("renew manifest of %s: %w", muni, err)
		}
		m, err := decodeManifest(p.Signed)
		if err != nil {
			return done, fmt.Errorf("renew manifest %d of %s: %w", p.Version, muni, err)
		}
		validity := m.Expires.Sub(m.Created)
		if validity <= 0 || now.Before(m.Created.Add(validity/2)) {
			continue
		}
		m.Created, m.Expires = now.UTC(), now.Add(validity).UTC()
		key, err := st.SigningKey(ctx, muni)
		if err != nil {
			return done, fmt.Errorf("renew manifest of %s: %w", muni, err)
		}
		signed, err := protocol.Sign(m, key)
		if err != nil {
			return done, err
		}
		err = st.RenewManifest(ctx, muni, p.Version, signed)
		if errors.Is(err, ErrStaleVersion) {
			continue // a publish came in meanwhile: its manifest is fresh
		}
		if err != nil {
			return done, fmt.Errorf("renew manifest of %s: %w", muni, err)
		}
		done = append(done, Renewed{Municipality: muni, Version: p.Version, Expires: m.Expires})
	}
	return done, nil
}

// municipalityLimits is set with its zero fields taken from the municipality's latest
// manifest, else the defaults; the result is content.Limits.Effective.
func municipalityLimits(ctx context.Context, st ContentStore, municipality string, set content.Limits) (content.Limits, error) {
	latest, err := st.LatestManifest(ctx, municipality)
	switch {
	case errors.Is(err, ErrNotFound):
		return set.Effective(), nil
	case err != nil:
		return content.Limits{}, err
	}
	m, err := decodeManifest(latest.Signed)
	if err != nil {
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
func putIndex(ctx context.Context, st ContentStore, files map[string]protocol.File) ([]protocol.File, []string, error) {
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
	PortalRef string    `json:"portal_ref"`
	Ref       string    `json:"ref"`
	ID        string    `json:"id"`
	Procedure string    `json:"procedure"`
	Office    string    `json:"office"`
	Created   time.Time `json:"created"`
	Received  time.Time `json:"received"`
	// ClockSuspect: the kiosk's clock was not trusted when it filed this; go by Received.
	ClockSuspect bool   `json:"clock_suspect"`
	Device       string `json:"device"`
	// Payload is the decrypted protocol.Payload as the kiosk sent it, byte for byte: fields
	// a newer kiosk adds reach the office even when this portal does not know them.
	Payload json.RawMessage `json:"payload"`
}

// ExportResult says what Export did.
type ExportResult struct {
	Count int `json:"count"` // submissions written
	// Quarantined are the submissions this export set aside (metadata and reason only).
	Quarantined []QuarantineEntry `json:"quarantined,omitempty"`
}

// QuarantineEntry is what an operator sees of a quarantined submission: never its content.
type QuarantineEntry struct {
	ID               string    `json:"id"`
	PortalRef        string    `json:"portal_ref"`
	Ref              string    `json:"ref"`
	Municipality     string    `json:"municipality"`
	Device           string    `json:"device"`
	Procedure        string    `json:"procedure"`
	Office           string    `json:"office"`
	ContentVersion   string    `json:"content_version"`
	Created          time.Time `json:"created"`
	Received         time.Time `json:"received"`
	ClockSuspect     bool      `json:"clock_suspect,omitempty"`
	Size             int       `json:"size"`              // ciphertext bytes
	CiphertextSHA256 string    `json:"ciphertext_sha256"` // hex
	Quarantined      time.Time `json:"quarantined"`
	Reason           string    `json:"reason"`
}

// entry is the record's quarantine view; size is the ciphertext's length (records listed
// without their ciphertext carry it separately).
func (r Record) entry(size int) QuarantineEntry {
	return QuarantineEntry{
		ID: r.ID, PortalRef: r.PortalRef, Ref: r.Ref, Municipality: r.Municipality, Device: r.Device,
		Procedure: r.Procedure, Office: r.Office, ContentVersion: r.ContentVersion, Created: r.Created,
		Received: r.Received, ClockSuspect: r.ClockSuspect, Size: size,
		CiphertextSHA256: hex.EncodeToString(r.CipherSHA256), Quarantined: r.Quarantined, Reason: r.QuarantineReason,
	}
}

// ParseIdentities reads an age identity file as age-keygen writes it.
func ParseIdentities(r io.Reader) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(r)
	if err != nil {
		return nil, fmt.Errorf("read age identity: %w", err)
	}
	return ids, nil
}

// Quarantine reasons (Polish: the operator reads them in `quarantine list`).
const (
	reasonNoKey    = "nie odszyfrowuje się podanym kluczem gminy (inny klucz?)"
	reasonBroken   = "uszkodzony szyfrogram (nagłówek lub treść age nie przechodzą weryfikacji)"
	reasonNotAge   = "to nie jest szyfrogram age"
	ageIntro       = "age-encryption.org/v1\n"
	reasonNotJSON  = "odszyfrowana treść nie jest obiektem JSON"
	wrongKeyPrefix = "do not decrypt with this identity"
)

// Export decrypts a municipality's submissions not yet exported (all of them with all=true,
// except those in quarantine), writes them to w as one JSON array and, only once all of it
// was written, marks them exported.
//
// One bad submission never blocks the others: one that is not age ciphertext, fails to
// decrypt, or whose payload is not a JSON object is quarantined with its reason (SubmissionStore.
// Quarantine) and the rest are exported. The exception is an identity that opens none of
// them: that is the wrong key file, not bad submissions, so it is an error and nothing is
// quarantined, written or marked.
func Export(ctx context.Context, st SubmissionStore, municipality string, ids []age.Identity, all bool, w io.Writer, now time.Time) (int, error) {
	res, err := ExportReport(ctx, st, municipality, ids, all, w, now)
	return res.Count, err
}

// ExportReport is Export, saying also which submissions it quarantined.
func ExportReport(ctx context.Context, st SubmissionStore, municipality string, ids []age.Identity, all bool, w io.Writer, now time.Time) (ExportResult, error) {
	recs, err := st.Submissions(ctx, municipality, all)
	if err != nil {
		return ExportResult{}, err
	}
	out := make([]Exported, 0, len(recs))
	defer func() {
		for _, e := range out {
			clear(e.Payload) // personal data: don't leave it lying in memory longer than needed
		}
	}()
	type bad struct {
		r      Record
		reason string
	}
	var bads []bad
	noKey := 0
	for _, r := range recs {
		if !r.Quarantined.IsZero() {
			continue // --all lists them; they stay in quarantine until released
		}
		plain, err := decrypt(r.Ciphertext, ids)
		var nm *age.NoIdentityMatchError
		switch {
		case errors.As(err, &nm):
			noKey++
			bads = append(bads, bad{r, reasonNoKey})
			continue
		case err != nil:
			// Never age's error text: it quotes the bytes it could not parse, and a kiosk bug
			// that uploaded a payload unencrypted would put it in front of the operator.
			reason := reasonBroken
			if !bytes.HasPrefix(r.Ciphertext, []byte(ageIntro)) {
				reason = reasonNotAge
			}
			bads = append(bads, bad{r, reason})
			continue
		}
		if protocol.CheckPayload(plain) != nil {
			clear(plain)
			bads = append(bads, bad{r, reasonNotJSON})
			continue
		}
		out = append(out, Exported{
			PortalRef: r.PortalRef, Ref: r.Ref, ID: r.ID, Procedure: r.Procedure, Office: r.Office,
			Created: r.Created, Received: r.Received, ClockSuspect: r.ClockSuspect, Device: r.Device, Payload: plain,
		})
	}
	if len(out) == 0 && noKey > 0 {
		// Nothing opened with this identity: the key file is wrong; quarantining every
		// submission for it would only make work.
		sort.Slice(bads, func(i, j int) bool { return bads[i].r.PortalRef < bads[j].r.PortalRef })
		lines := make([]string, 0, 5)
		for _, b := range bads[:min(5, len(bads))] {
			lines = append(lines, fmt.Sprintf("%s (%s): %s", b.r.PortalRef, b.r.ID, b.reason))
		}
		more := ""
		if len(bads) > 5 {
			more = fmt.Sprintf("\n… and %d more", len(bads)-5)
		}
		return ExportResult{}, fmt.Errorf("%d of %d submissions %s (is it %s's key?); nothing was exported:\n%s%s",
			len(bads), len(recs), wrongKeyPrefix, municipality, strings.Join(lines, "\n"), more)
	}
	var res ExportResult
	for _, b := range bads {
		if !b.r.Exported.IsZero() {
			continue // an --all export re-reading one exported before: not a pending one to set aside
		}
		if err := st.Quarantine(ctx, b.r.ID, b.reason, now); err != nil {
			return ExportResult{}, fmt.Errorf("quarantine submission %s: %w", b.r.ID, err)
		}
		b.r.Quarantined, b.r.QuarantineReason = now.UTC(), b.reason
		res.Quarantined = append(res.Quarantined, b.r.entry(len(b.r.Ciphertext)))
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return res, fmt.Errorf("write export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("write export: %w", err)
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
		return res, fmt.Errorf("the export was written but could not be marked as done (the next export repeats it): %w", err)
	}
	res.Count = len(out)
	return res, nil
}

// QuarantineShow is one quarantined submission (ErrNotFound if it is not in quarantine).
func QuarantineShow(ctx context.Context, st SubmissionStore, id string) (QuarantineEntry, error) {
	list, err := QuarantineList(ctx, st, "")
	if err != nil {
		return QuarantineEntry{}, err
	}
	var found []QuarantineEntry
	for _, e := range list {
		if e.ID == id || e.PortalRef == id {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return QuarantineEntry{}, fmt.Errorf("submission %s is not in quarantine: %w", id, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return QuarantineEntry{}, fmt.Errorf("portal reference %s is in quarantine in %d municipalities: give the submission ID", id, len(found))
}

// ReleaseQuarantined puts a quarantined submission (by ID or portal reference) back among
// the pending ones: the next export tries it again (after the clerk found the right key).
func ReleaseQuarantined(ctx context.Context, st SubmissionStore, id string) (QuarantineEntry, error) {
	e, err := QuarantineShow(ctx, st, id)
	if err != nil {
		return QuarantineEntry{}, err
	}
	if err := st.Release(ctx, e.ID); err != nil {
		return QuarantineEntry{}, err
	}
	return e, nil
}

// QuarantineList is every quarantined submission of a municipality ("" for all).
func QuarantineList(ctx context.Context, st SubmissionStore, municipality string) ([]QuarantineEntry, error) {
	recs, err := st.Quarantined(ctx, municipality)
	if err != nil {
		return nil, err
	}
	out := make([]QuarantineEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.entry(r.CiphertextSize))
	}
	return out, nil
}

func decrypt(ciphertext []byte, ids []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		return nil, err
	}
	plain, err := io.ReadAll(io.LimitReader(r, protocol.MaxBody))
	if err != nil {
		clear(plain) // a part that decrypted before the damage
		return nil, err
	}
	return plain, nil
}
