package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/blakesmith/ar"
)

// arMember is one member of the ar archive a .deb is.
type arMember struct {
	name string
	data []byte
}

func readAr(data []byte) ([]arMember, error) {
	r := ar.NewReader(bytes.NewReader(data))
	var out []arMember
	for {
		h, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		out = append(out, arMember{strings.TrimRight(h.Name, "/"), body})
	}
}

// writeAr writes members as nfpm does: mode 0644, owner 0, mtime.
func writeAr(members []arMember, mtime time.Time) ([]byte, error) {
	var b bytes.Buffer
	w := ar.NewWriter(&b)
	if err := w.WriteGlobalHeader(); err != nil {
		return nil, err
	}
	for _, m := range members {
		if err := w.WriteHeader(&ar.Header{Name: m.name, Size: int64(len(m.data)), Mode: 0o644, ModTime: mtime}); err != nil {
			return nil, err
		}
		if _, err := w.Write(m.data); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// addDebControl adds files (shlibs, symbols) to the control archive of a
// .deb that nfpm built. md5sums covers data files only, so the package
// stays valid; owners, modes and mtimes match nfpm's, so the bytes stay
// reproducible.
func addDebControl(deb []byte, add map[string][]byte, mtime time.Time) ([]byte, error) {
	members, err := readAr(deb)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(members, func(m arMember) bool { return m.name == "control.tar.gz" })
	if i < 0 {
		return nil, errors.New("no control.tar.gz in the package")
	}
	zr, err := gzip.NewReader(bytes.NewReader(members[i].data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.ModTime = time.Time{}
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(h.Name, "./")
		if _, replaced := add[name]; replaced {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(add))
	for n := range add {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h := &tar.Header{Name: "./" + n, Mode: 0o644, Size: int64(len(add[n])), ModTime: mtime,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatGNU}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(add[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	members[i].data = out.Bytes()
	return writeAr(members, mtime)
}
