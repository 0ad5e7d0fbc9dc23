// Package pdfpages shows PDF attachments on the kiosk: it counts a PDF's pages with poppler's
// pdfinfo and renders one page at a time to an image with pdftoppm (Debian's poppler-utils).
// Both run as separate processes with a timeout, one at a time, reading the PDF on stdin and
// writing the PNG to stdout, so nothing is written to disk and a malicious or broken file can
// at worst make a process fail. Page count, output size and pixel count are capped.
package pdfpages

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Errors the kiosk explains to residents; match them with errors.Is.
var (
	// ErrUnavailable: pdftoppm or pdfinfo is not installed (poppler-utils missing).
	ErrUnavailable = errors.New("pdf: poppler-utils (pdfinfo, pdftoppm) not installed")
	// ErrTimeout: rendering took longer than Renderer.Timeout.
	ErrTimeout = errors.New("pdf: rendering timed out")
	// ErrUnreadable: the file is not a PDF poppler can read (corrupt, encrypted, empty).
	ErrUnreadable = errors.New("pdf: file cannot be read")
	// ErrTooLarge: the page image is over Renderer.MaxBytes or Renderer.MaxPixels.
	ErrTooLarge = errors.New("pdf: page image too large")
	// ErrPageRange: the page does not exist or is past Renderer.MaxPages.
	ErrPageRange = errors.New("pdf: page out of range")
)

// Defaults for a zero Renderer field.
const (
	DefaultTimeout   = 15 * time.Second
	DefaultMaxPages  = 50
	DefaultMaxBytes  = 32 << 20 // PNG bytes of one page
	DefaultMaxPixels = 40 << 20 // decoded pixels of one page: 160 MB as RGBA
	minDPI, maxDPI   = 30, 400
)

// Renderer runs poppler-utils. The zero value uses the tools from PATH and the defaults.
type Renderer struct {
	PDFInfo   string        // path of pdfinfo; "" is "pdfinfo" from PATH
	PDFToPPM  string        // path of pdftoppm; "" is "pdftoppm" from PATH
	Timeout   time.Duration // per process
	MaxPages  int           // pages that may be shown; the rest are only counted
	MaxBytes  int64         // PNG output of one page
	MaxPixels int           // decoded size of one page

	// sem lets one process run at a time: the kiosk has two cores and one resident.
	sem chan struct{}
}

// New returns a Renderer with the defaults.
func New() *Renderer { return &Renderer{} }

func (r *Renderer) lock(ctx context.Context) (func(), error) {
	// A nil channel is made on first use; the kiosk makes one Renderer at start, before the UI
	// can call it from several goroutines, and tests use their own.
	if r.sem == nil {
		r.sem = make(chan struct{}, 1)
	}
	select {
	case r.sem <- struct{}{}:
		return func() { <-r.sem }, nil
	case <-ctx.Done():
		return nil, r.ctxErr(ctx)
	}
}

func (r *Renderer) ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return ctx.Err()
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// PageCount returns the number of pages of the PDF name in fsys, and how many of them may
// be shown (at most MaxPages).
func (r *Renderer) PageCount(ctx context.Context, fsys fs.FS, name string) (total, shown int, err error) {
	out, err := r.run(ctx, fsys, name, or(r.PDFInfo, "pdfinfo"), 1<<20, "-")
	if err != nil {
		return 0, 0, fmt.Errorf("counting pages of %s: %w", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return 0, 0, fmt.Errorf("counting pages of %s: %w: pdfinfo says %q pages", name, ErrUnreadable, v)
			}
			return n, min(n, or(r.MaxPages, DefaultMaxPages)), nil
		}
	}
	return 0, 0, fmt.Errorf("counting pages of %s: %w: pdfinfo gives no page count", name, ErrUnreadable)
}

// RenderPage renders page (from 1) of the PDF name in fsys at dpi (clamped to 30–400).
func (r *Renderer) RenderPage(ctx context.Context, fsys fs.FS, name string, page, dpi int) (image.Image, error) {
	if page < 1 || page > or(r.MaxPages, DefaultMaxPages) {
		return nil, fmt.Errorf("rendering %s page %d: %w", name, page, ErrPageRange)
	}
	dpi = max(minDPI, min(dpi, maxDPI))
	p := strconv.Itoa(page)
	maxBytes := or(r.MaxBytes, DefaultMaxBytes)
	out, err := r.run(ctx, fsys, name, or(r.PDFToPPM, "pdftoppm"), maxBytes,
		"-png", "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-")
	if err != nil {
		return nil, fmt.Errorf("rendering %s page %d: %w", name, page, err)
	}
	if len(out) == 0 {
		// pdftoppm writes nothing for a page past the end, with exit code 99.
		return nil, fmt.Errorf("rendering %s page %d: %w", name, page, ErrPageRange)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("rendering %s page %d: %w: %v", name, page, ErrUnreadable, err)
	}
	if cfg.Width*cfg.Height > or(r.MaxPixels, DefaultMaxPixels) {
		return nil, fmt.Errorf("rendering %s page %d: %w: %d×%d pixels", name, page, ErrTooLarge, cfg.Width, cfg.Height)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("rendering %s page %d: %w: %v", name, page, ErrUnreadable, err)
	}
	return img, nil
}

// run starts tool with the PDF on stdin and returns its stdout, at most limit bytes.
func (r *Renderer) run(ctx context.Context, fsys fs.FS, name, tool string, limit int64, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, or(r.Timeout, DefaultTimeout))
	defer cancel()
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()

	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening the attachment: %w", err)
	}
	defer f.Close()

	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stdin = f
	var stderr bytes.Buffer
	cmd.Stderr = &limitWriter{w: &stderr, n: 4 << 10}
	// A killed tool's children could hold the pipes open; do not wait for them for long.
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tool, err)
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("%s: %w", tool, err)
	}
	out, rerr := io.ReadAll(io.LimitReader(stdout, limit+1))
	if int64(len(out)) > limit {
		cancel() // kills the tool, which may still be writing
		_ = cmd.Wait()
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, r.ctxErr(ctx)
	}
	if werr != nil {
		var exit *exec.ExitError
		if errors.As(werr, &exit) {
			if len(out) == 0 && exit.ExitCode() == 99 && strings.Contains(stderr.String(), "page") {
				return nil, fmt.Errorf("%w: %s", ErrPageRange, lastLine(stderr.String()))
			}
			return nil, fmt.Errorf("%w: %s exit code %d: %s", ErrUnreadable, tool, exit.ExitCode(), lastLine(stderr.String()))
		}
		return nil, fmt.Errorf("%s: %w", tool, werr)
	}
	if rerr != nil {
		return nil, fmt.Errorf("%s: reading output: %w", tool, rerr)
	}
	return out, nil
}

// lastLine is the last line of poppler's complaints that says something, for the log.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// limitWriter keeps the first n bytes and drops the rest without failing the process.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
