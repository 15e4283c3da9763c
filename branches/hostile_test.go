package branches

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCheckRevision(t *testing.T) {
	for _, rev := range []string{"HEAD", "@", "main", "v1.4.7", "refs/heads/release/v1.4", "libbpf-1.4.7", "1a2b3c4", "main~3", "v1.4.7^", "HEAD^2~1", "origin/master", "master^{/fix attach return value}"} {
		if err := checkRevision(rev); err != nil {
			t.Errorf("checkRevision(%q) = %v, want nil", rev, err)
		}
	}
	for _, rev := range []string{"HEAD@{5}", "@{-1}", "main:src/foo.c", ":/fix", "v1.4.7^{tree}", "v1.4.7^{}", "a..b", "a...b", "-n", "main^!", "x y", "main@{upstream}", "*"} {
		if err := checkRevision(rev); !errors.Is(err, ErrRevisionSyntax) {
			t.Errorf("checkRevision(%q) = %v, want ErrRevisionSyntax", rev, err)
		}
	}
}

// Identity follows include.path as git does: included values where the
// include is, a missing file ignored, an unreadable one an error.
func TestConfigIdentity(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("work.inc", "[user]\n\temail = rm@work.example ; a comment\n")
	local := write("config", "[user]\n\tname = \"Rel Manager\"\n\temail = rm@home.example\n[include]\n\tpath = work.inc\n\tpath = missing.inc\n")
	global := write("global", "[user]\n\tname = Someone Else\n")
	name, email, err := identityFrom([]string{local, global})
	if err != nil || name != "Rel Manager" || email != "rm@work.example" {
		t.Errorf("identityFrom = %q, %q, %v; want the local name and the included email", name, email, err)
	}
	// An include before the user section: the file's own value wins.
	first := write("first", "[include]\n\tpath = work.inc\n[user]\n\temail = own@example.org\n")
	if _, email, _ := identityFrom([]string{first}); email != "own@example.org" {
		t.Errorf("email = %q, want the value set after the include", email)
	}
	if os.Geteuid() == 0 {
		t.Skip("root reads unreadable files")
	}
	secret := write("secret.inc", "[user]\n\tname = x\n")
	os.Chmod(secret, 0)
	bad := write("bad", "[include]\n\tpath = secret.inc\n")
	if _, _, err := identityFrom([]string{bad}); !errors.Is(err, ErrConfig) {
		t.Errorf("an unreadable include: %v, want ErrConfig", err)
	}
}

// An include.path that names a directory cannot be read: an error, as
// git says "bad config".
func TestConfigIdentityDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte("[include]\n\tpath = "+dir+"\n"), 0o644)
	if _, _, err := identityFrom([]string{cfg}); !errors.Is(err, ErrConfig) {
		t.Errorf("an include of a directory: %v, want ErrConfig", err)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-01T00:00:00Z":      "2024-01-01T00:00:00Z",
		"@1700000000 +0100":         "2023-11-14T23:13:20+01:00",
		"1700000000 -0230":          "2023-11-14T19:43:20-02:30",
		"2024-03-01T10:00:00+02:00": "2024-03-01T10:00:00+02:00",
	} {
		got, err := ParseDate(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"yesterday", "@17x", "1700000000 CET"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) succeeded", in)
		}
	}
}
