package branches

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LockError reports a lock file that stops a write: one a running writer
// holds, or one a writer that died left behind. It wraps [ErrRefLocked].
type LockError struct {
	Lock   string        // the lock file, relative to the git directory: refs/heads/x.lock
	Age    time.Duration // how long the lock file has existed
	Holder string        // "tiered (pid 123)" when a running tiered holds it; "" when unknown (git, or a writer that died)
}

func (e *LockError) Error() string {
	switch {
	case e.Holder != "":
		return fmt.Sprintf("%s: %v by %s, writing for %s (try again when it is done)", e.Lock, ErrRefLocked, e.Holder, age(e.Age))
	case e.Age >= staleLock:
		return fmt.Sprintf("%s is %s old, left by a writer that died: remove it if no git or tiered is running", e.Lock, age(e.Age))
	}
	return fmt.Sprintf("%s: %v by another writer, for %s (try again; remove it if no git or tiered is running)", e.Lock, ErrRefLocked, age(e.Age))
}

func (e *LockError) Is(target error) bool { return target == ErrRefLocked }

// staleLock is the age from which a lock file nobody is seen holding is
// called stale: git and tiered hold a ref's lock for milliseconds.
const staleLock = time.Minute

func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// lockFile is git's lock on a file: name.lock beside it, created only if
// there is none, removed when the write is done. git and tiered refuse to
// write a file whose lock exists; readers never look at locks.
//
// Where the system has flock(2), tiered holds its lock files under it and
// writes in them who it is ("tiered-lock pid=… host=…"). A lock file with
// that content that nobody holds under flock was left by a tiered that
// died on this host (the kernel drops a dead process's flocks), and the
// next writer takes it over. Any other lock file (git's, or one from
// another host) is reported with its age and left alone.
type lockFile struct {
	path string
	f    *os.File // open while the lock is held
}

const lockMarker = "tiered-lock "

var hostname = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return h
})

// acquireLock takes the lock file path (…/name.lock), making its
// directory if need be. Temporary files go in tmpDir, which must be on the
// same file system. If another writer holds the lock, it retries for up to
// wait (git waits a second for packed-refs.lock, not at all for a ref's
// lock), then returns a *[LockError].
func acquireLock(path, tmpDir string, wait time.Duration) (*lockFile, error) {
	if !flockSupported {
		return createLock(path, wait)
	}
	if err := os.MkdirAll(tmpDir, 0o777); err != nil {
		return nil, err
	}
	cleanLockTemps(tmpDir)
	tmp, err := os.CreateTemp(tmpDir, "lock-")
	if err != nil {
		return nil, err
	}
	owned := false
	defer func() {
		if !owned {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if ok, err := flock(tmp); !ok || err != nil {
		// A file system without flock: lock as git does.
		return createLock(path, wait)
	}
	if _, err := fmt.Fprintf(tmp, "%spid=%d host=%s\n", lockMarker, os.Getpid(), hostname()); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for try, pause := 0, time.Millisecond; ; try, pause = try+1, min(2*pause, 100*time.Millisecond) {
		if try == 100 {
			// Others take and drop the lock faster than we can look.
			return nil, &LockError{Lock: path}
		}
		err := os.Link(tmp.Name(), path)
		switch {
		case err == nil:
			owned = true
			os.Remove(tmp.Name())
			return &lockFile{path: path, f: tmp}, nil
		case errors.Is(err, fs.ErrNotExist):
			// The directory is missing, or was removed as empty by
			// another writer between our making it and linking.
			if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
				return nil, err
			}
			continue
		case !errors.Is(err, fs.ErrExist):
			// A file system without hard links: lock as git does.
			return createLock(path, wait)
		}
		taken, err := takeOverDead(path, tmp)
		if taken {
			owned = true
			return &lockFile{path: path, f: tmp}, nil
		}
		if err == nil {
			continue // the lock file changed as we looked: look again
		}
		if time.Now().Add(pause).After(deadline) {
			return nil, err
		}
		time.Sleep(pause)
	}
}

// takeOverDead looks at the existing lock file path. If a tiered that died
// on this host left it, it puts tmp (locked, and naming this process) in
// its place and reports true. Otherwise it returns the *LockError to
// report, or nil if the lock file changed as it looked.
func takeOverDead(path string, tmp *os.File) (bool, error) {
	dead, err := inspectLock(path)
	if dead == nil {
		return false, err
	}
	defer dead.Close()
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	return true, nil
}

// removeDeadLock removes the lock file path if a tiered that died on this
// host left it.
func removeDeadLock(path string) {
	if dead, _ := inspectLock(path); dead != nil {
		os.Remove(path)
		dead.Close()
	}
}

// inspectLock opens the lock file path. If a tiered that died on this host
// left it, it returns it open and under this process's flock: whoever
// replaces or removes a tiered lock file holds its flock, so while the
// caller keeps it open, path stays that file. Otherwise it returns the
// *LockError describing the lock, or nil if it vanished or changed as it
// looked.
func inspectLock(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	data, _ := io.ReadAll(io.LimitReader(f, 512))
	lerr := &LockError{Lock: path, Age: time.Since(info.ModTime())}
	pid, host, ours := parseLockMarker(string(data))
	free, err := flock(f)
	switch {
	case err != nil:
	case !free && ours:
		lerr.Holder = "tiered (pid " + pid + ")"
	case !free:
	case !sameFile(path, info):
		f.Close()
		return nil, nil
	case ours && host == hostname():
		return f, nil
	}
	f.Close()
	return nil, lerr
}

func sameFile(path string, info fs.FileInfo) bool {
	cur, err := os.Lstat(path)
	return err == nil && os.SameFile(cur, info)
}

func parseLockMarker(data string) (pid, host string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(data), lockMarker)
	if !ok {
		return "", "", false
	}
	for _, field := range strings.Fields(rest) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "pid":
			pid = v
		case "host":
			host = v
		}
	}
	if _, err := strconv.Atoi(pid); err != nil {
		return "", "", false
	}
	return pid, host, true
}

// createLock takes the lock as git does, with O_CREAT|O_EXCL, where flock
// or hard links are missing: a lock left by a writer that died is then
// only reported, but where flock works, a killed writer's lock can be
// empty (killed before it wrote who it is) and is only reported too.
func createLock(path string, wait time.Duration) (*lockFile, error) {
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o666)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
				return nil, err
			}
			continue
		}
		if err == nil {
			// Under flock before it names us, if the system has it:
			// a lock naming a tiered that nobody holds is taken over.
			if ok, err := flock(f); ok && err == nil {
				fmt.Fprintf(f, "%spid=%d host=%s\n", lockMarker, os.Getpid(), hostname())
			}
			return &lockFile{path: path, f: f}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		lerr := &LockError{Lock: path}
		if info, err := os.Stat(path); err == nil {
			lerr.Age = time.Since(info.ModTime())
		}
		if time.Now().Add(pause).After(deadline) {
			return nil, lerr
		}
		time.Sleep(pause)
	}
}

// release removes the lock file, then lets go of its flock: whoever
// removes a tiered lock file holds its flock.
func (l *lockFile) release() {
	os.Remove(l.path)
	l.f.Close()
}

// cleanLockTemps removes the temporary files of lock files that writers
// which died between making one and linking it left in dir.
func cleanLockTemps(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, "lock-*"))
	for _, name := range names {
		info, err := os.Stat(name)
		if err != nil || time.Since(info.ModTime()) < staleLock {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if free, err := flock(f); err == nil && free {
			os.Remove(name)
		}
		f.Close()
	}
}
