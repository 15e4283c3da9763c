// Package image reads kernel BTF from the files distributions ship, and
// says which kernel a file is.
//
// [Load] accepts one kernel in any of these forms:
//
//   - raw BTF, as /sys/kernel/btf/vmlinux holds it;
//   - an ELF vmlinux with a .BTF section, stripped or not;
//   - an x86 bzImage (vmlinuz): its setup header locates the compressed
//     payload, which is the ELF vmlinux compressed with gzip, xz (with or
//     without the x86 BCJ filter), zstd, lz4 (the legacy frame the
//     kernel's build writes), bzip2 or lzma;
//   - raw BTF or an ELF vmlinux compressed with any of those codecs.
//
// [LoadModule] reads a module's split BTF, which only makes sense on top
// of its kernel's: a .ko file (plain or compressed), or a file of
// /sys/kernel/btf. [LoadDir] reads a kernel and its modules from one
// directory, as /sys/kernel/btf lays them out.
//
// The kernel a file holds is known by the version string a bzImage's
// setup header carries, by the "Linux version" banner in an ELF vmlinux,
// or by the file's name ([ParseName]); raw BTF does not say.
//
// Every input is treated as hostile: a file must be a regular file (a
// FIFO or device is refused before it is opened, and files are opened
// non-blocking), every size read from a header is checked before anything
// is allocated for it, decompression stops at [MaxDecompressed] bytes and
// one BTF blob may be at most [MaxBTF] bytes. Compressed data is streamed:
// only the sections this package needs are kept in memory.
//
// The package touches only the files it is given. It does not import the
// rest of tiered: callers convert its plain values (strings, [Release]) to
// their own types.
package image
