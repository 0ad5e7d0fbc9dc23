package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	bolt "go.etcd.io/bbolt"

	"infomat/boltfile"
)

// Salvage: when the store finds its file corrupt it moves it aside
// (infomat.db.corrupt-…) and starts a fresh one. Residents' queued submissions in the old
// file were confirmed to them with a reference, so they must still reach the portal.
// Salvage copies them, still encrypted, into this outbox under their own ID and reference.

// subSalvaged records, per aside file name, the result of salvaging it: the marker that
// makes Salvage idempotent, and the counts the service screen and heartbeat report.
const subSalvaged = "salvaged"

// ageHeader starts every age ciphertext (binary format).
var ageHeader = []byte("age-encryption.org/v1\n")

// SalvageResult is what Salvage found in one aside file.
type SalvageResult struct {
	Salvaged      int  `json:"salvaged"`      // queued submissions now in this outbox
	Unrecoverable int  `json:"unrecoverable"` // queued submissions that could not be read whole
	PageScan      bool `json:"page_scan"`     // bbolt could not walk the file; its pages were scanned
	// Before: the file had been salvaged already (Salvage changed nothing).
	Before bool `json:"-"`
}

// salvaged is one queued submission read from an aside file.
type salvaged struct {
	key  []byte // the old key: enqueue order
	rec  record
	body []byte
}

// Salvage copies the queued and sending submissions of the corrupt outbox file at path
// (opened read-only, never changed) into o, state queued, keeping ID, reference, metadata
// and ciphertext; nothing is decrypted. It records the file's name and the counts in o in
// the same transaction, so salvaging the same file again changes nothing and returns the
// first result with Before set. A submission whose ID o already holds is not copied again.
//
// The file is first walked with bbolt, cursor by cursor, each record on its own; a fault
// while reading (bad page, out-of-range mmap access) costs that record, not the run. When
// bbolt cannot open the file or the walk breaks off, the file's pages are scanned for
// outbox records directly. Unrecoverable counts queued submissions that the file's own
// counters or a found record show but whose record or ciphertext is unreadable.
func (o *Outbox) Salvage(ctx context.Context, path string) (SalvageResult, error) {
	name := filepath.Base(path)
	var prev SalvageResult
	found := false
	err := o.db.View(func(tx *bolt.Tx) error {
		sb, err := salvagedBucket(tx)
		if err != nil {
			return err
		}
		if raw := sb.Get([]byte(name)); raw != nil {
			found = true
			return json.Unmarshal(raw, &prev)
		}
		return nil
	})
	if err != nil {
		return SalvageResult{}, fmt.Errorf("salvage %s: %w", name, err)
	}
	if found {
		prev.Before = true
		return prev, nil
	}
	if err := ctx.Err(); err != nil {
		return SalvageResult{}, fmt.Errorf("salvage %s: %w", name, err)
	}

	items, lost, expected, walkErr := readAside(path)
	var res SalvageResult
	if walkErr != nil {
		scanned, slost, serr := scanPages(path)
		if serr != nil {
			return SalvageResult{}, fmt.Errorf("salvage %s: %v; page scan: %w", name, walkErr, serr)
		}
		res.PageScan = true
		items = mergeSalvaged(items, scanned)
		lost = max(lost, slost)
	}
	res.Salvaged = len(items)
	res.Unrecoverable = max(lost, expected-len(items))

	marker, err := json.Marshal(res)
	if err != nil {
		return SalvageResult{}, fmt.Errorf("salvage %s: %w", name, err)
	}
	now := o.now().Round(0)
	err = o.db.Update(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		sb, err := salvagedBucket(tx)
		if err != nil {
			return err
		}
		if sb.Get([]byte(name)) != nil {
			return errSalvagedMeanwhile
		}
		for _, s := range items {
			id, _ := hex.DecodeString(s.rec.ID)
			if b.ids.Get(id) != nil {
				continue
			}
			seq, err := b.items.NextSequence()
			if err != nil {
				return fmt.Errorf("next sequence: %w", err)
			}
			key := binary.BigEndian.AppendUint64(make([]byte, 0, keyLen), seq)
			key = append(key, id...)
			r := s.rec
			r.V, r.State, r.Receipt, r.Updated = recordVersion, Queued, nil, now
			if err := b.save(key, &r); err != nil {
				return err
			}
			puts := []struct {
				b    *bolt.Bucket
				k, v []byte
			}{{b.bodies, key, s.body}, {b.ids, id, key}, {b.queue, key, []byte{}}}
			// A reference the new outbox gave out meanwhile stays with its item; the
			// salvaged one is still found by ID.
			if b.refs.Get([]byte(r.Ref)) == nil {
				puts = append(puts, struct {
					b    *bolt.Bucket
					k, v []byte
				}{b.refs, []byte(r.Ref), id})
			}
			for _, p := range puts {
				if err := p.b.Put(p.k, p.v); err != nil {
					return err
				}
			}
			if err := b.count(Queued, 1); err != nil {
				return err
			}
		}
		return sb.Put([]byte(name), marker)
	})
	if errors.Is(err, errSalvagedMeanwhile) {
		return o.Salvage(ctx, path)
	}
	if err != nil {
		return SalvageResult{}, fmt.Errorf("salvage %s: %w", name, err)
	}
	return res, nil
}

var errSalvagedMeanwhile = errors.New("salvaged by another caller meanwhile")

// SalvageTotals sums the results of every aside file salvaged into o.
func (o *Outbox) SalvageTotals() (SalvageResult, error) {
	var t SalvageResult
	err := o.db.View(func(tx *bolt.Tx) error {
		sb, err := salvagedBucket(tx)
		if err != nil {
			return err
		}
		return sb.ForEach(func(_, v []byte) error {
			var r SalvageResult
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			t.Salvaged += r.Salvaged
			t.Unrecoverable += r.Unrecoverable
			return nil
		})
	})
	if err != nil {
		return SalvageResult{}, fmt.Errorf("salvage totals: %w", err)
	}
	return t, nil
}

// WasSalvaged reports whether the aside file with this base name was salvaged into o.
func (o *Outbox) WasSalvaged(name string) (bool, error) {
	ok := false
	err := o.db.View(func(tx *bolt.Tx) error {
		sb, err := salvagedBucket(tx)
		if err != nil {
			return err
		}
		ok = sb.Get([]byte(name)) != nil
		return nil
	})
	return ok, err
}

func salvagedBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	top := tx.Bucket([]byte(bucketOutbox))
	if top == nil {
		return nil, fmt.Errorf("bucket %q missing", bucketOutbox)
	}
	sb := top.Bucket([]byte(subSalvaged))
	if sb == nil {
		return nil, fmt.Errorf("bucket %s/%s missing", bucketOutbox, subSalvaged)
	}
	return sb, nil
}

// CountAside returns how many queued submissions the aside file at path still holds, as
// Salvage would find them, and how many of those it could not read. factory-reset uses it
// before wiping.
func CountAside(path string) (queued, unreadable int, err error) {
	items, lost, expected, werr := readAside(path)
	if werr != nil {
		scanned, slost, serr := scanPages(path)
		if serr != nil {
			return 0, 0, fmt.Errorf("count %s: %v; page scan: %w", filepath.Base(path), werr, serr)
		}
		items = mergeSalvaged(items, scanned)
		lost = max(lost, slost)
	}
	unreadable = max(lost, expected-len(items))
	return len(items) + unreadable, unreadable, nil
}

// readAside walks the outbox of the bbolt file at path read-only. It returns the queued
// submissions read whole, the number found but unreadable, the number of queued and
// sending submissions the file's counters claim (0 when unreadable), and an error when
// bbolt could not open or walk the file, in which case the results are partial.
func readAside(path string) (items []salvaged, lost, expected int, err error) {
	if fi, serr := os.Stat(path); serr != nil {
		return nil, 0, 0, serr
	} else if fi.Size() == 0 {
		return nil, 0, 0, nil
	}
	var db *bolt.DB
	var done func()
	err = boltfile.Guard(func() error {
		var oerr error
		db, done, oerr = boltfile.OpenReadOnly(path)
		return oerr
	})
	if err != nil {
		return nil, 0, 0, err
	}
	defer done()
	tx, err := db.Begin(false)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read-only transaction: %w", err)
	}
	defer func() { _ = boltfile.Guard(func() error { return tx.Rollback() }) }()

	var itemsB, bodies, counts *bolt.Bucket
	err = boltfile.Guard(func() error {
		top := tx.Bucket([]byte(bucketOutbox))
		if top == nil {
			return nil // no outbox: nothing was ever queued
		}
		itemsB, bodies, counts = top.Bucket([]byte(subItems)), top.Bucket([]byte(subBodies)), top.Bucket([]byte(subCounts))
		if itemsB == nil || bodies == nil {
			return fmt.Errorf("bucket %s/%s or %s missing", bucketOutbox, subItems, subBodies)
		}
		return nil
	})
	if err != nil || itemsB == nil {
		return nil, 0, 0, err
	}
	if counts != nil {
		_ = boltfile.Guard(func() error {
			for _, s := range []State{Queued, Sending} {
				if raw := counts.Get([]byte(s)); len(raw) == 8 {
					if n := binary.BigEndian.Uint64(raw); n < 1<<31 {
						expected += int(n)
					}
				}
			}
			return nil
		})
	}

	c := itemsB.Cursor()
	var k, v []byte
	if err = boltfile.Guard(func() error { k, v = c.First(); return nil }); err != nil {
		return nil, 0, expected, fmt.Errorf("walk items: %w", err)
	}
	for k != nil {
		var s salvaged
		var keep, bad bool
		_ = boltfile.Guard(func() error {
			var r record
			if json.Unmarshal(v, &r) != nil || len(k) != keyLen {
				bad = true
				return nil
			}
			if r.State != Queued && r.State != Sending {
				return nil
			}
			body := bodies.Get(k)
			if !validSalvage(k, &r, body) {
				bad = true
				return nil
			}
			s = salvaged{key: bytes.Clone(k), rec: r, body: bytes.Clone(body)}
			keep = true
			return nil
		})
		switch {
		case keep:
			items = append(items, s)
		case bad:
			lost++
		}
		if err = boltfile.Guard(func() error { k, v = c.Next(); return nil }); err != nil {
			return items, lost, expected, fmt.Errorf("walk items: %w", err)
		}
	}
	return items, lost, expected, nil
}

// validSalvage checks that a record and its ciphertext belong together and can be sent.
func validSalvage(key []byte, r *record, body []byte) bool {
	id, err := hex.DecodeString(r.ID)
	return err == nil && len(id) == idLen && len(key) == keyLen && bytes.Equal(key[8:], id) &&
		plausibleRef(r.Ref) && bytes.HasPrefix(body, ageHeader)
}

// plausibleRef checks the shape of a stored reference loosely: the resident was given it
// already, so a reference an older scheme issued must still go through (ValidRef follows
// the current scheme).
func plausibleRef(ref string) bool {
	if ref == "" || len(ref) > 40 {
		return false
	}
	for _, r := range ref {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// mergeSalvaged adds the scanned items whose ID a is missing, keeping enqueue order.
func mergeSalvaged(a, b []salvaged) []salvaged {
	have := map[string]bool{}
	for _, s := range a {
		have[s.rec.ID] = true
	}
	for _, s := range b {
		if !have[s.rec.ID] {
			a = append(a, s)
			have[s.rec.ID] = true
		}
	}
	sort.SliceStable(a, func(i, j int) bool { return bytes.Compare(a[i].key, a[j].key) < 0 })
	return a
}

// bbolt's on-disk page layout (stable since boltdb; bbolt exports none of it): a 16-byte
// header {id uint64, flags uint16, count uint16, overflow uint32}, then for a leaf page
// count elements of 16 bytes {flags, pos, ksize, vsize uint32}, pos counted from the
// element's own start. Overflow pages follow their page.
const (
	pageHeaderSize  = 16
	leafElemSize    = 16
	leafPageFlag    = 0x02
	metaPageFlag    = 0x04
	bucketLeafFlag  = 0x01
	defaultPageSize = 4096
	// maxScanSpan bounds a leaf page with its overflow that scanPages reads: larger ones
	// hold content blobs, not submissions (the portal takes bodies up to 8 MiB).
	maxScanSpan = 64 << 20
)

// scanPages reads the file's leaf pages directly, for when bbolt cannot open or walk it.
// It pairs outbox item records (24-byte key → JSON record) with ciphertexts (same key →
// age binary). Freed pages may still hold older copies of a record: the most advanced one
// wins, so a submission delivered before the damage is not sent again. Queued records
// without a readable ciphertext are counted as lost.
//
// The file is read page by page (it also holds content blobs, hundreds of MiB): memory
// stays within one leaf page and its overflow, at most maxScanSpan, plus what is kept.
func scanPages(path string) (items []salvaged, lost int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size := fi.Size()
	head := make([]byte, 2*defaultPageSize)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	psize := scanPageSize(head[:n])
	recs := map[string]record{}
	recKey := map[string][]byte{}
	bodies := map[string][]byte{}
	visit := func(k, v []byte) {
		if len(k) != keyLen {
			return
		}
		sk := string(k)
		if bytes.HasPrefix(v, ageHeader) {
			bodies[sk] = bytes.Clone(v)
			return
		}
		var r record
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &r) != nil || r.V != recordVersion {
			return
		}
		if id, err := hex.DecodeString(r.ID); err != nil || !bytes.Equal(k[8:], id) {
			return
		}
		if old, ok := recs[sk]; ok && !newer(&r, &old) {
			return
		}
		recs[sk] = r
		recKey[sk] = bytes.Clone(k)
	}
	buf := make([]byte, psize)
	for off := int64(0); off+pageHeaderSize <= size; off += int64(psize) {
		n, err := f.ReadAt(buf[:min(int64(psize), size-off)], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("read page at %d: %w", off, err)
		}
		p := buf[:n]
		if n < pageHeaderSize || binary.LittleEndian.Uint16(p[8:]) != leafPageFlag {
			continue
		}
		span := (int64(binary.LittleEndian.Uint32(p[12:])) + 1) * int64(psize)
		span = min(span, size-off)
		if span > maxScanSpan {
			continue // a content blob, or garbage: no outbox value is that large
		}
		if span > int64(n) {
			if int64(cap(buf)) < span {
				buf = make([]byte, span)
			}
			if n, err = f.ReadAt(buf[:span], off); err != nil && !errors.Is(err, io.EOF) {
				return nil, 0, fmt.Errorf("read page at %d: %w", off, err)
			}
			p = buf[:n]
		}
		scanLeaf(p, visit, 0)
	}
	for ks, r := range recs {
		if r.State != Queued && r.State != Sending {
			continue
		}
		body := bodies[ks]
		if !validSalvage(recKey[ks], &r, body) {
			lost++
			continue
		}
		items = append(items, salvaged{key: recKey[ks], rec: r, body: body})
	}
	sort.Slice(items, func(i, j int) bool { return bytes.Compare(items[i].key, items[j].key) < 0 })
	return items, lost, nil
}

// scanLeaf calls visit for each key/value of the leaf page p, and for those of the inline
// buckets it holds: a small bucket (the outbox's nested buckets while they hold a few
// submissions) lives inside its parent's value as a 16-byte bucket header (root page 0)
// followed by a page. Anything that does not parse is skipped.
func scanLeaf(p []byte, visit func(k, v []byte), depth int) {
	if len(p) < pageHeaderSize || binary.LittleEndian.Uint16(p[8:]) != leafPageFlag || depth > 4 {
		return
	}
	count := int(binary.LittleEndian.Uint16(p[10:]))
	for i := 0; i < count; i++ {
		e := pageHeaderSize + i*leafElemSize
		if e+leafElemSize > len(p) {
			return
		}
		flags := binary.LittleEndian.Uint32(p[e:])
		pos := int(binary.LittleEndian.Uint32(p[e+4:]))
		ks := int(binary.LittleEndian.Uint32(p[e+8:]))
		vs := int(binary.LittleEndian.Uint32(p[e+12:]))
		start, end := e+pos, e+pos+ks+vs
		if pos < 0 || ks < 0 || vs < 0 || start < e || end < start || end > len(p) {
			continue
		}
		k, v := p[start:start+ks], p[start+ks:end]
		if flags&bucketLeafFlag != 0 {
			if len(v) > 16 && binary.LittleEndian.Uint64(v) == 0 {
				scanLeaf(v[16:], visit, depth+1)
			}
			continue
		}
		visit(k, v)
	}
}

// newer reports whether record a supersedes b: a later state, or the same state updated later.
func newer(a, b *record) bool {
	rank := map[State]int{Queued: 0, Sending: 0, Delivered: 1, Purged: 2}
	if rank[a.State] != rank[b.State] {
		return rank[a.State] > rank[b.State]
	}
	return a.Updated.After(b.Updated)
}

// scanPageSize reads the page size from either meta page, else assumes 4096.
func scanPageSize(data []byte) int {
	// meta: page header, then magic uint32, version uint32, pageSize uint32.
	for _, off := range []int{0, defaultPageSize} {
		if off+pageHeaderSize+12 > len(data) {
			continue
		}
		m := data[off+pageHeaderSize:]
		if data[off+8]&metaPageFlag != 0 && binary.LittleEndian.Uint32(m) == 0xED0CDAED {
			if ps := int(binary.LittleEndian.Uint32(m[8:])); ps >= 512 && ps <= 1<<16 && ps&(ps-1) == 0 {
				return ps
			}
		}
	}
	return defaultPageSize
}
