// Package kernel proves what a library release needs from the Linux
// kernel against kernel BTF (DESIGN §5).
//
// It holds the features side and the kernel side of that proof:
//
//   - the UAPI header reader ([ParseHeader]): a declaration reader with
//     an exact preprocessor for what UAPI headers use (object- and
//     function-like macros, GNU named variadics, ##, #undef scoping), that
//     lists enum constants with their values, named structs, unions and
//     enums, their members through anonymous members, and #define
//     constants; and the declarative manifest ([ParseManifest]);
//   - kernel BTF read with github.com/cilium/ebpf/btf ([BTF], [Index],
//     [Load]): raw BTF or an ELF vmlinux, plain or compressed, one file or
//     a directory of kernels named by version;
//   - the check of a release against its baseline kernel ([Check],
//     [Report]), with explanations from the other kernels of the index
//     and from git history (the commits that added a feature to a header
//     copy, and those that reverted or removed it elsewhere), and the
//     index of kernel identifiers behind the kernel-too-new rule
//     ([Needs]).
//
// Its inputs are plain: a [Config] (which header copies and manifest a
// release carries) and a small [History] interface for the repository,
// which package policies adapts from package branches. It reads BTF
// files (in [Load] and [LoadBTF]) and nothing else: it never reaches git
// or the policy file, never writes, prints, or reads the environment.
package kernel
