package kiosk

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// OfficeFile is the copy of the remembered office details in the data directory. The store
// keeps them too, but a store moved aside as corrupt takes its copy with it — and that is
// exactly when the out-of-service screen needs them.
const OfficeFile = "office.json"

// WithOfficeFile returns st with the office details also kept in dataDir/office.json:
// SetOffice writes both, Office falls back to the file when the store has none.
func WithOfficeFile(st ContentStore, dataDir string) ContentStore {
	return officeFile{st, filepath.Join(dataDir, OfficeFile)}
}

type officeFile struct {
	ContentStore
	path string
}

func (o officeFile) SetOffice(raw []byte) error {
	serr := o.ContentStore.SetOffice(raw)
	if old, err := os.ReadFile(o.path); err == nil && bytes.Equal(old, raw) {
		return serr
	}
	if err := writeFileAtomic(o.path, raw); err != nil {
		return fmt.Errorf("remember office: %w", err)
	}
	return serr
}

func (o officeFile) Office() ([]byte, error) {
	raw, err := o.ContentStore.Office()
	if err == nil && raw != nil {
		return raw, nil
	}
	if data, ferr := os.ReadFile(o.path); ferr == nil {
		return data, nil
	}
	return raw, err
}

// writeFileAtomic replaces path with data so that a power cut leaves the old or the new
// file, never half of one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".office-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
