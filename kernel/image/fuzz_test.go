package image

import (
	"bytes"
	"testing"
)

// fuzzLimits keep a fuzzed input from using much memory or time.
var fuzzLimits = limits{file: 1 << 20, decompressed: 4 << 20, btf: 1 << 20}

// Reading a kernel never panics, whatever the input.
func FuzzReadKernel(f *testing.F) {
	raw := kernelBTF(f)
	vmlinux := vmlinuxELF(raw)
	f.Add(raw)
	f.Add(vmlinux)
	for _, c := range []string{"gzip", "xz", "zstd", "lz4", "lzma"} {
		f.Add(compress(f, c, vmlinux))
		f.Add(bzImageFile(f, c, "6.1.0-28-amd64 #1", vmlinux))
	}
	f.Add(compress(f, "zstd", raw))
	f.Add(buildELF([]section{{name: ".BTF", typ: 1, data: raw}}, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := readKernel(bytes.NewReader(data), int64(len(data)), fuzzLimits)
		if err == nil && k.Spec == nil {
			t.Fatal("no error and no BTF")
		}
	})
}

// Reading a module never panics, whatever the input.
func FuzzReadModule(f *testing.F) {
	raw := kernelBTF(f)
	base, err := readKernel(bytes.NewReader(raw), int64(len(raw)), fuzzLimits)
	if err != nil {
		f.Fatal(err)
	}
	split := splitBTF(f, raw, "bpf_skb_ct_lookup")
	f.Add(split)
	f.Add(moduleELF(split, "nf_conntrack", ""))
	f.Add(compress(f, "xz", moduleELF(split, "nf_conntrack", "")))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readModule(bytes.NewReader(data), int64(len(data)), base, fuzzLimits); err != nil {
			return
		}
	})
}
