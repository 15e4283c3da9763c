package versioning_test

import (
	"fmt"

	"github.com/tiered-release/tiered/versioning"
)

func ExampleParse() {
	v, err := versioning.Parse("1.4.2.1")
	if err != nil {
		panic(err)
	}
	fmt.Println(v.ABI, v.Kernel, v.Feature, v.Stable)
	fmt.Println(v.Bump(versioning.TierFeature))
	// Output:
	// 1 4 2 1
	// 1.4.3.0
}

func ExampleVersion_Compare() {
	rc := versioning.MustParse("1.5.0.0-rc.2")
	final := versioning.MustParse("1.5.0.0")
	older := versioning.MustParse("1.4.9.0")
	fmt.Println(rc.Compare(final), older.Compare(rc))
	// Output: -1 -1
}

func ExampleScheme_Parse() {
	v, _ := versioning.SchemeKernel.Parse("1.4.7") // libbpf
	fmt.Println(v, versioning.SchemeKernel.Format(v.Bump(versioning.TierStable)))
	// Output: 1.4.0.7 1.4.8
}
