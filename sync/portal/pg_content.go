package portal

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"infomat/sync/protocol"
)

// The PostgreSQL KeyStore and ContentStore; the tables are described in
// migrations/0001_devices_content.sql.

// blobChunk is the size of a blob_chunks row: what a blob reader holds at a time. Big enough
// that a download is a few dozen queries, not thousands; small enough that many kiosks
// downloading a big attachment at once hold a megabyte each.
const blobChunk = 1 << 20

// SigningKey implements Storage. Concurrent first uses, in this portal or another, each
// generate a key; the first insert wins, the others' inserts wait for it to commit and do
// nothing, and everyone then reads the winner's key.
func (p *Postgres) SigningKey(ctx context.Context, municipality string) (ed25519.PrivateKey, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	const read = `SELECT private_key FROM signing_keys WHERE municipality = $1`
	var key []byte
	err := p.pool.QueryRow(ctx, read, municipality).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, fmt.Errorf("signing key of %s: %w", municipality, gerr)
		}
		_, err = p.pool.Exec(ctx, `INSERT INTO signing_keys (municipality, private_key) VALUES ($1, $2)
			ON CONFLICT (municipality) DO NOTHING`, municipality, []byte(priv))
		if err == nil {
			// A statement of its own: its snapshot sees whichever insert won.
			err = p.pool.QueryRow(ctx, read, municipality).Scan(&key)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("signing key of %s: %w", municipality, err)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signing key of %s: %w: %d bytes", municipality, ErrCorrupt, len(key))
	}
	return key, nil
}

// KeyMunicipalities implements KeyStore.
func (p *Postgres) KeyMunicipalities(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT municipality FROM signing_keys ORDER BY municipality`)
	if err != nil {
		return nil, fmt.Errorf("key municipalities: %w", err)
	}
	out, err := pgx.AppendRows([]string(nil), rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("key municipalities: %w", err)
	}
	return out, nil
}

// PutBlob implements Storage. The blobs row is inserted first: of concurrent puts of one
// blob the first inserts it and its chunks, the others wait for it to commit and find the
// blob there. A blob of one chunk (pages and most pictures) is one statement, so publishing
// a bundle costs a round trip per file; a bigger one is a transaction that streams its
// chunks with COPY rather than sending them as one huge parameter.
func (p *Postgres) PutBlob(ctx context.Context, sha string, data []byte) (bool, error) {
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != sha {
		return false, fmt.Errorf("blob %s: hash does not match its bytes", sha)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	isNew := false
	var err error
	if len(data) <= blobChunk {
		// The chunk's foreign key is checked at the end of the statement, when the blob's
		// row from the same statement is there.
		err = p.pool.QueryRow(ctx, `WITH blob AS (
				INSERT INTO blobs (sha, size) VALUES ($1, $2) ON CONFLICT (sha) DO NOTHING RETURNING sha
			), chunk AS (
				INSERT INTO blob_chunks (sha, n, data) SELECT sha, 0, $3 FROM blob WHERE $2 > 0
			)
			SELECT count(*) = 1 FROM blob`, sha, len(data), data).Scan(&isNew)
	} else {
		err = p.tx(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO blobs (sha, size) VALUES ($1, $2) ON CONFLICT (sha) DO NOTHING`, sha, len(data))
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			isNew = true
			var chunks [][]any
			for n := 0; n*blobChunk < len(data); n++ {
				chunks = append(chunks, []any{sha, n, data[n*blobChunk : min((n+1)*blobChunk, len(data))]})
			}
			_, err = tx.CopyFrom(ctx, pgx.Identifier{"blob_chunks"}, []string{"sha", "n", "data"}, pgx.CopyFromRows(chunks))
			return err
		})
	}
	if err != nil {
		return false, fmt.Errorf("store blob %s: %w", sha, err)
	}
	return isNew, nil
}

// Blob implements Storage: the blob's size, its access check and its chunks in one query.
func (p *Postgres) Blob(ctx context.Context, municipality, sha string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT b.size, c.n, c.data FROM blob_refs r
		JOIN blobs b ON b.sha = r.sha LEFT JOIN blob_chunks c ON c.sha = b.sha
		WHERE r.municipality = $1 AND r.sha = $2 ORDER BY c.n`, municipality, sha)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", sha, err)
	}
	defer rows.Close()
	var out []byte
	var size int64
	for want := 0; rows.Next(); want++ {
		var n *int
		var chunk pgtype.DriverBytes // valid until Next: copied into out
		if err := rows.Scan(&size, &n, &chunk); err != nil {
			return nil, fmt.Errorf("blob %s: %w", sha, err)
		}
		if out == nil {
			out = make([]byte, 0, size)
		}
		if n == nil { // an empty blob has no chunks
			break
		}
		if *n != want {
			return nil, fmt.Errorf("blob %s: %w: chunk %d missing", sha, ErrCorrupt, want)
		}
		out = append(out, chunk...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("blob %s: %w", sha, err)
	}
	if out == nil {
		return nil, fmt.Errorf("blob %s of %s: %w", sha, municipality, ErrNotFound)
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("blob %s: %w: %d bytes of %d", sha, ErrCorrupt, len(out), size)
	}
	return out, nil
}

// OpenBlob implements Storage. The reader fetches the chunk it needs with a query of its
// own: the blob is never whole in memory, and a slow download holds no transaction and no
// connection between reads. Blobs are content-addressed and never change, so the chunks
// always fit together. A blob of one chunk comes with the access check, in one query.
func (p *Postgres) OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var size int64
	var first []byte
	err := p.pool.QueryRow(ctx, `SELECT b.size, c.data FROM blob_refs r
		JOIN blobs b ON b.sha = r.sha LEFT JOIN blob_chunks c ON c.sha = b.sha AND c.n = 0 AND b.size <= $3
		WHERE r.municipality = $1 AND r.sha = $2`, municipality, sha, blobChunk).Scan(&size, &first)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, fmt.Errorf("blob %s of %s: %w", sha, municipality, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blob %s: %w", sha, err)
	}
	r := &pgBlobReader{ctx: ctx, pool: p.pool, sha: sha, size: size, chunk: -1}
	if size > 0 && size <= blobChunk {
		if int64(len(first)) != size {
			return nil, 0, fmt.Errorf("blob %s: %w: %d bytes of %d", sha, ErrCorrupt, len(first), size)
		}
		r.buf, r.chunk = first, 0
	}
	return r, size, nil
}

type pgBlobReader struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	sha   string
	size  int64
	off   int64
	buf   []byte // chunk number chunk, when chunk ≥ 0
	chunk int64
}

func (r *pgBlobReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := r.off / blobChunk
	if n != r.chunk {
		if err := r.fetch(n); err != nil {
			return 0, err
		}
	}
	k := copy(p, r.buf[r.off-n*blobChunk:])
	r.off += int64(k)
	return k, nil
}

// fetch reads chunk n into the reader's buffer, reusing it.
func (r *pgBlobReader) fetch(n int64) error {
	want := min(blobChunk, r.size-n*blobChunk)
	if r.buf == nil {
		r.buf = make([]byte, min(blobChunk, r.size))
	}
	buf := pgtype.PreallocBytes(r.buf[:cap(r.buf)])
	r.chunk = -1
	err := r.pool.QueryRow(r.ctx, `SELECT data FROM blob_chunks WHERE sha = $1 AND n = $2`, r.sha, n).Scan(&buf)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && int64(len(buf)) != want {
		return fmt.Errorf("blob %s: %w: chunk %d gone or changed while being read", r.sha, ErrCorrupt, n)
	}
	if err != nil {
		return fmt.Errorf("blob %s: %w", r.sha, err)
	}
	r.buf, r.chunk = buf, n
	return nil
}

func (r *pgBlobReader) Seek(offset int64, whence int) (int64, error) {
	off, err := seek(r.off, r.size, offset, whence)
	if err == nil {
		r.off = off
	}
	return off, err
}

// lockMunicipality takes the row lock that serialises the municipality's AddManifest and
// RenewManifest across portals, until tx ends. It reports false when the municipality has
// published nothing (and create is false).
func lockMunicipality(ctx context.Context, tx pgx.Tx, municipality string, create bool) (bool, error) {
	if create {
		// A concurrent first publish's insert makes this one wait for it to end.
		if _, err := tx.Exec(ctx, `INSERT INTO municipalities (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, municipality); err != nil {
			return false, err
		}
	}
	tag, err := tx.Exec(ctx, `SELECT FROM municipalities WHERE name = $1 FOR UPDATE`, municipality)
	return tag.RowsAffected() == 1, err
}

// latestVersion is the municipality's newest manifest version; ok is false when there is
// none. Read after lockMunicipality, in a statement of its own, it sees every commit of
// whoever held the lock before.
func latestVersion(ctx context.Context, tx pgx.Tx, municipality string) (v uint64, ok bool, err error) {
	var latest *int64
	err = tx.QueryRow(ctx, `SELECT max(version) FROM manifests WHERE municipality = $1`, municipality).Scan(&latest)
	if err != nil || latest == nil {
		return 0, false, err
	}
	return uint64(*latest), true, nil
}

// AddManifest implements Storage.
func (p *Postgres) AddManifest(ctx context.Context, municipality string, version uint64, files []string, signed protocol.SignedManifest) error {
	if err := ValidMunicipality(municipality); err != nil {
		return err
	}
	if version > math.MaxInt64 {
		return fmt.Errorf("add manifest of %s: version %d is out of range", municipality, version)
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockMunicipality(ctx, tx, municipality, true); err != nil {
			return err
		}
		latest, ok, err := latestVersion(ctx, tx, municipality)
		if err != nil {
			return err
		}
		if ok && version <= latest {
			return fmt.Errorf("%w: %d ≤ %d", ErrStaleVersion, version, latest)
		}
		var missing string
		err = tx.QueryRow(ctx, `SELECT f.sha FROM unnest($1::text[]) AS f(sha)
			WHERE NOT EXISTS (SELECT FROM blobs b WHERE b.sha = f.sha) LIMIT 1`, files).Scan(&missing)
		if err == nil {
			return fmt.Errorf("manifest references blob %s that is not stored", missing)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO manifests (municipality, version, payload, signature) VALUES ($1, $2, $3, $4)`,
			municipality, int64(version), signed.Payload, signed.Signature); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO blob_refs (municipality, sha, first_version)
			SELECT DISTINCT $1, f.sha, $3::bigint FROM unnest($2::text[]) AS f(sha)
			ON CONFLICT (municipality, sha) DO NOTHING`, municipality, files, int64(version))
		return err
	})
	if err != nil {
		return fmt.Errorf("add manifest %d of %s: %w", version, municipality, err)
	}
	return nil
}

// Manifests implements Storage.
func (p *Postgres) Manifests(ctx context.Context, municipality string) ([]Published, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT version, payload, signature FROM manifests
		WHERE municipality = $1 ORDER BY version`, municipality)
	if err != nil {
		return nil, fmt.Errorf("manifests of %s: %w", municipality, err)
	}
	out, err := pgx.AppendRows([]Published(nil), rows, scanPublished)
	if err != nil {
		return nil, fmt.Errorf("manifests of %s: %w", municipality, err)
	}
	return out, nil
}

func scanPublished(row pgx.CollectableRow) (Published, error) {
	var p Published
	var v int64
	err := row.Scan(&v, &p.Signed.Payload, &p.Signed.Signature)
	p.Version = uint64(v)
	return p, err
}

// LatestManifest implements Storage.
func (p *Postgres) LatestManifest(ctx context.Context, municipality string) (Published, error) {
	if err := ctx.Err(); err != nil {
		return Published{}, err
	}
	rows, err := p.pool.Query(ctx, `SELECT version, payload, signature FROM manifests
		WHERE municipality = $1 ORDER BY version DESC LIMIT 1`, municipality)
	if err != nil {
		return Published{}, fmt.Errorf("latest manifest of %s: %w", municipality, err)
	}
	pub, err := pgx.CollectExactlyOneRow(rows, scanPublished)
	if errors.Is(err, pgx.ErrNoRows) {
		return Published{}, fmt.Errorf("latest manifest of %s: %w", municipality, ErrNotFound)
	}
	if err != nil {
		return Published{}, fmt.Errorf("latest manifest of %s: %w", municipality, err)
	}
	return pub, nil
}

// RenewManifest implements Storage. It holds the municipality's lock from the check that
// version is the latest to the update, so a concurrent AddManifest publishes either before
// (and the renewal is refused) or after it.
func (p *Postgres) RenewManifest(ctx context.Context, municipality string, version uint64, signed protocol.SignedManifest) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		published, err := lockMunicipality(ctx, tx, municipality, false)
		if err != nil {
			return err
		}
		var latest uint64
		if published {
			if latest, published, err = latestVersion(ctx, tx, municipality); err != nil {
				return err
			}
		}
		if !published || latest != version {
			return fmt.Errorf("%w: renewing %d, latest is %d", ErrStaleVersion, version, latest)
		}
		_, err = tx.Exec(ctx, `UPDATE manifests SET payload = $3, signature = $4 WHERE municipality = $1 AND version = $2`,
			municipality, int64(version), signed.Payload, signed.Signature)
		return err
	})
	if err != nil {
		return fmt.Errorf("renew manifest %d of %s: %w", version, municipality, err)
	}
	return nil
}

// Municipalities implements Storage. A municipality's row is committed only with its first
// manifest, so a signing key alone does not list it.
func (p *Postgres) Municipalities(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT name FROM municipalities ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	out, err := pgx.AppendRows([]string(nil), rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	return out, nil
}
