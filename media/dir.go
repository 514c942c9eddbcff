package media

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// Dir is the media directory: uploads at its top, and the cache of remote
// media in its cache/ subdirectory, which is kept under a size bound by
// removing the least recently used files.
type Dir struct {
	root     string
	cacheMax int64
	mu       sync.Mutex // serialises cache eviction
}

// DefaultCacheBytes bounds the cache of remote media: 1 GiB.
const DefaultCacheBytes = 1 << 30

// NewDir returns the media directory at root, creating it if needed, with
// a cache of at most cacheMax bytes (DefaultCacheBytes when 0).
func NewDir(root string, cacheMax int64) (*Dir, error) {
	if cacheMax <= 0 {
		cacheMax = DefaultCacheBytes
	}
	for _, d := range []string{root, filepath.Join(root, "cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("media directory: %w", err)
		}
	}
	return &Dir{root: root, cacheMax: cacheMax}, nil
}

// nameRE is what a stored file's name looks like: an id, an optional
// _small, and an extension.
var nameRE = regexp.MustCompile(`^[0-9A-Z]{26}(_small)?\.(jpg|png)$`)

// ValidName reports whether name can be the name of a stored file.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// ContentType is the type of a stored file, by its extension.
func ContentType(name string) string {
	if filepath.Ext(name) == ".png" {
		return "image/png"
	}
	return "image/jpeg"
}

// Save writes an upload's file under name, atomically.
func (d *Dir) Save(name string, data []byte) error {
	if !ValidName(name) {
		return fmt.Errorf("media file name %q", name)
	}
	return writeAtomic(filepath.Join(d.root, name), data)
}

// Open opens an upload's file.
func (d *Dir) Open(name string) (*os.File, error) {
	if !ValidName(name) {
		return nil, fs.ErrNotExist
	}
	return os.Open(filepath.Join(d.root, name))
}

// Remove deletes uploads' files; files already gone are no error.
func (d *Dir) Remove(names ...string) error {
	var errs []error
	for _, n := range names {
		if !ValidName(n) {
			continue
		}
		if err := os.Remove(filepath.Join(d.root, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Cached opens a cached copy of remote media, marking it as recently used.
func (d *Dir) Cached(name string) (*os.File, error) {
	if !ValidName(name) {
		return nil, fs.ErrNotExist
	}
	p := filepath.Join(d.root, "cache", name)
	f, err := os.Open(p)
	if err == nil {
		now := time.Now()
		_ = os.Chtimes(p, now, now)
	}
	return f, err
}

// Cache stores a copy of remote media, then removes the least recently
// used copies until the cache is within its bound again.
func (d *Dir) Cache(name string, data []byte) error {
	if !ValidName(name) {
		return fmt.Errorf("media file name %q", name)
	}
	if err := writeAtomic(filepath.Join(d.root, "cache", name), data); err != nil {
		return err
	}
	return d.evict()
}

func (d *Dir) evict() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	entries, err := os.ReadDir(filepath.Join(d.root, "cache"))
	if err != nil {
		return fmt.Errorf("media cache: %w", err)
	}
	type file struct {
		name string
		size int64
		used time.Time
	}
	var files []file
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		files = append(files, file{e.Name(), info.Size(), info.ModTime()})
		total += info.Size()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	for _, f := range files {
		if total <= d.cacheMax {
			break
		}
		if err := os.Remove(filepath.Join(d.root, "cache", f.name)); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= f.size
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file, so a reader
// never sees half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("store media: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG) {
			return fmt.Errorf("store media: %w (%v)", roundtable.ErrNoSpace, err)
		}
		return fmt.Errorf("store media: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store media: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store media: %w", err)
	}
	return nil
}
