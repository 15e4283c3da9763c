package tiered_test

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

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
		Nfpms []struct {
			PackageName string   `yaml:"package_name"`
			Formats     []string `yaml:"formats"`
			Maintainer  string   `yaml:"maintainer"`
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
		t.Errorf("nfpms: %+v (want one deb and rpm package with a maintainer)", cfg.Nfpms)
	}
	if path, err := exec.LookPath("goreleaser"); err == nil {
		if out, err := exec.Command(path, "check").CombinedOutput(); err != nil {
			t.Errorf("goreleaser check: %v\n%s", err, out)
		}
	} else {
		t.Log("goreleaser not on PATH: .ci/run installs it and runs goreleaser check")
	}
}
