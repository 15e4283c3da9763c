package image_test

import (
	"fmt"

	"github.com/tiered-release/tiered/kernel/image"
)

func ExampleParseName() {
	for _, name := range []string{"vmlinuz-6.1.0-28-amd64", "vmlinuz-6.12.12+bpo-amd64", "6.9-rc3.btf.gz", "vmlinux"} {
		r, ok := image.ParseName(name)
		fmt.Printf("%s: %v %q %v\n", name, r, r.Full, ok)
	}
	// Output:
	// vmlinuz-6.1.0-28-amd64: 6.1 "6.1.0-28-amd64" true
	// vmlinuz-6.12.12+bpo-amd64: 6.12.12 "6.12.12+bpo-amd64" true
	// 6.9-rc3.btf.gz: 6.9-rc3 "6.9-rc3" true
	// vmlinux: 0.0 "" false
}

func ExampleUpstream() {
	// A Debian kernel's release string hides its patch level; its
	// banner names it.
	r, ok := image.Upstream("6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)")
	fmt.Println(r, ok)
	// Output:
	// 6.1.119 true
}
