package panel

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"infomat/sync/portal"
)

// TOTP secrets are sealed with AES-256-GCM under a key kept beside portal.db, not in it
// (DATA/panel.key), so a copy of the database alone (a backup, a disk image) does not give
// away anyone's second factor. The account's municipality and login are the additional data:
// a sealed secret moved to another account does not open. A store restored without its key
// file leaves enrolled users unable to give a code until `infomat-portal user reset
// --clear-totp` makes them enrol again.

// KeyFile is the secret-sealing key's file name in the data directory.
const KeyFile = "panel.key"

var sealedPrefix = []byte("gcm1:")

// LoadKey reads DIR/panel.key, creating it (32 random bytes, mode 0600) when missing.
func LoadKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, KeyFile)
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, fmt.Errorf("panel key %s: %d bytes, want 32", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("panel key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("panel key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // made meanwhile by another process
			return LoadKey(dir)
		}
		return nil, fmt.Errorf("panel key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("panel key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("panel key: %w", err)
	}
	return key, f.Close()
}

func accountAD(u portal.User) []byte {
	return append(append([]byte(u.Municipality), 0), u.Login...)
}

func (h *Handler) gcm() (cipher.AEAD, error) {
	block, err := aes.NewCipher(h.opts.SecretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal is the secret as stored: sealed when the panel has a key, else as it is.
func (h *Handler) seal(u portal.User, secret []byte) ([]byte, error) {
	if h.opts.SecretKey == nil {
		return secret, nil
	}
	aead, err := h.gcm()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(append(bytes.Clone(sealedPrefix), nonce...), aead.Seal(nil, nonce, secret, accountAD(u))...)
	return out, nil
}

// open is the stored secret of u in clear.
func (h *Handler) open(u portal.User) ([]byte, error) {
	stored := u.TOTPSecret
	if !bytes.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if h.opts.SecretKey == nil {
		return nil, errors.New("TOTP secret is sealed but the panel has no key (DATA/panel.key)")
	}
	aead, err := h.gcm()
	if err != nil {
		return nil, err
	}
	raw := stored[len(sealedPrefix):]
	if len(raw) < aead.NonceSize() {
		return nil, errors.New("TOTP secret: sealed value too short")
	}
	secret, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], accountAD(u))
	if err != nil {
		return nil, fmt.Errorf("TOTP secret does not open with DATA/panel.key: %w", err)
	}
	return secret, nil
}
