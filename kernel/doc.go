// Package kernel proves what a library release needs from the Linux
// kernel against kernel BTF (DESIGN §5).
//
// It holds the features side and the kernel side of that proof:
//
//   - the UAPI header reader ([ParseHeader], [ParseHeaderWith]): a
//     declaration reader with an exact preprocessor for what UAPI headers
//     use (object- and function-like macros, GNU named variadics, ##,
//     #undef scoping, macros of included headers, no #ifdef __KERNEL__
//     code), that lists enum constants with their values (an enum's bounds
//     are not features), named structs, unions and enums, their members
//     through anonymous members, and #define constants (not "#define X
//     X"); and the declarative manifest ([ParseManifest]);
//   - which kernel a BTF input is ([Identity], [ParseName], [Load]): its
//     name, its banner, the running kernel's release, or VERSION=PATH; a
//     kernel nothing names is never a baseline;
//   - kernel BTF read through package kernel/image (raw BTF, ELF vmlinux,
//     bzImage, module split BTF, any compression) and indexed with
//     github.com/cilium/ebpf/btf ([BTF], [Index]);
//   - the kernel's own UAPI headers, the second witness where BTF cannot
//     say ([Headers], [LoadHeaders]);
//   - the check of a release against its baseline kernel ([Check],
//     [Report]), with explanations from the other kernels of the index
//     and from git history (the commits that added a feature to a header
//     copy, and those that reverted or removed it elsewhere; renames only
//     where history shows one); the matrix of a release against every
//     kernel ([Index.Matrix]); and the index of kernel identifiers behind
//     the kernel-too-new rule ([Needs]).
//
// Its inputs are plain: a [Config] (which header copies and manifest a
// release carries), [LoadOptions] (the running kernel's release, which the
// caller reads) and a small [History] interface for the repository, which
// package policies adapts from package branches. It reads kernel files and
// kernel headers (in [Load], [LoadBTF], [Read] and [LoadHeaders]) and
// nothing else: it never reaches git or the policy file, never writes,
// prints, or reads the environment.
package kernel
