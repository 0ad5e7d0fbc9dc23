package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"infomat/buildinfo"
	"infomat/sync/portal"
	"infomat/sync/portal/panel"
)

// A backup of a bbolt portal is one tar file, in this order:
//
//	manifest.json  what the file holds: format, version, time, the portal's version, and
//	               for each file its name, size and SHA-256; the counts the check found
//	portal.db      a consistent snapshot of the store (one bbolt read transaction)
//	panel.key      the key that seals the panel users' TOTP secrets, when the portal has one
//
// The manifest comes first so that restore knows what to expect before it writes anything,
// and `tar -xOf FILE manifest.json` shows it. The file is not compressed: bbolt pages of
// blobs (pictures, PDFs) hardly shrink, and a technician can compress it with anything.
//
// A PostgreSQL portal is backed up with pg_dump -Fc and panel.key copied beside it: the
// technician guide has the commands. backup and restore do not run pg_dump for the
// technician: pg_dump must be of the server's major version or newer, which the portal's
// machines need not have; the URL with its password would show in the process list; and a
// restore replaces a database that two portals share, which only the person who stopped
// both should start.

const (
	backupFormat   = "infomat-portal-backup"
	backupVersion  = 1
	backupManifest = "manifest.json"
	maxManifest    = 1 << 20
)

type backupManifestJSON struct {
	Format        string              `json:"format"`
	Version       int                 `json:"version"`
	Created       time.Time           `json:"created"`
	PortalVersion string              `json:"portal_version"`
	Host          string              `json:"host,omitempty"`
	Data          string              `json:"data"` // the data directory it was taken from
	Files         []backupFile        `json:"files"`
	Holds         portal.SnapshotInfo `json:"holds"`
}

type backupFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const backupUse = `użycie: infomat-portal backup [--data KATALOG] --out PLIK

Kopia zapasowa portalu (bbolt): spójna migawka KATALOG/portal.db, zrobiona w jednej
transakcji odczytu — także gdy działa serve (wtedy przez jego gniazdo KATALOG/admin.sock,
portal obsługuje kioski dalej) — i KATALOG/panel.key, w jednym pliku tar (manifest.json
z sumami SHA-256, portal.db, panel.key). Kopia jest sprawdzana (każda strona bazy), zanim
zastąpi PLIK; plik ma tryb 0600.

PLIK zawiera klucze podpisu treści wszystkich gmin, dane urządzeń, zaszyfrowane wnioski
i klucz panelu (panel.key): przechowuj go jak klucze — poza serwerem, tylko dla
uprawnionych. Odtwarzanie: infomat-portal restore --data KATALOG PLIK.
Portal na PostgreSQL: pg_dump -Fc (docs/technician-guide.md).`

const restoreUse = `użycie: infomat-portal restore [--data KATALOG] [--force] PLIK

Odtwarza portal.db i panel.key z kopii zrobionej przez infomat-portal backup, po
sprawdzeniu sum SHA-256 z manifestu kopii i każdej strony bazy. Portal musi być
zatrzymany. Istniejących plików nie nadpisuje; z --force odkłada je obok, z datą
w nazwie (portal.db.before-restore-RRRRMMDD-GGMMSS), i dopiero wtedy wstawia kopię.
Portal na PostgreSQL: pg_restore (docs/technician-guide.md).`

const guideSection = "docs/technician-guide.md, rozdział 6 „Portal na PostgreSQL: dwie instancje za reverse proxy”"

// withoutPassword is a database URL to show in a command to copy: the password left out
// (pg_dump takes it from ~/.pgpass), not replaced by a mask the technician would type in.
func withoutPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return portal.Redact(dsn)
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl, data := flags("backup", stderr)
	out := fl.String("out", "", "plik kopii (tar); zastąpiony dopiero gotową i sprawdzoną kopią")
	fl.Usage = func() { fmt.Fprintln(stderr, backupUse); fl.PrintDefaults() }
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *out == "" {
		fl.Usage()
		return 2
	}
	if portal.IsPostgres(data.db) {
		fmt.Fprintf(stderr, `infomat-portal backup: portal na PostgreSQL (%s): bazę kopiuje pg_dump, nie ta komenda:
  pg_dump -Fc --file infomat-portal-$(date +%%F).dump --dbname '%s'
  (hasło z ~/.pgpass albo pliku PGPASSFILE, nie z wiersza poleceń),
  i osobno %s (ten sam plik na każdej instancji) — obok kopii bazy, chroniony jak ona.
Odtwarzanie (pg_restore przy zatrzymanych portalach): %s.
`, portal.Redact(data.db), withoutPassword(data.db), filepath.Join(data.dir, panel.KeyFile), guideSection)
		return 1
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		fmt.Fprintf(stderr, "infomat-portal backup: %s to katalog; podaj --out z nazwą pliku, np. %s\n", *out, filepath.Join(*out, "portal-"+time.Now().Format("20060102-1504")+".tar"))
		return 2
	}
	start := time.Now()
	res, err := writeBackup(ctx, data.dir, data.boltDir(), *out)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal backup:", err)
		fmt.Fprintf(stderr, "Kopii nie zapisano; %s jest taki jak przedtem.\n", *out)
		return 1
	}
	m := res.manifest
	db0 := m.Files[0]
	fmt.Fprintf(stdout, "Kopia portalu: %s — %s w %s (%s).\n", *out, bytesStr(res.size), time.Since(start).Round(10*time.Millisecond), res.via)
	fmt.Fprintf(stdout, "  portal.db: %s, SHA-256 %s; sprawdzona: wszystkie strony spójne.\n", bytesStr(db0.Size), db0.SHA256)
	fmt.Fprintf(stdout, "  zawiera: urządzenia %d, wnioski %d, manifesty %d (gminy %d), konta panelu %d.\n",
		m.Holds.Devices, m.Holds.Submissions, m.Holds.Manifests, m.Holds.Municipalities, m.Holds.Users)
	if len(m.Files) > 1 {
		fmt.Fprintln(stdout, "  panel.key: dołączony (bez niego odtworzony portal nie odczyta sekretów TOTP kont panelu).")
	} else {
		fmt.Fprintf(stdout, "  panel.key: brak w %s (panel nie był jeszcze uruchomiony) — kopia bez niego.\n", data.dir)
	}
	fmt.Fprintln(stdout, "Plik zawiera klucze podpisu treści i klucz panelu: przechowuj go jak klucze — poza serwerem, tylko dla uprawnionych.")
	return 0
}

type backupResult struct {
	manifest backupManifestJSON
	size     int64 // of the tar file
	via      string
}

// writeBackup writes the backup of the portal in data (its store in dir) to out: the snapshot
// into a temporary file beside out, checked there; then the tar into another, synced, and
// renamed over out. Whatever fails leaves out as it was.
func writeBackup(ctx context.Context, data, dir, out string) (backupResult, error) {
	var res backupResult
	outDir, base := filepath.Dir(out), filepath.Base(out)
	snap, err := os.CreateTemp(outDir, "."+base+".*.db")
	if err != nil {
		return res, fmt.Errorf("plik tymczasowy migawki: %w", err)
	}
	defer os.Remove(snap.Name())
	via, n, sum, err := snapshot(ctx, data, dir, snap)
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	// The copy must be a whole, sound database before it is called a backup.
	info, err := portal.InspectSnapshot(ctx, snap.Name())
	if err != nil {
		return res, fmt.Errorf("migawka nie przeszła sprawdzenia: %w", err)
	}
	key, err := os.ReadFile(filepath.Join(data, panel.KeyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		key = nil
	case err != nil:
		return res, fmt.Errorf("klucz panelu: %w", err)
	case len(key) != 32:
		return res, fmt.Errorf("klucz panelu %s: %d bajtów zamiast 32 — sprawdź go, zanim zrobisz kopię", filepath.Join(data, panel.KeyFile), len(key))
	}
	defer clear(key)

	host, _ := os.Hostname()
	m := backupManifestJSON{
		Format: backupFormat, Version: backupVersion, Created: time.Now().UTC().Truncate(time.Second),
		PortalVersion: buildinfo.Version(), Host: host, Data: data, Holds: info,
		Files: []backupFile{{Name: portal.FileName, Size: n, SHA256: sum}},
	}
	if key != nil {
		ks := sha256.Sum256(key)
		m.Files = append(m.Files, backupFile{Name: panel.KeyFile, Size: int64(len(key)), SHA256: hex.EncodeToString(ks[:])})
	}
	mraw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return res, err
	}
	mraw = append(mraw, '\n')

	tmp, err := os.CreateTemp(outDir, "."+base+".*.tmp") // 0600
	if err != nil {
		return res, fmt.Errorf("plik tymczasowy kopii: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	err = writeBackupTar(tmp, m, mraw, snap.Name(), key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return res, fmt.Errorf("zapis %s: %w", out, err)
	}
	syncDir(outDir)
	fi, err := os.Stat(out)
	if err != nil {
		return res, err
	}
	return backupResult{manifest: m, size: fi.Size(), via: via}, nil
}

func writeBackupTar(w io.Writer, m backupManifestJSON, mraw []byte, dbPath string, key []byte) error {
	tw := tar.NewWriter(w)
	put := func(name string, size int64, body io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: m.Created}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, body); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if err := put(backupManifest, int64(len(mraw)), bytes.NewReader(mraw)); err != nil {
		return err
	}
	f, err := os.Open(dbPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := put(portal.FileName, m.Files[0].Size, f); err != nil {
		return err
	}
	if key != nil {
		if err := put(panel.KeyFile, int64(len(key)), bytes.NewReader(key)); err != nil {
			return err
		}
	}
	return tw.Close()
}

// snapshot copies the store into w: through the admin socket of a serve that holds it (the
// serving process reads it; kiosks are served meanwhile), else from the store opened
// read-only here. It returns how, the size and the SHA-256 (hex).
func snapshot(ctx context.Context, data, dir string, w io.Writer) (via string, n int64, sum string, err error) {
	c, cerr := portal.DialAdmin(ctx, data)
	if cerr == nil {
		defer c.Close()
		n, sum, err = c.Snapshot(ctx, w)
		if err != nil {
			return "", n, "", fmt.Errorf("migawka przez gniazdo działającego portalu: %w", err)
		}
		return "migawka przez gniazdo działającego portalu " + c.Path(), n, sum, nil
	}
	st, err := portal.OpenBolt(ctx, dir, portal.BoltOptions{ForCheck: true})
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		return "", 0, "", fmt.Errorf("w %s nie ma %s: nie ma czego kopiować (sprawdź --data)", dir, portal.FileName)
	case errors.Is(err, portal.ErrLocked) && !errors.Is(cerr, fs.ErrNotExist):
		return "", 0, "", fmt.Errorf("bazę trzyma inny proces infomat-portal, a gniazdo %s nie odpowiada (%v): sprawdź systemctl status infomat-portal", portal.AdminSocketPath(data), cerr)
	case errors.Is(err, portal.ErrLocked):
		return "", 0, "", fmt.Errorf("bazę trzyma inny proces infomat-portal (serve bez gniazda admin w %s?): %w", data, err)
	default:
		return "", 0, "", err
	}
	defer st.Close()
	h := sha256.New()
	n, err = st.Snapshot(ctx, io.MultiWriter(w, h))
	if err != nil {
		return "", n, "", err
	}
	return "bezpośrednio z " + st.Path() + ", serve nie działał", n, hex.EncodeToString(h.Sum(nil)), nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl, data := flags("restore", stderr)
	force := fl.Bool("force", false, "odłóż istniejące portal.db i panel.key (z datą w nazwie) i wstaw kopię")
	fl.Usage = func() { fmt.Fprintln(stderr, restoreUse); fl.PrintDefaults() }
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fl.Usage()
		return 2
	}
	if portal.IsPostgres(data.db) {
		fmt.Fprintf(stderr, `infomat-portal restore: portal na PostgreSQL (%s): bazę odtwarza pg_restore, nie ta komenda:
  zatrzymaj wszystkie instancje portalu, utwórz pustą bazę, a potem
  pg_restore --no-owner --exit-on-error --dbname '%s' PLIK.dump
  i skopiuj panel.key z kopii do --data każdej instancji.
Kroki: %s.
`, portal.Redact(data.db), withoutPassword(data.db), guideSection)
		return 1
	}
	res, err := restore(ctx, data.dir, data.boltDir(), pos[0], *force)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal restore:", err)
		if !res.placed {
			fmt.Fprintln(stderr, "Nic nie zmieniono w", data.dir+".")
		}
		return 1
	}
	m := res.manifest
	fmt.Fprintf(stdout, "Odtworzono portal z kopii %s (z %s, %s, portal %s).\n",
		pos[0], m.Created.Local().Format("2006-01-02 15:04:05"), m.Host, m.PortalVersion)
	fmt.Fprintf(stdout, "  sumy SHA-256 zgodne z manifestem kopii; portal.db sprawdzona: wszystkie strony spójne.\n")
	fmt.Fprintf(stdout, "  zawiera: urządzenia %d, wnioski %d, manifesty %d (gminy %d), konta panelu %d.\n",
		res.info.Devices, res.info.Submissions, res.info.Manifests, res.info.Municipalities, res.info.Users)
	for _, p := range res.written {
		fmt.Fprintf(stdout, "  %s (0600)\n", p)
	}
	for _, a := range res.aside {
		fmt.Fprintf(stdout, "  poprzedni plik odłożony: %s\n", a)
	}
	if !slices.ContainsFunc(m.Files, func(f backupFile) bool { return f.Name == panel.KeyFile }) {
		fmt.Fprintf(stdout, "  kopia nie ma panel.key: %s zostaje bez zmian (konta z TOTP mogą potrzebować user reset --clear-totp).\n", data.dir)
	}
	fmt.Fprintln(stdout, "Uruchom portal (systemctl start infomat-portal) i sprawdź: infomat-portal devices, infomat-portal fleet.")
	return 0
}

type restoreResult struct {
	manifest backupManifestJSON
	info     portal.SnapshotInfo
	written  []string
	aside    []string
	placed   bool // something in the data directory changed
}

// restoreTarget is one file of the backup on its way into place.
type restoreTarget struct {
	file  backupFile
	final string // where it goes
	tmp   string // extracted and checked, beside final
}

// restore puts the backup's files into place: checked against the manifest and (portal.db)
// page by page in temporary files beside their targets, then moved in by rename, panel.key
// before portal.db. The store's file stays locked as bbolt locks it for the whole time, so
// no serve can open it in between.
func restore(ctx context.Context, data, dir, file string, force bool) (restoreResult, error) {
	var res restoreResult
	if c, err := portal.DialAdmin(ctx, data); err == nil {
		c.Close()
		return res, fmt.Errorf("portal działa na %s (odpowiada %s): zatrzymaj go najpierw (systemctl stop infomat-portal) i powtórz restore", data, portal.AdminSocketPath(data))
	}
	f, err := os.Open(file)
	if err != nil {
		return res, fmt.Errorf("kopia: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	m, err := readBackupManifest(tr)
	if err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	res.manifest = m

	targets := map[string]*restoreTarget{}
	var exist []string
	for _, bf := range m.Files {
		t := &restoreTarget{file: bf, final: filepath.Join(data, bf.Name)}
		if bf.Name == portal.FileName {
			t.final = filepath.Join(dir, bf.Name)
		}
		targets[bf.Name] = t
		if _, err := os.Lstat(t.final); err == nil {
			exist = append(exist, t.final)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
	}
	if len(exist) > 0 && !force {
		return res, fmt.Errorf("%s już istnieje; restore nie nadpisuje plików. Jeśli mają zostać zastąpione kopią, dodaj --force: obecne zostaną odłożone obok z datą w nazwie", strings.Join(exist, " i "))
	}
	for _, d := range []string{data, dir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return res, err
		}
	}
	release, err := lockStore(filepath.Join(dir, portal.FileName))
	if errors.Is(err, errStoreHeld) {
		return res, fmt.Errorf("%s jest otwarta przez inny proces infomat-portal (serve lub komendę operatora): zatrzymaj go (systemctl stop infomat-portal) i powtórz restore", filepath.Join(dir, portal.FileName))
	}
	if err != nil {
		return res, fmt.Errorf("blokada %s: %w", filepath.Join(dir, portal.FileName), err)
	}
	defer release()
	defer func() {
		for _, t := range targets {
			if t.tmp != "" {
				os.Remove(t.tmp)
			}
		}
	}()

	// Extract and check everything before anything is replaced.
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", file, err)
		}
		t := targets[h.Name]
		switch {
		case t == nil:
			return res, fmt.Errorf("%s: plik %q, którego nie ma w manifeście kopii", file, h.Name)
		case t.tmp != "":
			return res, fmt.Errorf("%s: %s dwa razy", file, h.Name)
		case h.Typeflag != tar.TypeReg || h.Size != t.file.Size:
			return res, fmt.Errorf("%s: %s ma %d bajtów, manifest kopii mówi %d — kopia jest uszkodzona", file, h.Name, h.Size, t.file.Size)
		}
		if err := extract(tr, t); err != nil {
			return res, fmt.Errorf("%s: %w", file, err)
		}
	}
	for _, bf := range m.Files {
		if targets[bf.Name].tmp == "" {
			return res, fmt.Errorf("%s: brak %s, choć manifest kopii go wymienia — kopia jest niepełna", file, bf.Name)
		}
	}
	db := targets[portal.FileName]
	if res.info, err = portal.InspectSnapshot(ctx, db.tmp); err != nil {
		return res, fmt.Errorf("portal.db z kopii nie przeszła sprawdzenia: %w", err)
	}

	stamp := time.Now().Format("20060102-150405")
	for _, name := range []string{panel.KeyFile, portal.FileName} {
		t := targets[name]
		if t == nil {
			continue
		}
		if err := ownLike(t.tmp, filepath.Dir(t.final)); err != nil {
			return res, fmt.Errorf("właściciel %s: %w", t.final, err)
		}
		aside, err := placeFile(t.tmp, t.final, t.final+".before-restore-"+stamp)
		if aside != "" {
			res.aside = append(res.aside, aside)
			res.placed = true
		}
		if err != nil {
			return res, err
		}
		t.tmp = ""
		res.placed = true
		res.written = append(res.written, t.final)
	}
	syncDir(data)
	syncDir(dir)
	return res, nil
}

// readBackupManifest reads the backup's first entry, its manifest.
func readBackupManifest(tr *tar.Reader) (backupManifestJSON, error) {
	var m backupManifestJSON
	h, err := tr.Next()
	if err != nil {
		return m, fmt.Errorf("to nie jest kopia infomat-portal backup (nie da się czytać jako tar: %w)", err)
	}
	if h.Name != backupManifest || h.Size > maxManifest {
		return m, fmt.Errorf("to nie jest kopia infomat-portal backup (pierwszy plik to %q, nie %s)", h.Name, backupManifest)
	}
	if err := json.NewDecoder(io.LimitReader(tr, maxManifest)).Decode(&m); err != nil {
		return m, fmt.Errorf("manifest kopii: %w", err)
	}
	if m.Format != backupFormat {
		return m, fmt.Errorf("to nie jest kopia infomat-portal backup (format %q)", m.Format)
	}
	if m.Version > backupVersion {
		return m, fmt.Errorf("kopia w formacie %d, nowszym niż zna ten program (%d): odtwórz ją nowszym infomat-portal (kopię zrobił %s)", m.Version, backupVersion, m.PortalVersion)
	}
	if len(m.Files) == 0 || m.Files[0].Name != portal.FileName {
		return m, fmt.Errorf("manifest kopii nie wymienia %s jako pierwszego pliku", portal.FileName)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if (f.Name != portal.FileName && f.Name != panel.KeyFile) || seen[f.Name] || len(f.SHA256) != 64 || f.Size < 0 {
			return m, fmt.Errorf("manifest kopii: nieoczekiwany wpis %+v", f)
		}
		seen[f.Name] = true
	}
	return m, nil
}

// extract writes the entry to a temporary file beside its target (0600, synced) and checks
// its SHA-256 against the manifest.
func extract(r io.Reader, t *restoreTarget) error {
	f, err := os.CreateTemp(filepath.Dir(t.final), ".restore-"+t.file.Name+".*")
	if err != nil {
		return err
	}
	t.tmp = f.Name()
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", t.file.Name, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != t.file.SHA256 {
		return fmt.Errorf("%s ma SHA-256 %s, manifest kopii mówi %s — kopia jest uszkodzona; weź inną", t.file.Name, sum, t.file.SHA256)
	}
	return nil
}

// placeFile moves tmp to final. An existing final is kept under a free name starting with
// aside: hard-linked there first, so that final never goes missing (a serve starting
// meanwhile would create an empty store), then replaced by the rename. It returns where the
// old file went.
func placeFile(tmp, final, aside string) (string, error) {
	if _, err := os.Lstat(final); errors.Is(err, fs.ErrNotExist) {
		// Link, unlike rename, does not replace a file that appeared meanwhile.
		if err := os.Link(tmp, final); err != nil {
			return "", fmt.Errorf("wstawienie %s: %w", final, err)
		}
		return "", os.Remove(tmp)
	}
	name := aside
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", aside, i)
	}
	if err := os.Link(final, name); err != nil {
		// A file system without hard links: move it, leaving final missing for a moment.
		if err := os.Rename(final, name); err != nil {
			return "", fmt.Errorf("odłożenie %s: %w", final, err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return name, fmt.Errorf("wstawienie %s (poprzedni jest w %s): %w", final, name, err)
	}
	return name, nil
}

// syncDir fsyncs a directory, so a rename in it survives a power cut. Best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
