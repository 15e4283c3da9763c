package main
import ("os";"testing";"runtime/pprof";"io";"strings")
func TestProf(t *testing.T) {
	f, _ := os.Create("/tmp/cpu.prof")
	pprof.StartCPUProfile(f)
	code := run(append([]string{"--repo", os.Getenv("PROF_REPO")}, strings.Fields(os.Getenv("PROF_ARGS"))...), io.Discard, os.Stderr)
	pprof.StopCPUProfile()
	t.Log(code)
}
