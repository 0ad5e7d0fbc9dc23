package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// memFS is the read-only, in-memory fs.FS returned by ActiveContent.
// Directories are implied by file paths. It also implements fs.ReadFileFS,
// fs.ReadDirFS and fs.StatFS so the fs helpers don't go through Open.
type memFS struct {
	nodes map[string]*memNode // by full path; "." is the root
}

// memNode is a file or directory; it is its own fs.FileInfo.
type memNode struct {
	name     string // base name
	data     []byte
	dir      bool
	children []fs.DirEntry // sorted by name (directories only)
	modTime  time.Time
}

var (
	_ fs.ReadFileFS = (*memFS)(nil)
	_ fs.ReadDirFS  = (*memFS)(nil)
	_ fs.StatFS     = (*memFS)(nil)
)

// newMemFS builds the tree. It doesn't copy data. It rejects paths that are
// not fs.ValidPath, contain a backslash (almost certainly a Windows path not
// converted with filepath.ToSlash), or are both a file and a directory.
func newMemFS(files map[string][]byte, modTime time.Time) (*memFS, error) {
	root := &memNode{name: ".", dir: true, modTime: modTime}
	nodes := map[string]*memNode{".": root}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if !fs.ValidPath(p) || p == "." || strings.Contains(p, `\`) {
			return nil, fmt.Errorf("invalid content path %q", p)
		}
		parent := root
		for i := 0; ; {
			j := strings.IndexByte(p[i:], '/')
			if j < 0 {
				break
			}
			dirPath := p[:i+j]
			n, ok := nodes[dirPath]
			if !ok {
				n = &memNode{name: p[i : i+j], dir: true, modTime: modTime}
				nodes[dirPath] = n
				parent.children = append(parent.children, fs.FileInfoToDirEntry(n))
			} else if !n.dir {
				return nil, fmt.Errorf("content path %q is both a file and a directory", dirPath)
			}
			parent = n
			i += j + 1
		}
		if _, ok := nodes[p]; ok {
			return nil, fmt.Errorf("content path %q is both a file and a directory", p)
		}
		n := &memNode{name: p[strings.LastIndexByte(p, '/')+1:], data: files[p], modTime: modTime}
		nodes[p] = n
		parent.children = append(parent.children, fs.FileInfoToDirEntry(n))
	}
	for _, n := range nodes {
		sort.Slice(n.children, func(i, j int) bool { return n.children[i].Name() < n.children[j].Name() })
	}
	return &memFS{nodes: nodes}, nil
}

func (m *memFS) lookup(op, name string) (*memNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := m.nodes[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, nil
}

func (m *memFS) Open(name string) (fs.File, error) {
	n, err := m.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return &memDir{node: n, path: name}, nil
	}
	return &memFile{node: n, path: name, r: bytes.NewReader(n.data)}, nil
}

// ReadFile returns a copy, so callers can't modify the shared bundle.
func (m *memFS) ReadFile(name string) ([]byte, error) {
	n, err := m.lookup("readfile", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: errIsDir}
	}
	return bytes.Clone(n.data), nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := m.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	return append([]fs.DirEntry(nil), n.children...), nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	n, err := m.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return n, nil
}

var (
	errIsDir  = errors.New("is a directory")
	errNotDir = errors.New("not a directory")
)

// fs.FileInfo
func (n *memNode) Name() string       { return n.name }
func (n *memNode) Size() int64        { return int64(len(n.data)) }
func (n *memNode) ModTime() time.Time { return n.modTime }
func (n *memNode) IsDir() bool        { return n.dir }
func (n *memNode) Sys() any           { return nil }
func (n *memNode) Mode() fs.FileMode {
	if n.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// memFile is an open regular file.
type memFile struct {
	node   *memNode
	path   string
	r      *bytes.Reader
	closed bool
}

var (
	_ io.ReaderAt = (*memFile)(nil)
	_ io.Seeker   = (*memFile)(nil)
)

func (f *memFile) Stat() (fs.FileInfo, error) { return f.node, nil }

func (f *memFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.Read(p)
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.ReadAt(p, off)
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.Seek(off, whence)
}

func (f *memFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.path, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// memDir is an open directory.
type memDir struct {
	node   *memNode
	path   string
	offset int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.node, nil }
func (d *memDir) Close() error               { return nil }

func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

// ReadDir follows fs.ReadDirFile: n <= 0 returns the rest and a nil error;
// n > 0 returns at most n entries and io.EOF once there are none left.
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.node.children[d.offset:]
	if n <= 0 {
		d.offset += len(rest)
		return append([]fs.DirEntry(nil), rest...), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.offset += n
	return append([]fs.DirEntry(nil), rest[:n]...), nil
}
