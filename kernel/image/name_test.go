package image

import (
	"testing"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // Release.String(); "" when ParseName must report false
		full string
	}{
		{"6.18", "6.18", "6.18"},
		{"6.18.15", "6.18.15", "6.18.15"},
		{"6.9-rc3.btf.gz", "6.9-rc3", "6.9-rc3"},
		{"vmlinux-6.1.0-28-amd64", "6.1", "6.1.0-28-amd64"},
		{"vmlinuz-6.12.12+bpo-amd64", "6.12.12", "6.12.12+bpo-amd64"},
		{"vmlinuz-6.12.117+deb12-amd64", "6.12.117", "6.12.117+deb12-amd64"},
		{"6.8.0-45-generic", "6.8", "6.8.0-45-generic"},
		{"vmlinux-6.10.zst", "6.10", "6.10"},
		{"kernels/6.8.btf", "6.8", "6.8"},
		{"v6.8", "6.8", "v6.8"},
		{"6.10-rc10.btf", "6.10-rc10", "6.10-rc10"},
		{"vmlinuz-6.9.0-0.rc3.30.fc41.x86_64", "6.9-rc3", "6.9.0-0.rc3.30.fc41.x86_64"},
		{"vmlinuz-6.9.0-060900rc3-generic", "6.9-rc3", "6.9.0-060900rc3-generic"},
		{"vmlinux-6.1.0-28-amd64.xz", "6.1", "6.1.0-28-amd64"},
		{"bzImage-6.6.30", "6.6.30", "6.6.30"},
		// Unknown: no guess.
		{"vmlinux", "", ""},
		{"vmlinuz", "", ""},
		{"btf", "", ""},
		{"6", "", ""},
		{"6.x", "", ""},
		{"0.1", "", ""},
		{"six.eight", "", ""},
		{"config-6.1.0-28-amd64", "", ""},
		{"6.9.1-rc3", "", ""},         // an -rc has no patch level
		{"6.9.0-1.rc3.weird", "", ""}, // an -rc in a suffix of unknown form
		{"6.8 with spaces", "", ""},   // not a file name a distro writes
		{"linux-image-6.8.0-45-generic_6.8.0-45.45_amd64.deb", "", ""}, // a package is not a kernel file
		{"", "", ""},
	} {
		r, ok := ParseName(tc.name)
		if tc.want == "" {
			if ok {
				t.Errorf("ParseName(%q) = %v, true; want false", tc.name, r)
			}
			continue
		}
		if !ok || r.String() != tc.want || r.Full != tc.full {
			t.Errorf("ParseName(%q) = %v (full %q), %v; want %s (full %q)", tc.name, r, r.Full, ok, tc.want, tc.full)
		}
	}
}

func TestReleaseCompare(t *testing.T) {
	// In order; every pair is compared.
	order := []string{"5.15", "6.1", "6.1.1", "6.1.119", "6.9-rc2", "6.9-rc10", "6.9", "6.9.1", "6.10-rc1", "6.10", "6.18.15"}
	for i, a := range order {
		ra, ok := ParseRelease(a)
		if !ok {
			t.Fatalf("ParseRelease(%q) failed", a)
		}
		for j, b := range order {
			rb, _ := ParseRelease(b)
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := ra.Compare(rb); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	// Distro strings of one release compare equal: Full is not compared.
	a, _ := ParseRelease("6.1.0-28-amd64")
	b, _ := ParseRelease("6.1")
	if a.Compare(b) != 0 {
		t.Errorf("Compare(6.1.0-28-amd64, 6.1) = %d, want 0", a.Compare(b))
	}
}

func TestUpstream(t *testing.T) {
	for _, tc := range []struct {
		banner string
		want   string // "" when Upstream must report false
	}{
		// The compiler's "Debian 12.2.0-14" is not the kernel's.
		{testBanner, "6.1.119"},
		{"6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)", "6.1.192"},
		{"6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1 (2026-11-14)", "6.12.117"},
		{"Linux version 6.9.0-rc3-amd64 (debian-kernel@lists.debian.org) (gcc-13) #1 SMP PREEMPT_DYNAMIC Debian 6.9~rc3-1~exp1 (2024-04-08)", "6.9-rc3"},
		{"Linux version 6.8.0-45-generic (buildd@lcy02-amd64-115) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024 (Ubuntu 6.8.0-45.45-generic 6.8.12)", "6.8.12"},
		{"Linux version 6.18.44-fc-v1045 (root@build) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC @0", ""},
		{"Linux version 6.8.0 (gcc (Debian 12.2.0-14) 12.2.0)", ""},
		{"", ""},
	} {
		r, ok := Upstream(tc.banner)
		if tc.want == "" {
			if ok {
				t.Errorf("Upstream(%q) = %v, true; want false", tc.banner, r)
			}
			continue
		}
		if !ok || r.String() != tc.want || r.Full != tc.banner {
			t.Errorf("Upstream(%q) = %v, %v; want %s", tc.banner, r, ok, tc.want)
		}
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"6.18", "6.9-rc3.btf.gz", "vmlinux-6.1.0-28-amd64", "vmlinuz-6.9.0-0.rc3.30.fc41.x86_64", "6.9.0-060900rc3-generic"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		r, ok := ParseName(name)
		if !ok {
			return
		}
		// What it reads is a release that reads back the same.
		back, ok := ParseRelease(r.String())
		if !ok || back.Compare(r) != 0 || back.String() != r.String() {
			t.Errorf("ParseName(%q) = %v, which reads back as %v, %v", name, r, back, ok)
		}
	})
}
