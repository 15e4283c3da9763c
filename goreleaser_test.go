package tiered_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tiered-release/tiered/packaging"
)

var update = flag.Bool("update", false, "rewrite release/copyright")

// apacheSHA256 is the sha256 of the Apache License 2.0's canonical text
// (https://www.apache.org/licenses/LICENSE-2.0.txt, Debian's
// /usr/share/common-licenses/Apache-2.0).
const apacheSHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"

// TestLicense: tiered's LICENSE is the Apache-2.0 text, byte for byte,
// and release/copyright, the Debian copyright file .goreleaser.yaml puts
// in tiered's deb, is what tiered's own packaging writes for it.
func TestLicense(t *testing.T) {
	text, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(text); hex.EncodeToString(sum[:]) != apacheSHA256 {
		t.Errorf("LICENSE is not the Apache-2.0 text (sha256 %x)", sum)
	}
	b := &packaging.Build{
		Library: "tiered", License: "Apache-2.0", Homepage: "https://github.com/tiered-release/tiered",
		LicenseFiles: []packaging.LicenseFile{{Name: "LICENSE", Data: text}},
		Copyright:    []string{"2026 The tiered authors"},
	}
	want, err := b.CopyrightFile()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("release/copyright", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("release/copyright")
	if err != nil {
		t.Fatalf("%v (go test . -run TestLicense -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("release/copyright is not what tiered writes (go test . -run TestLicense -update):\n%s", want)
	}
}

// .goreleaser.yaml releases the tiered command: binaries, checksums, and
// deb and rpm packages. goreleaser check validates it fully (in CI); this
// test holds it to what tiered's own release needs wherever it runs.
func TestGoreleaserConfig(t *testing.T) {
	data, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main   string   `yaml:"main"`
			Binary string   `yaml:"binary"`
			Goos   []string `yaml:"goos"`
		} `yaml:"builds"`
		Checksum struct {
			Algorithm string `yaml:"algorithm"`
		} `yaml:"checksum"`
		Archives []struct {
			Files []string `yaml:"files"`
		} `yaml:"archives"`
		Nfpms []struct {
			PackageName string   `yaml:"package_name"`
			Formats     []string `yaml:"formats"`
			Maintainer  string   `yaml:"maintainer"`
			License     string   `yaml:"license"`
			Contents    []struct {
				Src, Dst, Type, Packager string
			} `yaml:"contents"`
		} `yaml:"nfpms"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(false)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/tiered" || cfg.Builds[0].Binary != "tiered" || !slices.Contains(cfg.Builds[0].Goos, "linux") {
		t.Errorf("builds: %+v (want version 2 and one build of ./cmd/tiered for linux)", cfg)
	}
	if cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum algorithm %q, want sha256", cfg.Checksum.Algorithm)
	}
	if len(cfg.Nfpms) != 1 || !slices.Contains(cfg.Nfpms[0].Formats, "deb") || !slices.Contains(cfg.Nfpms[0].Formats, "rpm") || cfg.Nfpms[0].Maintainer == "" {
		t.Fatalf("nfpms: %+v (want one deb and rpm package with a maintainer)", cfg.Nfpms)
	}
	// The license as tiered gives its own packages: SPDX in the License
	// tag, the text as rpm's %license, the DEP-5 file as Debian's copyright.
	n := cfg.Nfpms[0]
	if n.License != "Apache-2.0" {
		t.Errorf("nfpms license %q, want Apache-2.0", n.License)
	}
	type content struct{ Src, Dst, Type, Packager string }
	var contents []content
	for _, c := range n.Contents {
		contents = append(contents, content(c))
	}
	for _, want := range []content{
		{"release/copyright", "/usr/share/doc/tiered/copyright", "", "deb"},
		{"release/lintian-overrides", "/usr/share/lintian/overrides/tiered", "", "deb"},
		{"LICENSE", "/usr/share/licenses/tiered/LICENSE", "license", "rpm"},
	} {
		if !slices.Contains(contents, want) {
			t.Errorf("nfpms contents lack %+v: %+v", want, contents)
		}
	}
	if len(cfg.Archives) != 1 || !slices.Contains(cfg.Archives[0].Files, "LICENSE") {
		t.Errorf("archives: %+v (want LICENSE in the archive)", cfg.Archives)
	}
	if path, err := exec.LookPath("goreleaser"); err == nil {
		if out, err := exec.Command(path, "check").CombinedOutput(); err != nil {
			t.Errorf("goreleaser check: %v\n%s", err, out)
		}
	} else {
		t.Log("goreleaser not on PATH: .ci/run installs it and runs goreleaser check")
	}
}
