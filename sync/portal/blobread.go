package portal

import (
	"context"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// OpenBlob implements Storage. Each Read copies the next piece of the blob in its own short
// read transaction: the blob is never whole in memory, and a slow download holds no
// transaction (a long one would stall the database's growth, and with it every write).
// Blobs are content-addressed and never change, so the pieces always fit together.
func (b *Bolt) OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error) {
	var size int64
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bBlobRefs)).Get(key([]byte(municipality), []byte(sha))) == nil {
			return ErrNotFound
		}
		raw := tx.Bucket([]byte(bBlobs)).Get([]byte(sha))
		if raw == nil {
			return ErrNotFound
		}
		size = int64(len(raw))
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return &blobReader{ctx: ctx, b: b, sha: sha, size: size}, size, nil
}

type blobReader struct {
	ctx  context.Context
	b    *Bolt
	sha  string
	size int64
	off  int64
}

func (r *blobReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	var n int
	err := r.b.view(r.ctx, func(tx *bolt.Tx) error {
		raw := tx.Bucket([]byte(bBlobs)).Get([]byte(r.sha))
		if int64(len(raw)) != r.size {
			return fmt.Errorf("blob %s: %w: gone or changed while being read", r.sha, ErrCorrupt)
		}
		n = copy(p, raw[r.off:])
		return nil
	})
	r.off += int64(n)
	return n, err
}

func (r *blobReader) Seek(offset int64, whence int) (int64, error) {
	off, err := seek(r.off, r.size, offset, whence)
	if err == nil {
		r.off = off
	}
	return off, err
}

// seek is io.Seeker's arithmetic for a reader at off in size bytes: the new position.
func seek(off, size, offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += off
	case io.SeekEnd:
		offset += size
	default:
		return 0, errors.New("blob: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: negative position")
	}
	return offset, nil
}
