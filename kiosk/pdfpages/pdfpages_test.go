package pdfpages

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// sample is the bundle's three-page PDF, a real file written for the sample municipality.
const sample = "../../assets/content/pliki/bip/regulamin-utrzymania-czystosci.pdf"

func needPoppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install poppler-utils (scripts/deps.sh test)", tool)
		}
	}
}

func sampleFS(t *testing.T) fstest.MapFS {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"pliki/regulamin.pdf": {Data: data},
		"pliki/zepsuty.pdf":   {Data: append([]byte("%PDF-1.4\n"), data[200:900]...)},
		"pliki/pusty.pdf":     {Data: nil},
	}
}

func TestRealPDF(t *testing.T) {
	needPoppler(t)
	fsys := sampleFS(t)
	r := New()
	ctx := context.Background()
	total, shown, err := r.PageCount(ctx, fsys, "pliki/regulamin.pdf")
	if err != nil || total != 3 || shown != 3 {
		t.Fatalf("PageCount = %d, %d, %v; want 3, 3", total, shown, err)
	}
	for page := 1; page <= 3; page++ {
		img, err := r.RenderPage(ctx, fsys, "pliki/regulamin.pdf", page, 72)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		// A4 is 595×842 points: one pixel a point at 72 dpi.
		if b := img.Bounds(); b.Dx() != 595 || b.Dy() != 842 {
			t.Errorf("page %d is %v, want 595×842", page, b)
		}
	}
	// Twice the resolution, twice the pixels: zooming renders sharper, not blurred.
	img, err := r.RenderPage(ctx, fsys, "pliki/regulamin.pdf", 1, 144)
	if err != nil || img.Bounds().Dx() != 1190 {
		t.Fatalf("page at 144 dpi: %v, %v", img.Bounds(), err)
	}
	if _, err := r.RenderPage(ctx, fsys, "pliki/regulamin.pdf", 4, 72); !errors.Is(err, ErrPageRange) {
		t.Errorf("page 4 of 3: %v, want ErrPageRange", err)
	}
}

func TestCorruptPDF(t *testing.T) {
	needPoppler(t)
	fsys := sampleFS(t)
	r := New()
	for _, name := range []string{"pliki/zepsuty.pdf", "pliki/pusty.pdf"} {
		if _, _, err := r.PageCount(context.Background(), fsys, name); !errors.Is(err, ErrUnreadable) {
			t.Errorf("PageCount(%s) = %v, want ErrUnreadable", name, err)
		}
		if _, err := r.RenderPage(context.Background(), fsys, name, 1, 72); !errors.Is(err, ErrUnreadable) {
			t.Errorf("RenderPage(%s) = %v, want ErrUnreadable", name, err)
		}
	}
	if _, _, err := r.PageCount(context.Background(), fsys, "pliki/brak.pdf"); err == nil {
		t.Error("a missing attachment was counted")
	}
}

// fakeTool writes a shell script standing in for a poppler tool.
func fakeTool(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// A tool that hangs is killed at the timeout and the resident hears "timed out", not nothing.
func TestTimeout(t *testing.T) {
	slow := fakeTool(t, "exec sleep 60")
	r := &Renderer{PDFInfo: slow, PDFToPPM: slow, Timeout: 50e6}
	fsys := sampleFS(t)
	if _, _, err := r.PageCount(context.Background(), fsys, "pliki/regulamin.pdf"); !errors.Is(err, ErrTimeout) {
		t.Errorf("PageCount = %v, want ErrTimeout", err)
	}
	if _, err := r.RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 1, 72); !errors.Is(err, ErrTimeout) {
		t.Errorf("RenderPage = %v, want ErrTimeout", err)
	}
}

func TestMissingTools(t *testing.T) {
	r := &Renderer{PDFInfo: "/nonexistent/pdfinfo", PDFToPPM: "pdftoppm-not-installed"}
	fsys := sampleFS(t)
	if _, _, err := r.PageCount(context.Background(), fsys, "pliki/regulamin.pdf"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("PageCount = %v, want ErrUnavailable", err)
	}
	if _, err := r.RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 1, 72); !errors.Is(err, ErrUnavailable) {
		t.Errorf("RenderPage = %v, want ErrUnavailable", err)
	}
}

// A long PDF shows its first MaxPages pages; the rest are counted, never rendered.
func TestPageCap(t *testing.T) {
	needPoppler(t)
	fsys := sampleFS(t)
	r := &Renderer{MaxPages: 2}
	total, shown, err := r.PageCount(context.Background(), fsys, "pliki/regulamin.pdf")
	if err != nil || total != 3 || shown != 2 {
		t.Fatalf("PageCount = %d, %d, %v; want 3, 2", total, shown, err)
	}
	if _, err := r.RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 3, 72); !errors.Is(err, ErrPageRange) {
		t.Errorf("page 3 past the cap: %v, want ErrPageRange", err)
	}
	// A fake pdfinfo claiming 10,000 pages is capped at the default.
	big := &Renderer{PDFInfo: fakeTool(t, "cat >/dev/null; echo 'Pages:          10000'")}
	if total, shown, err := big.PageCount(context.Background(), fsys, "pliki/regulamin.pdf"); err != nil || total != 10000 || shown != DefaultMaxPages {
		t.Errorf("PageCount = %d, %d, %v; want 10000, %d", total, shown, err, DefaultMaxPages)
	}
}

// The output caps: a page over MaxBytes of PNG or MaxPixels is refused, and a tool that
// floods stdout is stopped.
func TestSizeCap(t *testing.T) {
	needPoppler(t)
	fsys := sampleFS(t)
	if _, err := (&Renderer{MaxBytes: 1000}).RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 1, 72); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxBytes: %v, want ErrTooLarge", err)
	}
	if _, err := (&Renderer{MaxPixels: 500 * 500}).RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 1, 72); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxPixels: %v, want ErrTooLarge", err)
	}
	flood := &Renderer{PDFToPPM: fakeTool(t, "exec cat /dev/zero"), MaxBytes: 1 << 20}
	if _, err := flood.RenderPage(context.Background(), fsys, "pliki/regulamin.pdf", 1, 72); !errors.Is(err, ErrTooLarge) {
		t.Errorf("flood: %v, want ErrTooLarge", err)
	}
}
