package content

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing/fstest"
)

// AttachmentsDir holds images, forms and attachments; its files get Limits.Attachment.
const AttachmentsDir = "pliki"

// Limits bound the sizes in a bundle, so one oversized file cannot exhaust a kiosk's memory:
// a kiosk reads every text file whole and keeps the bundle on a small disk. The zero value of
// a field means its default (DefaultLimits).
type Limits struct {
	// Page is the largest text file: a Markdown page or a YAML file (anything outside pliki/).
	Page int64 `json:"page,omitempty"`
	// Attachment is the largest file under pliki/ (images, PDFs, forms to download).
	Attachment int64 `json:"attachment,omitempty"`
	// Bundle is the largest total of all files.
	Bundle int64 `json:"bundle,omitempty"`
}

// DefaultLimits are the limits when a municipality has not raised them. The largest bundle
// seen in benchmarks (55,000 files, 122 MB) is well inside them. The bundle default matches
// what a running portal takes through its admin socket (portal.DefaultMaxBundle), so a
// bundle that passes the check with the defaults also publishes.
var DefaultLimits = Limits{Page: 2 << 20, Attachment: 50 << 20, Bundle: 512 << 20}

// HardLimits cap whatever limits a municipality sets: a kiosk never accepts more, even from a
// manifest signed by its portal.
var HardLimits = Limits{Page: 16 << 20, Attachment: 256 << 20, Bundle: 4 << 30}

// Effective fills zero fields with DefaultLimits and caps every field at HardLimits.
func (l Limits) Effective() Limits {
	f := func(v, def, hard int64) int64 {
		if v <= 0 {
			v = def
		}
		return min(v, hard)
	}
	return Limits{
		Page:       f(l.Page, DefaultLimits.Page, HardLimits.Page),
		Attachment: f(l.Attachment, DefaultLimits.Attachment, HardLimits.Attachment),
		Bundle:     f(l.Bundle, DefaultLimits.Bundle, HardLimits.Bundle),
	}
}

// File is the limit for one file at path p (slash-separated, relative to the bundle).
func (l Limits) File(p string) int64 {
	l = l.Effective()
	if strings.HasPrefix(p, AttachmentsDir+"/") {
		return l.Attachment
	}
	return l.Page
}

// tooLarge is the clerk's message for a file over its limit.
func (l Limits) tooLarge(p string, size int64) string {
	l = l.Effective()
	if strings.HasPrefix(p, AttachmentsDir+"/") {
		fix := "zmniejsz go (np. skompresuj PDF) albo podnieś limit"
		if l.Attachment == HardLimits.Attachment {
			fix = "zmniejsz go albo podziel (to górna granica, więcej kiosk nie przyjmie)"
		}
		return fmt.Sprintf("plik ma %s, a załącznik może mieć najwyżej %s — %s", Size(size), Size(l.Attachment), fix)
	}
	fix := "podziel go albo przenieś dane do pliku w pliki/"
	if l.Page == HardLimits.Page {
		fix += " (to górna granica, więcej kiosk nie przyjmie)"
	}
	return fmt.Sprintf("plik ma %s, a strona lub plik YAML może mieć najwyżej %s — %s", Size(size), Size(l.Page), fix)
}

func (l Limits) bundleTooLarge(total int64) Problem {
	return Problem{File: "(cała paczka)", Reason: fmt.Sprintf("paczka ma %s, a może mieć najwyżej %s — usuń zbędne pliki albo podnieś limit", Size(total), Size(l.Effective().Bundle))}
}

// CheckSizes checks files' sizes (path → bytes) against l, without reading them: publish checks
// a bundle before storing it and a kiosk checks a manifest before downloading.
func CheckSizes(sizes map[string]int64, l Limits) Problems {
	l = l.Effective()
	paths := make([]string, 0, len(sizes))
	for p := range sizes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var ps Problems
	var total int64
	for _, p := range paths {
		n := sizes[p]
		if n < 0 || n > l.File(p) {
			ps = append(ps, Problem{File: p, Reason: l.tooLarge(p, n)})
		}
		total += max(n, 0)
	}
	if total > l.Bundle {
		ps = append(ps, l.bundleTooLarge(total))
	}
	return ps
}

// FSSizes lists the sizes of every regular file of fsys. Anything else (a symlink, a device,
// a pipe, a socket) is a problem: fs.FS implementations such as os.DirFS follow symlinks on
// open, so such a file must never be read through them.
func FSSizes(fsys fs.FS) (map[string]int64, Problems, error) {
	sizes := map[string]int64{}
	var ps Problems
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if reason := irregular(d.Type()); reason != "" {
			ps = append(ps, Problem{File: p, Reason: reason})
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if reason := irregular(fi.Mode()); reason != "" {
			ps = append(ps, Problem{File: p, Reason: reason})
			return nil
		}
		sizes[p] = fi.Size()
		return nil
	})
	return sizes, ps, err
}

// irregular says why a file of this mode cannot be in a bundle, or "" for a regular file or a
// directory.
func irregular(m fs.FileMode) string {
	const fix = " — w paczce mogą być tylko zwykłe pliki i foldery"
	switch {
	case m&fs.ModeSymlink != 0:
		return "dowiązanie symboliczne (symlink)" + fix + "; skopiuj tu sam plik"
	case m&fs.ModeNamedPipe != 0:
		return "potok nazwany (FIFO)" + fix
	case m&fs.ModeSocket != 0:
		return "gniazdo (socket)" + fix
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return "plik urządzenia" + fix
	case m.IsDir() || m.IsRegular():
		return ""
	}
	return "plik specjalny" + fix
}

// Folder is a content folder read into memory by ReadFolder: bundle path → bytes.
type Folder map[string][]byte

// FS is the folder as a file system for Load.
func (f Folder) FS() fs.FS {
	m := make(fstest.MapFS, len(f))
	for p, data := range f {
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

// ReadFolder reads a content folder into memory, safely: it is the only way a folder given by a
// clerk or technician is read (content check, the kiosk's --content, publish). Symlinks, device
// files, pipes and sockets are refused, never followed or opened (a FIFO would block the read
// forever; a symlink could publish /etc/shadow or the portal's keys), and files over l's limits
// are refused before being read whole. Whatever is refused comes back as Problems, one per file,
// with the rest still read so a clerk sees everything at once. Hidden files and folders (names
// starting with ".", such as .git) are skipped: they are not content, and a municipality that
// keeps its folder in git must not publish its history to every kiosk. Other errors (the folder
// cannot be listed) are returned as they are.
func ReadFolder(dir string, l Limits) (Folder, error) {
	l = l.Effective()
	fi, err := os.Stat(dir) // the folder itself may be reached through a symlink the technician chose
	if err != nil {
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("read content folder: %s is not a directory", dir)
	}
	// Every open goes through a directory handle of the folder: os.Root never resolves a name
	// outside it, so a subfolder swapped for a symlink after listing cannot lead out.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	defer root.Close()
	r := folderReader{lim: l, files: Folder{}}
	if err := r.walk(root, "."); err != nil {
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	if r.total > l.Bundle {
		r.problems = append(r.problems, l.bundleTooLarge(r.total))
	}
	if len(r.problems) > 0 {
		return nil, r.problems
	}
	return r.files, nil
}

type folderReader struct {
	lim      Limits
	files    Folder
	problems Problems
	total    int64
}

// afterList, when set by a test, runs after a directory is listed and before its entries
// are opened: the window in which a writer of the folder can swap an entry.
var afterList func(dir string)

func (r *folderReader) add(p, reason string) {
	r.problems = append(r.problems, Problem{File: p, Reason: reason})
}

// swapped is the reason for an entry that changed between its lstat and its open.
func swapped(d *os.Root, name string) string {
	if fi, err := d.Lstat(name); err == nil && irregular(fi.Mode()) != "" {
		return irregular(fi.Mode())
	}
	return irregular(fs.ModeSymlink)
}

// walk reads the directory d at bundle path dir. Entry types come from the directory listing
// (lstat), so a symlink is seen as one and never followed; every name is opened relative to
// d, and what was opened must be the very file lstat saw.
func (r *folderReader) walk(d *os.Root, dir string) error {
	f, err := d.Open(".")
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	if afterList != nil {
		afterList(dir)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // .git, editors' swap files, .DS_Store: not content, never published
		}
		p := path.Join(dir, e.Name())
		if reason := irregular(e.Type()); reason != "" {
			r.add(p, reason)
			continue
		}
		if e.IsDir() {
			if err := r.sub(d, e.Name(), p); err != nil {
				return err
			}
			continue
		}
		r.read(d, e.Name(), p)
	}
	return nil
}

// sub walks the subfolder name of d. A symlink swapped in since the listing is refused: one
// leading outside the folder cannot be opened through d at all, and one leading inside it
// opens a different directory than lstat saw.
func (r *folderReader) sub(d *os.Root, name, p string) error {
	fi, err := d.Lstat(name)
	if err != nil {
		r.add(p, fmt.Sprintf("nie można odczytać: %v", err))
		return nil
	}
	if reason := irregular(fi.Mode()); reason != "" {
		r.add(p, reason)
		return nil
	}
	if !fi.IsDir() {
		r.add(p, "folder zmienił się w plik w trakcie czytania — sprawdź jeszcze raz")
		return nil
	}
	s, err := d.OpenRoot(name)
	if err != nil {
		r.add(p, swapped(d, name))
		return nil
	}
	defer s.Close()
	if st, err := s.Stat("."); err != nil || !os.SameFile(fi, st) {
		r.add(p, swapped(d, name))
		return nil
	}
	return r.walk(s, p)
}

// read reads one regular file of d. Between the listing and the open the file may have been
// replaced (by a symlink or a FIFO): O_NOFOLLOW refuses a symlink, O_NONBLOCK keeps a FIFO
// from blocking the open, and fstat on the open file decides.
func (r *folderReader) read(d *os.Root, name, p string) {
	limit := r.lim.File(p)
	fi, err := d.Lstat(name)
	if err != nil {
		r.add(p, fmt.Sprintf("nie można odczytać: %v", err))
		return
	}
	if reason := irregular(fi.Mode()); reason != "" {
		r.add(p, reason)
		return
	}
	if fi.Size() > limit {
		r.add(p, r.lim.tooLarge(p, fi.Size()))
		r.total += fi.Size()
		return
	}
	if r.total+fi.Size() > r.lim.Bundle {
		r.total += fi.Size() // counted, not read: the bundle is refused anyway
		return
	}
	f, err := d.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if now, lerr := d.Lstat(name); errors.Is(err, syscall.ELOOP) || (lerr == nil && irregular(now.Mode()) != "") {
			r.add(p, swapped(d, name)) // swapped for a symlink (inside or outside the folder)
		} else {
			r.add(p, fmt.Sprintf("nie można odczytać: %v", err))
		}
		return
	}
	defer f.Close()
	ofi, err := f.Stat()
	if err != nil {
		r.add(p, fmt.Sprintf("nie można odczytać: %v", err))
		return
	}
	if !ofi.Mode().IsRegular() { // replaced since it was listed
		reason := irregular(ofi.Mode())
		if reason == "" {
			reason = "plik zmienił się w folder w trakcie czytania — sprawdź jeszcze raz"
		}
		r.add(p, reason)
		return
	}
	if !os.SameFile(fi, ofi) { // swapped for a symlink to another file of the folder
		r.add(p, irregular(fs.ModeSymlink))
		return
	}
	// The file may grow while being read: read one byte past the limit to notice.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		r.add(p, fmt.Sprintf("nie można odczytać: %v", err))
		return
	}
	r.total += int64(len(data))
	if int64(len(data)) > limit {
		r.add(p, r.lim.tooLarge(p, int64(len(data))))
		return
	}
	r.files[p] = data
}

// Size formats a byte count for a clerk: "2 MiB", "60,0 MiB", "512 B".
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return strings.Replace(fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)), ".", ",", 1)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return strings.Replace(fmt.Sprintf("%.1f KiB", float64(n)/(1<<10)), ".", ",", 1)
	}
	return fmt.Sprintf("%d B", n)
}

// ParseSize reads a size such as "2MiB", "50 MB", "1GiB", "300k" or a plain number of bytes.
// Decimal and binary units both mean powers of 1024: a clerk writing "2MB" means two megabytes
// the way the file manager shows them.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "ib"), "b")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	t = strings.TrimSpace(strings.Replace(t, ",", ".", 1))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || v*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("rozmiar %q: podaj np. 2MiB, 500KiB, 1GiB", s)
	}
	return int64(v * float64(mult)), nil
}

type sizeFlag struct {
	v    *int64
	hard int64
}

func (f sizeFlag) String() string {
	if f.v == nil || *f.v == 0 {
		return ""
	}
	return Size(*f.v)
}

func (f sizeFlag) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	if n > f.hard {
		return fmt.Errorf("%s to więcej niż %s, najwięcej, ile przyjmie kiosk", Size(n), Size(f.hard))
	}
	*f.v = n
	return nil
}

// RegisterFlags adds --max-page, --max-attachment and --max-bundle, which raise (or lower)
// l's fields, to fl.
func (l *Limits) RegisterFlags(fl *flag.FlagSet) {
	fl.Var(sizeFlag{&l.Page, HardLimits.Page}, "max-page", fmt.Sprintf("largest Markdown page or YAML file (default %s, at most %s)", Size(DefaultLimits.Page), Size(HardLimits.Page)))
	fl.Var(sizeFlag{&l.Attachment, HardLimits.Attachment}, "max-attachment", fmt.Sprintf("largest file under pliki/ (default %s, at most %s)", Size(DefaultLimits.Attachment), Size(HardLimits.Attachment)))
	fl.Var(sizeFlag{&l.Bundle, HardLimits.Bundle}, "max-bundle", fmt.Sprintf("largest bundle (default %s, at most %s)", Size(DefaultLimits.Bundle), Size(HardLimits.Bundle)))
}

// FolderOf reads every file of fsys into a Folder: for bundles already in memory or
// embedded, such as the sample. A folder on disk goes through ReadFolder.
func FolderOf(fsys fs.FS) (Folder, error) {
	out := Folder{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out[p], err = fs.ReadFile(fsys, p)
		return err
	})
	return out, err
}
