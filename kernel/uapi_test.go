package kernel

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
)

// header is a bpf.h in miniature, with the constructs the real one uses.
const header = `/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI__LINUX_BPF_H__
#define _UAPI__LINUX_BPF_H__

#define BPF_JMP32	0x06	/* jmp mode in word width */
#define BPF_ALU64	0x07 \
			/* continued */

enum bpf_cmd {
	BPF_MAP_CREATE,
	BPF_MAP_LOOKUP_ELEM = 1, // a comment
	BPF_PROG_LOAD = (1 << 2),
	__MAX_BPF_CMD,
};

/* flags for BPF_MAP_UPDATE_ELEM command */
enum {
	BPF_ANY		= 0, /* create new element or update existing */
	BPF_NOEXIST	= 1,
};

#define __bpf_md_ptr(type, name)	\
union {					\
	type name;			\
	__u64 :64;			\
} __attribute__((aligned(8)))

union bpf_attr {
	struct { /* anonymous struct used by BPF_MAP_CREATE command */
		__u32	map_type;
		__u32	key_size, value_size;
		char	map_name[16];
		__u32	flags : 4;
	};
	struct {
		__aligned_u64	in_batch;
	} batch;
	struct {
		union {
			__u32		prog_fd;
			__u32		map_fd;
		};
		union {
			__u32		target_btf_id;
			struct {
				__u32		flags;
				__aligned_u64	syms;
			} kprobe_multi;
		};
	} link_create;
} __attribute__((aligned(8)));

struct __sk_buff {
	__u32 len;
	__bpf_md_ptr(struct bpf_sock *, sk);
	void (*callback)(int);
};

#define ___BPF_FUNC_MAPPER(FN, ctx...)			\
	FN(unspec, 0, ##ctx)				\
	FN(map_lookup_elem, 1, ##ctx)			\
	/* */

#define __BPF_ENUM_FN(x, y) BPF_FUNC_ ## x = y,
enum bpf_func_id {
	___BPF_FUNC_MAPPER(__BPF_ENUM_FN)
	__BPF_FUNC_MAX_ID,
};
#undef __BPF_ENUM_FN

/* Before 6.1 the mapper took no number. */
#define __BPF_FUNC_MAPPER(FN)		\
	FN(per_cpu_ptr),		\
	/* */
#define __BPF_ENUM_FN(x) BPF_FUNC_ ## x
enum bpf_old_func_id {
	__BPF_FUNC_MAPPER(__BPF_ENUM_FN)
};
#undef __BPF_ENUM_FN
__BPF_ENUM_FN(not_expanded)

struct bpf_prog_info;
int bpf(int cmd, union bpf_attr *attr, unsigned int size);

#endif /* _UAPI__LINUX_BPF_H__ */
`

// Sentinels (an enum's bounds) are never features, and "#define X X"
// never hides the constant X.
func TestParseHeaderSentinelsAndSelfDefines(t *testing.T) {
	const h = `enum bpf_link_type {
	BPF_LINK_TYPE_UNSPEC = 0,
	BPF_LINK_TYPE_XDP = 6,
	MAX_BPF_LINK_TYPE,
};
#define MAX_BPF_ATTACH_TYPE __MAX_BPF_ATTACH_TYPE
enum {
	BPF_F_LINK = (1U << 13),
};
#define BPF_F_LINK		BPF_F_LINK /* 1 << 13 */
#define IFLA_COST (IFLA_COST)
enum {
	TCP_BPF_IW = 1001,
	TCP_BPF_DELACK_MAX = 1003,
	TCP_BPF_RTO_MIN = 1004,
};
enum {
	IFLA_BOND_UNSPEC,
	IFLA_BOND_MISSED_MAX,
	__IFLA_BOND_MAX,
};
#define IFLA_BOND_MAX	(__IFLA_BOND_MAX - 1)
#define BPF_F_FOO_MAX	4
enum macsec_validation_type {
	MACSEC_VALIDATE_DISABLED = 0,
	MACSEC_VALIDATE_STRICT = 2,
	__MACSEC_VALIDATE_END,
	MACSEC_VALIDATE_MAX = __MACSEC_VALIDATE_END - 1,
};
enum {
	BTF_KIND_INT = 1,
	BTF_KIND_PTR = 2,
	NR_BTF_KINDS,
	BTF_KIND_MAX = NR_BTF_KINDS - 1,
};
enum ipvlan_mode {
	IPVLAN_MODE_L2 = 0,
	IPVLAN_MODE_MAX
};
enum {
	TCP_BPF_SOLE_MAX = 7
};
`
	fs, err := ParseHeader("h", []byte(h))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Kind != KindType {
			got = append(got, string(f.Kind)+" "+f.ID)
		}
	}
	want := []string{
		"define BPF_F_FOO_MAX",
		"enum-value BPF_LINK_TYPE_UNSPEC", "enum-value BPF_LINK_TYPE_XDP",
		"enum-value BPF_F_LINK",
		"enum-value TCP_BPF_IW", "enum-value TCP_BPF_DELACK_MAX", "enum-value TCP_BPF_RTO_MIN",
		"enum-value IFLA_BOND_UNSPEC", "enum-value IFLA_BOND_MISSED_MAX",
		"enum-value MACSEC_VALIDATE_DISABLED", "enum-value MACSEC_VALIDATE_STRICT",
		"enum-value BTF_KIND_INT", "enum-value BTF_KIND_PTR", "enum-value NR_BTF_KINDS",
		"enum-value IPVLAN_MODE_L2",
		"enum-value TCP_BPF_SOLE_MAX",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseHeader mismatch (-want +got):\n%s", d)
	}
}

func TestParseHeader(t *testing.T) {
	fs, err := ParseHeader("bpf.h", []byte(header))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Kind)+" "+f.ID+" "+f.Container+" "+f.Group+" "+f.Source)
	}
	want := []string{
		"define BPF_JMP32   bpf.h:5",
		"define BPF_ALU64   bpf.h:6",
		"type enum bpf_cmd enum  bpf.h:9",
		"enum-value BPF_MAP_CREATE enum bpf_cmd  bpf.h:10",
		"enum-value BPF_MAP_LOOKUP_ELEM enum bpf_cmd  bpf.h:11",
		"enum-value BPF_PROG_LOAD enum bpf_cmd  bpf.h:12",
		"enum-value BPF_ANY enum BPF_ANY bpf.h:18",
		"enum-value BPF_NOEXIST enum BPF_ANY bpf.h:19",
		"type union bpf_attr union  bpf.h:28",
		"member bpf_attr.map_type union bpf_attr  bpf.h:30",
		"member bpf_attr.key_size union bpf_attr  bpf.h:31",
		"member bpf_attr.value_size union bpf_attr  bpf.h:31",
		"member bpf_attr.map_name union bpf_attr  bpf.h:32",
		"member bpf_attr.flags union bpf_attr  bpf.h:33",
		"member bpf_attr.batch.in_batch union bpf_attr  bpf.h:36",
		"member bpf_attr.batch union bpf_attr  bpf.h:37",
		"member bpf_attr.link_create.prog_fd union bpf_attr  bpf.h:40",
		"member bpf_attr.link_create.map_fd union bpf_attr  bpf.h:41",
		"member bpf_attr.link_create.target_btf_id union bpf_attr  bpf.h:44",
		"member bpf_attr.link_create.kprobe_multi.flags union bpf_attr  bpf.h:46",
		"member bpf_attr.link_create.kprobe_multi.syms union bpf_attr  bpf.h:47",
		"member bpf_attr.link_create.kprobe_multi union bpf_attr  bpf.h:48",
		"member bpf_attr.link_create union bpf_attr  bpf.h:50",
		"type struct __sk_buff struct  bpf.h:53",
		"member __sk_buff.len struct __sk_buff  bpf.h:54",
		"member __sk_buff.sk struct __sk_buff  bpf.h:55",
		"member __sk_buff.callback struct __sk_buff  bpf.h:56",
		"type enum bpf_func_id enum  bpf.h:65",
		"enum-value BPF_FUNC_unspec enum bpf_func_id  bpf.h:66",
		"enum-value BPF_FUNC_map_lookup_elem enum bpf_func_id  bpf.h:66",
		"type enum bpf_old_func_id enum  bpf.h:76",
		"enum-value BPF_FUNC_per_cpu_ptr enum bpf_old_func_id  bpf.h:77",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseHeader mismatch (-want +got):\n%s", d)
	}
}

// Every libbpf release's copy of bpf.h, from v0.0.1 (2019) on, must yield
// the features every one of them declares. Needs $TIERED_LIBBPF.
func TestParseHeaderLibbpfReleases(t *testing.T) {
	dir := os.Getenv("TIERED_LIBBPF")
	if dir == "" {
		t.Skip("set TIERED_LIBBPF to a libbpf/libbpf clone to run")
	}
	repo, err := branches.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := repo.Tags()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tag := range tags {
		data, err := repo.ReadFile(tag.Commit, "include/uapi/linux/bpf.h")
		if err != nil {
			continue
		}
		n++
		fs, err := ParseHeader(tag.Name+":bpf.h", data)
		if err != nil {
			t.Fatalf("%s: %v", tag.Name, err)
		}
		ids := map[string]bool{}
		for _, f := range fs {
			ids[f.ID] = true
		}
		for _, id := range []string{"BPF_PROG_TYPE_XDP", "BPF_FUNC_map_lookup_elem", "BPF_FUNC_get_stack",
			"bpf_attr.map_type", "bpf_attr.link_create.target_fd", "union bpf_attr", "__sk_buff.data", "BPF_ANY"} {
			if !ids[id] && !(strings.HasPrefix(id, "bpf_attr.link_create") && !strings.Contains(string(data), "link_create")) {
				t.Errorf("%s: no feature %s", tag.Name, id)
			}
		}
	}
	t.Logf("parsed bpf.h of %d tags", n)
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(header))
	f.Add([]byte("#define A(x) A(x) B\nenum { A(1) };"))
	f.Add([]byte("#define X(a, b...) X(a, ##b) Y(b)\nX(1,2,3)\nstruct s { struct { int a; } ; union"))
	f.Add([]byte("/* unterminated"))
	f.Add([]byte("\"unterminated\nenum e { A = '"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ParseHeader("fuzz.h", data)
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.ID == "" || strings.Contains(x.ID, "\x00") {
				t.Fatalf("feature with a bad id: %+v", x)
			}
		}
	})
}

func TestParseHeaderEnumValues(t *testing.T) {
	fs, err := ParseHeader("x.h", []byte(`enum e {
	A,
	B = 5,
	C,
	D = (1ULL << 3) | B,
	E = -1,
	F = 0x10,
	G = sizeof(int),
	H,
	I = C + 1,
	J = ~0xff >> 4,
};`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Kind != KindEnumValue {
			continue
		}
		if f.HasValue {
			got = append(got, fmt.Sprintf("%s=%d", f.Name, f.Value))
		} else {
			got = append(got, f.Name+"=?")
		}
	}
	want := []string{"A=0", "B=5", "C=6", "D=13", "E=-1", "F=16", "G=?", "H=?", "I=7", "J=-16"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("enum values (-want +got):\n%s", d)
	}
}

// Code kept for the kernel (#ifdef __KERNEL__) is not user space's, and
// macros come from the headers a header includes: 6.12's pkt_cls.h wraps
// the members of struct tc_u32_sel in __struct_group from linux/stddef.h.
func TestParseHeaderIncludesAndKernelOnly(t *testing.T) {
	files := map[string]string{
		"linux/stddef.h": `#define __struct_group(TAG, NAME, ATTRS, MEMBERS...) \
	union { \
		struct { MEMBERS } ATTRS; \
		struct TAG { MEMBERS } ATTRS NAME; \
	} ATTRS
#include <linux/stddef.h>
`,
	}
	const h = `#include <linux/stddef.h>
#include <linux/nope.h>
#include MACRO_INCLUDE
struct tc_u32_sel {
	__struct_group(tc_u32_sel_hdr, hdr, /* no attrs */,
		unsigned char flags;
	);
	int keys[];
};
#define AT_HANDLE_FID 0x200
#if defined(__KERNEL__)
#define AT_GETATTR_NOSEC 0x80000000
#else
#define AT_USER_ONLY 1
#endif
#ifndef __KERNEL__
#define AT_USER_TOO 2
#else
#define AT_KERNEL_TOO 3
#ifdef X
#define AT_NESTED 4
#endif
#endif
#ifdef __KERNEL__
#elif defined(Y)
#define AT_ELIF 5
#endif
#ifdef Z
#define AT_BOTH 6
#else
#define AT_BOTH2 7
#endif
`
	fs, err := ParseHeaderWith("h", []byte(h), func(p string) []byte {
		if s, ok := files[p]; ok {
			return []byte(s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Kind != KindType {
			got = append(got, f.ID)
		}
	}
	want := []string{"AT_HANDLE_FID", "AT_USER_ONLY", "AT_USER_TOO", "AT_ELIF", "AT_BOTH", "AT_BOTH2",
		"tc_u32_sel.flags", "tc_u32_sel_hdr.flags", "tc_u32_sel.hdr", "tc_u32_sel.keys"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseHeaderWith mismatch (-want +got):\n%s", d)
	}
}
