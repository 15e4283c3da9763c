// Package atomicfile writes files whole or not at all.
package atomicfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to name with mode perm through a temporary file in
// the same directory and a rename, so that a reader sees the old content
// or the new one, never a part, and a failure leaves no partial file.
func WriteFile(name string, data []byte, perm os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// ErrCorrupt reports a checked file whose header or checksum is wrong.
var ErrCorrupt = errors.New("corrupt file")

// WriteChecked writes body under a first line naming its format and the
// SHA-256 of body, through [WriteFile]; [ReadChecked] reads it back.
func WriteChecked(name, format string, body []byte) error {
	sum := sha256.Sum256(body)
	data := make([]byte, 0, len(format)+66+len(body))
	data = append(data, format+" "+hex.EncodeToString(sum[:])+"\n"...)
	return WriteFile(name, append(data, body...), 0o644)
}

// ReadChecked returns the body of a file [WriteChecked] wrote, or an error
// wrapping [ErrCorrupt] if it is not one of format or does not match its
// checksum (a torn write, a disk error, another program's file).
func ReadChecked(name, format string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	header, body, ok := bytes.Cut(data, []byte("\n"))
	sum := sha256.Sum256(body)
	if !ok || string(header) != format+" "+hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%s: %w", name, ErrCorrupt)
	}
	return body, nil
}
