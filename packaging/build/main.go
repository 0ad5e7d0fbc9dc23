// Command build makes Infomat's Debian packages with nfpm used as a library:
//
//	cd packaging && go run ./build --version 0.5.0 --out ../dist
//
// builds the binaries (with cgo: Fyne's GL driver needs it, and it makes PIEs that link
// libc), each position-independent and reproducible (-buildmode=pie -trimpath, an empty build ID) with
// -ldflags "-X infomat/buildinfo.version=V -X infomat/buildinfo.built=T" (the one place that
// sets them; T is SOURCE_DATE_EPOCH, else the commit time), and writes
// dist/infomat_V_amd64.deb, dist/infomat-portal_V_amd64.deb and dist/infomat-tools_V_amd64.deb.
// Every file in them carries the time T, so the same tree and T give the same bytes. Without
// --version the version comes from the VERSION file at the repository root, else from git
// describe.
// --bin DIR packages binaries already built in DIR instead of building them (the tests use
// it to build the slow cgo binary once). What goes into each package: packages below and
// packaging/README.md.
//
// packaging/ is its own module (infomat/packaging) so that nfpm and what it pulls in (go-git,
// ssh and more) stay out of the product's go.mod. It imports none of the product's packages:
// it runs go build in the repository root, in the product's module.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// binaries are the Go programs the packages ship (file names in /usr/bin, also ./cmd/<name>).
// All are built with cgo: the kiosk needs it for Fyne's GL driver, and for the others it
// makes a position-independent executable that links libc like any Debian program (a Go
// PIE without cgo has no libc dependency, which dpkg's tools take for a broken library).
var binaries = []string{
	"infomat",
	"infomat-portal",
	// The tools package (infomat-tools): device simulators and the portal's load generator.
	"infomat-sim",
	"infomat-loadgen",
}

func main() {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	version := fl.String("version", "", "package version (default: the VERSION file, else git describe)")
	out := fl.String("out", "dist", "directory for the .deb files")
	bin := fl.String("bin", "", "use the binaries already built in this directory instead of building them")
	_ = fl.Parse(os.Args[1:])
	if fl.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./build [--version V] [--out DIR] [--bin DIR]   (in packaging/)")
		os.Exit(2)
	}
	debs, err := run(*version, *out, *bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging/build:", err)
		os.Exit(1)
	}
	for _, d := range debs {
		fmt.Println(d)
	}
}

// run builds (unless binDir is given) and packages; it returns the .deb paths.
func run(version, outDir, binDir string) ([]string, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if version == "" {
		if version, err = defaultVersion(root); err != nil {
			return nil, err
		}
	}
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	date, err := sourceDate(root)
	if err != nil {
		return nil, err
	}
	if binDir == "" {
		binDir = filepath.Join(outDir, "bin")
		if err := buildBinaries(root, binDir, version, date); err != nil {
			return nil, err
		}
	}
	// Generated files (changelog, compressed man pages) go through a scratch directory, as
	// nfpm packages files from disk.
	gen, err := os.MkdirTemp("", "infomat-packaging-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(gen)
	infos, err := packages(root, binDir, gen, version, date)
	if err != nil {
		return nil, err
	}
	var debs []string
	for _, info := range infos {
		p, err := writeDeb(info, outDir)
		if err != nil {
			return nil, err
		}
		debs = append(debs, p)
	}
	return debs, nil
}

// sourceDate is the time every packaged file and the binaries' build time carry:
// SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the last commit's time.
func sourceDate(root string) (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || sec < 0 {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970", s)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%ct").Output()
	if err != nil {
		return time.Time{}, fmt.Errorf("no SOURCE_DATE_EPOCH and no git commit time (%v): set SOURCE_DATE_EPOCH", err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("git commit time %q: %w", out, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// repoRoot is the nearest directory upwards holding the go.mod of module infomat.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module infomat\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the infomat module (no go.mod with module infomat above the working directory)")
		}
		dir = parent
	}
}

// defaultVersion reads VERSION at the root, else asks git describe (v1.2.3-4-gabc → 1.2.3-4-gabc).
func defaultVersion(root string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(root, "VERSION")); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
	}
	cmd := exec.Command("git", "describe", "--tags", "--always", "--dirty")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("no VERSION file and git describe failed: %w", err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(b)), "v"), nil
}

// checkVersion refuses what dpkg would refuse or mangle: a Debian upstream version starts
// with a digit and has no spaces or underscores.
func checkVersion(v string) error {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return fmt.Errorf("version %q must start with a digit", v)
	}
	if strings.ContainsAny(v, " _/\t\n") {
		return fmt.Errorf("version %q has a space, underscore or slash", v)
	}
	return nil
}

// buildBinaries builds every binary into dir with the version and build time linked in.
func buildBinaries(root, dir, version string, date time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, b := range binaries {
		if err := buildBinary(root, abs, b, version, date); err != nil {
			return err
		}
	}
	return nil
}

// kioskTags is infomat/buildinfo.KioskTags; TestBuildTags holds the two together.
const kioskTags = "no_emoji"

func buildBinary(root, dir, name, version string, date time.Time) error {
	// -buildid= and -trimpath: no build ID or path of this machine in the binary, so two
	// builds of one tree are the same bytes. The kiosk distrusts a clock earlier than its
	// build (dead RTC battery); the source date keeps that reproducible too.
	// -linkmode=external: the system linker, so that a program that imports no cgo package
	// (infomat-sim) links libc too.
	ldflags := "-s -w -buildid= -linkmode=external -X infomat/buildinfo.version=" + version +
		" -X infomat/buildinfo.built=" + date.Format(time.RFC3339)
	// -buildmode=pie: Debian's hardening (ASLR for the program itself). -buildvcs=auto: the
	// commit in `infomat version` (and the fleet) even where GOFLAGS turns it off; a tree
	// outside git still builds.
	// -tags: the product's build tags, infomat/buildinfo.KioskTags (this module cannot import
	// it): no_emoji leaves Fyne's 4.2 MB emoji font out of the kiosk, 15 MB less memory.
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=pie", "-buildvcs=auto",
		"-tags", kioskTags, "-ldflags", ldflags,
		"-o", filepath.Join(dir, name), "./cmd/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS=linux", "GOARCH=amd64")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/%s: %w", name, err)
	}
	return nil
}

const (
	maintainer = "Infomat <infomat@example.invalid>"
	homepage   = "https://example.invalid/infomat"
	license    = "Proprietary"
)

// packages describes the three packages. src paths are absolute, so the working directory
// does not matter; gen is a scratch directory for the generated files.
func packages(root, binDir, gen, version string, date time.Time) ([]*nfpm.Info, error) {
	pk := func(p string) string { return filepath.Join(root, "packaging", p) }
	bin := func(name string) string {
		p, _ := filepath.Abs(filepath.Join(binDir, name))
		return p
	}
	file := func(src, dst string, mode fs.FileMode) *files.Content {
		return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"}}
	}
	conf := func(src, dst string) *files.Content {
		c := file(src, dst, 0o644)
		c.Type = files.TypeConfigNoReplace
		return c
	}
	// docs are what every package has in /usr/share/doc/<name> (Debian policy 12.5, 12.7):
	// the copyright file and a gzipped changelog; man pages are gzipped too.
	docs := func(name string) (files.Contents, error) {
		dir := filepath.Join(gen, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		cl := filepath.Join(dir, "changelog.gz")
		if err := writeGzip(cl, changelog(name, version, date)); err != nil {
			return nil, err
		}
		return files.Contents{
			file(pk("doc/copyright"), "/usr/share/doc/"+name+"/copyright", 0o644),
			file(cl, "/usr/share/doc/"+name+"/changelog.gz", 0o644),
		}, nil
	}
	man := func(page string) (*files.Content, error) {
		b, err := os.ReadFile(pk("man/" + page))
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(gen, page+".gz")
		if err := writeGzip(dst, b); err != nil {
			return nil, err
		}
		return file(dst, "/usr/share/man/man1/"+page+".gz", 0o644), nil
	}
	withDocs := func(name string, c files.Contents, pages ...string) (files.Contents, error) {
		d, err := docs(name)
		if err != nil {
			return nil, err
		}
		c = append(c, d...)
		for _, p := range pages {
			m, err := man(p)
			if err != nil {
				return nil, err
			}
			c = append(c, m)
		}
		return c, nil
	}

	kioskFiles, err := withDocs("infomat", files.Contents{
		file(bin("infomat"), "/usr/bin/infomat", 0o755),
		file(pk("lib/infomat-session"), "/usr/libexec/infomat/infomat-session", 0o755),
		file(pk("lib/infomat-touch-rotation"), "/usr/libexec/infomat/infomat-touch-rotation", 0o755),
		file(pk("systemd/infomat.service"), "/lib/systemd/system/infomat.service", 0o644),
		file(pk("systemd/infomat-restart.service"), "/lib/systemd/system/infomat-restart.service", 0o644),
		file(pk("systemd/infomat-restart.timer"), "/lib/systemd/system/infomat-restart.timer", 0o644),
		file(pk("udev/70-infomat.rules"), "/lib/udev/rules.d/70-infomat.rules", 0o644),
		file(pk("tmpfiles/infomat.conf"), "/usr/lib/tmpfiles.d/infomat.conf", 0o644),
		conf(pk("etc/infomat.conf"), "/etc/infomat/infomat.conf"),
		file(pk("doc/README.Debian"), "/usr/share/doc/infomat/README.Debian", 0o644),
	}, "infomat.1")
	if err != nil {
		return nil, err
	}
	kiosk := &nfpm.Info{
		Name:       "infomat",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "misc",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		License:    license,
		MTime:      date,
		Description: "self-service touch kiosk for municipal offices\n" +
			"Infomat is a full-screen touch application for public terminals: procedure\n" +
			"cards, the municipality's Public Information Bulletin, search and encrypted\n" +
			"submission forms, with a receipt printer and card reader over serial. It runs\n" +
			"in the cage kiosk compositor on tty1 as the system user infomat.",
		Overridables: nfpm.Overridables{
			// cage runs the kiosk and xwayland serves Fyne's GLFW driver, which speaks X11:
			// without either there is no kiosk, hence Depends.
			// poppler-utils: pdftoppm and pdfinfo show BIP attachments (PDF) as page images.
			// espeak-ng speaks in speech mode; alsa-utils plays it (aplay) and reads the
			// headphone jack (amixer).
			Depends: []string{"libc6", "libgl1", "libx11-6", "libxcursor1", "libxrandr2",
				"libxinerama1", "libxi6", "libxxf86vm1", "adduser", "cage", "xwayland",
				"poppler-utils", "espeak-ng", "alsa-utils"},
			// wlr-randr rotates the screen under a cage without -r (0.1.5 and later; Debian
			// 12 has 0.1.4, with -r).
			Recommends: []string{"fonts-dejavu-core", "wlr-randr"},
			// The simulators moved to infomat-tools.
			Suggests: []string{"infomat-tools"},
			Contents: kioskFiles,
			Scripts: nfpm.Scripts{
				PostInstall: pk("scripts/infomat/postinst"),
				PreRemove:   pk("scripts/infomat/prerm"),
				PostRemove:  pk("scripts/infomat/postrm"),
			},
		},
	}

	portalFiles, err := withDocs("infomat-portal", files.Contents{
		file(bin("infomat-portal"), "/usr/bin/infomat-portal", 0o755),
		file(pk("systemd/infomat-portal.service"), "/lib/systemd/system/infomat-portal.service", 0o644),
		file(pk("tmpfiles/infomat-portal.conf"), "/usr/lib/tmpfiles.d/infomat-portal.conf", 0o644),
		conf(pk("etc/portal.conf"), "/etc/infomat-portal/portal.conf"),
		file(pk("doc/README.Debian.portal"), "/usr/share/doc/infomat-portal/README.Debian", 0o644),
	}, "infomat-portal.1")
	if err != nil {
		return nil, err
	}
	portal := &nfpm.Info{
		Name:       "infomat-portal",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "net",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		License:    license,
		MTime:      date,
		Description: "central portal for Infomat kiosks\n" +
			"The server Infomat kiosks sync with: signed content publishing, the encrypted\n" +
			"submission queue and its export, enrolment tokens and the device fleet.",
		Overridables: nfpm.Overridables{
			Depends:  []string{"libc6", "adduser"},
			Contents: portalFiles,
			Scripts: nfpm.Scripts{
				PostInstall: pk("scripts/infomat-portal/postinst"),
				PreRemove:   pk("scripts/infomat-portal/prerm"),
				PostRemove:  pk("scripts/infomat-portal/postrm"),
			},
		},
	}

	toolsFiles, err := withDocs("infomat-tools", files.Contents{
		file(bin("infomat-sim"), "/usr/bin/infomat-sim", 0o755),
		file(bin("infomat-loadgen"), "/usr/bin/infomat-loadgen", 0o755),
	}, "infomat-sim.1", "infomat-loadgen.1")
	if err != nil {
		return nil, err
	}
	// An older infomat shipped /usr/bin/infomat-sim: Replaces lets this package take the
	// file over, Breaks makes dpkg upgrade that infomat first.
	older := "infomat (<< " + version + ")"
	tools := &nfpm.Info{
		Name:       "infomat-tools",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "devel",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		License:    license,
		MTime:      date,
		Description: "simulators and test tools for Infomat kiosks and portals\n" +
			"infomat-sim plays the kiosk's receipt printer and card reader on a\n" +
			"pseudo-terminal, for service work and tests without hardware;\n" +
			"infomat-loadgen measures a portal under the load of simulated kiosks.\n" +
			"Not needed on a kiosk or a portal in service.",
		Overridables: nfpm.Overridables{
			Depends:  []string{"libc6"},
			Replaces: []string{older},
			Contents: toolsFiles,
			Deb:      nfpm.Deb{Breaks: []string{older}},
		},
	}
	return []*nfpm.Info{kiosk, portal, tools}, nil
}

// changelog is a Debian changelog (policy 4.4) for a native package's one release.
func changelog(name, version string, date time.Time) []byte {
	return []byte(name + " (" + version + ") stable; urgency=medium\n\n" +
		"  * Infomat " + version + ", built from the Infomat repository; its history and\n" +
		"    release notes list the changes.\n\n" +
		" -- " + maintainer + "  " + date.UTC().Format(time.RFC1123Z) + "\n")
}

// writeGzip writes data gzipped the way Debian wants documentation: best compression, and
// no file name or time in the header, so the bytes depend on data alone.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// writeDeb writes outDir/<name>_<version>_amd64.deb.
func writeDeb(info *nfpm.Info, outDir string) (string, error) {
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", fmt.Errorf("%s: %w", info.Name, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(outDir, deb.Default.ConventionalFileName(info))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("%s: %w", info.Name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, os.Rename(tmp, path)
}
