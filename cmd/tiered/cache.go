package main

import (
	"fmt"
	"path/filepath"

	"github.com/tiered-release/tiered/internal/answers"
)

// cacheKey fingerprints a query for the answer cache: its name and
// arguments, the refs, the policy, and the kernel BTF files it names.
func (s *session) cacheKey(query string, inputs ...string) (string, error) {
	refs, err := s.repo.RefsFingerprint()
	if err != nil {
		return "", err
	}
	parts := append([]string{query, refs, fmt.Sprintf("%+v", *s.policy)}, inputs...)
	if btf := s.policy.Features.BTF; btf != "" {
		if !filepath.IsAbs(btf) && s.repo.WorkTree() != "" {
			btf = filepath.Join(s.repo.WorkTree(), btf)
		}
		parts = append(parts, "btf "+answers.FileStamp(btf))
	}
	return answers.Key(parts...), nil
}

// answers is the session's answer store; none with --no-cache.
func (s *session) answers() answers.Store {
	if s.noCache || s.repo.CacheDir() == "" {
		return answers.Store{}
	}
	return answers.Store{Dir: filepath.Join(s.repo.CacheDir(), "answers")}
}
